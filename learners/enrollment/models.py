from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.moderation import ModeratedContent


class Enrollment(models.Model):
    """A student's place in a course, however it was granted."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        REVOKED = "revoked", "Revoked"

    class Source(models.TextChoices):
        FREE = "free", "Free enrollment"
        PAYMENT = "payment", "Purchase"
        SUBSCRIPTION = "subscription", "Subscription"
        STAFF = "staff", "Granted by staff"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey("coursepages.CoursePage", on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.FREE)
    enrolled_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Indexed: the analytics count the open day's completions from the records (live_days).
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_lesson = models.ForeignKey(
        "coursepages.LessonPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_accessed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When ENROLLMENT_CREATED_HOOKS (the enrollment notice) ran or were sent for; empty while a "
        "paid order's after-commit task has yet to run them (payments.commerce.settlement.order_settled).",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="unique_enrollment")]
        indexes = [models.Index(fields=["course", "status"])]

    def __str__(self):
        return f"{self.user} in {self.course_id}"

    @property
    def is_open(self):
        return self.status in (self.Status.ACTIVE, self.Status.COMPLETED)


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
    # Indexed: the analytics count the open day's active learners from it (live_days).
    last_accessed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When the lesson player's last heartbeat was counted (the time-on-task clock)."
    )
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


class Review(ModeratedContent):
    """A student's rating (1–5) and review of a course: one per student, editable; a moderator
    may hide or delete it (core.moderation), after which it no longer counts or shows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_reviews")
    course = models.ForeignKey("coursepages.CoursePage", on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    body = models.TextField(blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="unique_course_review"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.user} rates {self.course_id}: {self.rating}"


class LearningTimeDay(models.Model):
    """Seconds of time on task one subscription-opened enrollment counted on one day (the site's
    timezone). The lesson heartbeat adds to it; subscription revenue is split by it
    (README "Subscription revenue")."""

    enrollment = models.ForeignKey("learners.Enrollment", on_delete=models.CASCADE, related_name="learning_days")
    day = models.DateField()
    seconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "day"], name="unique_learning_time_day")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.enrollment} · {self.day}: {self.seconds}s"
