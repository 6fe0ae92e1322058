from django.db import models
from django.utils import timezone


class QuizAttempt(models.Model):
    """One attempt at a quiz block. `snapshot` holds the questions as they were when the
    attempt started, in the order this attempt shows them (shuffled once, then fixed),
    with the correct answers; it is what the attempt is graded against."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    enrollment = models.ForeignKey("learners.Enrollment", on_delete=models.CASCADE, related_name="quiz_attempts")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    auto_submitted = models.BooleanField(default=False, help_text="Submitted by the server when time ran out.")
    snapshot = models.JSONField()
    answers = models.JSONField(default=dict, blank=True, help_text="{question id: [option id, ...]}")
    score_points = models.PositiveIntegerField(null=True, blank=True)
    max_points = models.PositiveIntegerField(default=0)
    score_percent = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "block_id", "number"], name="unique_quiz_attempt_number")
        ]
        indexes = [models.Index(fields=["enrollment", "block_id", "status"])]

    def __str__(self):
        return f"{self.enrollment} · quiz {self.block_id} #{self.number}"

    @property
    def is_open(self):
        return self.status == self.Status.IN_PROGRESS
