from django.conf import settings
from django.db import models
from django.urls import reverse

from core.moderation import ModeratedContent
from core.storage import private_storage


class Conversation(models.Model):
    """A private thread between a student and a teacher of a course the student is enrolled in."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teacher_conversations"
    )
    course = models.ForeignKey("coursepages.CoursePage", on_delete=models.CASCADE, related_name="conversations")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["student", "teacher", "course"], name="unique_conversation")]

    def __str__(self):
        return f"{self.student} ↔ {self.teacher} ({self.course})"

    def get_absolute_url(self):
        return reverse("messaging:conversation", args=[self.pk])

    def has_participant(self, user) -> bool:
        return user.is_authenticated and user.pk in (self.student_id, self.teacher_id)

    def other_party(self, user):
        return self.teacher if user.pk == self.student_id else self.student


class Message(ModeratedContent):
    """One message; `read_at` is the read receipt (set when the other participant reads it). A
    moderator may hide it from the other participant or delete it (core.moderation)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True, help_text="When an unread digest mentioned it.")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "read_at"])]

    def __str__(self):
        return f"{self.sender}: {self.body[:40]}"


class MessageAttachment(models.Model):
    """A file sent with a message: private storage, served only to the two participants."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to="messages/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("messaging:attachment", args=[self.pk])


class MessageReport(models.Model):
    """A participant flags a message for the moderators."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    moderator_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "reporter"], name="unique_message_report")]

    def __str__(self):
        return f"Report on message {self.message_id} by {self.reporter}"
