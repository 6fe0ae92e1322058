from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone


class LiveSession(models.Model):
    """One live class between a student and a teacher of a course they are enrolled in.

    A requested or approved session holds its time: PostgreSQL refuses an overlapping one for
    the same teacher or the same student (exclusion constraints added in migration 0002)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    class Provider(models.TextChoices):
        JITSI = "jitsi", "Jitsi Meet"
        BBB = "bbb", "BigBlueButton"
        ZOOM = "zoom", "Zoom"

    ACTIVE_STATUSES = (Status.REQUESTED, Status.APPROVED)

    course = models.ForeignKey("coursepages.CoursePage", on_delete=models.CASCADE, related_name="live_sessions")
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_sessions_taught")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_sessions")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    topic = models.CharField(max_length=200, blank=True, help_text="What the student would like to cover.")
    provider = models.CharField(max_length=10, choices=Provider.choices, blank=True)
    room_name = models.CharField(max_length=100, blank=True, help_text="Jitsi room or BigBlueButton meetingID.")
    bbb_create_time = models.CharField(max_length=30, blank=True)
    zoom_meeting_id = models.CharField(max_length=32, blank=True, db_index=True)
    zoom_join_url = models.URLField(max_length=1000, blank=True, help_text="Zoom's join_url (for the student).")
    zoom_deleted_at = models.DateTimeField(null=True, blank=True, help_text="When the Zoom meeting was deleted.")
    meeting_started_at = models.DateTimeField(null=True, blank=True, help_text="From the provider's webhook.")
    meeting_ended_at = models.DateTimeField(null=True, blank=True, help_text="From the provider's webhook.")
    decision_note = models.CharField(max_length=500, blank=True, help_text="Why it was rejected or cancelled.")
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_15m_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="live_session_ends_after_start")
        ]
        indexes = [models.Index(fields=["teacher", "starts_at"]), models.Index(fields=["student", "starts_at"])]

    def __str__(self):
        # In the active time zone (the viewer's, in the admin), like every other time on screen.
        starts = timezone.localtime(self.starts_at)
        return f"{self.course} · {self.student} with {self.teacher} at {starts:%Y-%m-%d %H:%M} {starts.tzname()}"

    def get_absolute_url(self):
        return reverse("live:detail", args=[self.pk])

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    def is_party(self, user) -> bool:
        return user.is_authenticated and user.pk in (self.teacher_id, self.student_id)


class LiveAttendance(models.Model):
    """Who went through /live/<id>/join/ and when (first and latest time)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_joined_at = models.DateTimeField(auto_now_add=True)
    last_joined_at = models.DateTimeField(auto_now=True)
    join_count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="unique_live_attendance")]

    def __str__(self):
        return f"{self.user} joined {self.session_id}"
