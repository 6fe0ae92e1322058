from django.db import models


class LessonProgress(models.Model):
    """How far a student is through one lesson."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    enrollment = models.ForeignKey("learners.Enrollment", on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    time_spent_seconds = models.PositiveIntegerField(default=0)
    first_accessed_at = models.DateTimeField(null=True, blank=True)
    last_accessed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    video_position = models.FloatField(default=0)
    video_duration = models.FloatField(default=0)
    video_furthest = models.FloatField(default=0, help_text="Furthest point reached by continuous watching.")
    video_watched_ranges = models.JSONField(default=list, blank=True, help_text="Merged [start, end] seconds.")
    watched_percent = models.FloatField(default=0)

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [models.UniqueConstraint(fields=["enrollment", "lesson"], name="unique_lesson_progress")]

    def __str__(self):
        return f"{self.enrollment} · lesson {self.lesson_id}: {self.status}"

    @property
    def is_completed(self):
        return self.status == self.Status.COMPLETED


class BlockCompletion(models.Model):
    """A lesson activity (video, quiz, assignment, H5P, AI tool) the student has finished.

    Identity of an activity is (lesson page, block id); a lesson is complete when each
    of its activity blocks has a row here (or, with none, when the student marks it)."""

    enrollment = models.ForeignKey("learners.Enrollment", on_delete=models.CASCADE, related_name="block_completions")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    block_type = models.CharField(max_length=32)
    score_percent = models.FloatField(null=True, blank=True)
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson", "block_id"], name="unique_block_completion")
        ]

    def __str__(self):
        return f"{self.enrollment} · {self.block_type} {self.block_id}"
