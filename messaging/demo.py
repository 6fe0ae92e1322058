"""Demo data for messaging: a conversation between the demo student and a teacher (idempotent)."""

from accounts.models import User
from coursepages.models import CourseInstructor
from learners.enrollment.services import enrollment_create

from .models import Conversation
from .services import conversation_start, message_send


def seed(*, stdout):
    student = User.objects.filter(email="sipho@lectern.local").first()
    link = (
        CourseInstructor.objects.filter(user__email__endswith="@lectern.local")
        .select_related("page", "user")
        .order_by("page_id")
        .first()
    )
    if not student or not link or Conversation.objects.filter(student=student).exists():
        return
    enrollment_create(user=student, course=link.page)
    conversation, _ = conversation_start(
        student=student, teacher=link.user, course=link.page, body="Hello! Could you explain the second exercise again?"
    )
    message_send(
        conversation=conversation,
        sender=link.user,
        body="Of course. Let's go through it in a live class, or reply here with where you got stuck.",
    )
    stdout.write(f"messaging: conversation between {student.email} and {link.user.email}")
