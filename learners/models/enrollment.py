from django.conf import settings
from django.db import models


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
    completed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_lesson = models.ForeignKey(
        "coursepages.LessonPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_accessed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="unique_enrollment")]
        indexes = [models.Index(fields=["course", "status"])]

    def __str__(self):
        return f"{self.user} in {self.course_id}"

    @property
    def is_open(self):
        return self.status in (self.Status.ACTIVE, self.Status.COMPLETED)
