from django.db import models


class LessonPassage(models.Model):
    """The searchable text of one block of a live lesson (coursepages.passages): rich text and
    Markdown as plain text, block titles, a PDF's title, a quiz's questions without their
    options or answers. Rebuilt per changed block when a lesson is published; on PostgreSQL a GIN
    index over a generated English tsvector column serves search (migration 0005)."""

    course = models.ForeignKey("coursepages.CoursePage", on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="passages")
    block_id = models.CharField(max_length=64)
    block_type = models.CharField(max_length=32)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)
    # The passage's meaning as a unit vector (coursepages.embeddings), a plain array of floats;
    # null until the embedding task has run since the text last changed.
    embedding = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lesson_id", "position"]
        constraints = [models.UniqueConstraint(fields=["lesson", "block_id"], name="unique_lesson_passage")]
        indexes = [models.Index(fields=["course", "lesson"])]

    def __str__(self):
        return f"{self.lesson_id}/{self.block_id}: {self.title or self.text[:40]}"
