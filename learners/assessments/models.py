from django.conf import settings
from django.db import models
from django.utils import timezone

from core.storage import private_storage


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


class AssignmentSubmission(models.Model):
    """One submission of an assignment block (a resubmission is a new numbered row).
    `snapshot` keeps the title, rubric, max score and pass mark it was submitted against."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting grade"
        GRADED = "graded", "Graded"

    enrollment = models.ForeignKey("learners.Enrollment", on_delete=models.CASCADE, related_name="submissions")
    lesson = models.ForeignKey("coursepages.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    text = models.TextField(blank=True)
    snapshot = models.JSONField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(default=False)
    rubric_scores = models.JSONField(default=dict, blank=True, help_text="{criterion id: points}")
    score = models.PositiveIntegerField(null=True, blank=True)
    feedback = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    reopened = models.BooleanField(default=False, help_text="The instructor allowed a resubmission.")

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "block_id", "number"], name="unique_submission_number")
        ]
        indexes = [models.Index(fields=["enrollment", "block_id"]), models.Index(fields=["lesson", "status"])]

    def __str__(self):
        return f"{self.enrollment} · assignment {self.block_id} #{self.number}"

    @property
    def max_score(self) -> int:
        return self.snapshot.get("max_score", 0)

    @property
    def score_percent(self) -> float | None:
        if self.score is None or not self.max_score:
            return None
        return round(self.score * 100 / self.max_score, 1)

    @property
    def passed(self) -> bool:
        percent = self.score_percent
        return percent is not None and percent >= self.snapshot.get("pass_mark", 0)


def _submission_upload_to(instance, filename):
    return f"submissions/{instance.submission.enrollment_id}/{instance.submission.block_id}/{filename}"


class SubmissionFile(models.Model):
    """A file handed in with a submission, kept in private storage."""

    submission = models.ForeignKey(AssignmentSubmission, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(storage=private_storage, upload_to=_submission_upload_to, max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, help_text="The accepted file type it was checked as.")

    def __str__(self):
        return self.original_name
