from django.db import models


class ActivityBlock(models.Model):
    """Where an activity block lives: block id → lesson, kept up to date when a lesson is
    published (learners.activity_blocks), so the API finds a quiz or assignment in one query."""

    block_id = models.CharField(max_length=64, unique=True)
    block_type = models.CharField(max_length=32, db_index=True)
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("coursepages.CoursePage", null=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=255, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order of the block in its lesson body.")

    class Meta:
        indexes = [models.Index(fields=["course", "block_type"])]

    def __str__(self):
        return f"{self.block_type} {self.title or self.block_id}"
