"""Every state change of messaging: start a conversation, send, read, report, moderate, digest."""

from pathlib import PurePosixPath

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log

from core.errors import DomainError
from core.moderation import Moderation, content_moderate
from coursepages.models import CourseInstructor
from learners.models import Enrollment

from . import realtime
from .models import Conversation, Message, MessageAttachment, MessageReport, Notification
from .notify import notify
from .permissions import user_may_moderate_conversations, user_may_moderate_messages
from .selectors import unread_counts_changed

MAX_BODY = 10_000
MAX_FILES = 5


class MessagingError(DomainError):
    """A refused messaging action; `code` is the API's machine code."""


def may_start(*, student, teacher, course) -> bool:
    return (
        Enrollment.objects.filter(
            user=student, course=course, status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED]
        ).exists()
        and CourseInstructor.objects.filter(page=course, user=teacher).exists()
    )


def conversation_start(*, student, teacher, course, body: str = "", files=()) -> tuple[Conversation, Message | None]:
    """A student opens (or reopens: one per student, teacher and course) a conversation with a
    teacher of a course they are enrolled in, optionally with a first message."""
    if student.pk == teacher.pk:
        raise MessagingError("You cannot message yourself.", "invalid_teacher")
    if not may_start(student=student, teacher=teacher, course=course):
        raise MessagingError("You can message the teachers of courses you are enrolled in.", "not_enrolled")
    with transaction.atomic():
        conversation, _ = Conversation.objects.get_or_create(student=student, teacher=teacher, course=course)
        message = None
        if body.strip() or files:
            message = message_send(conversation=conversation, sender=student, body=body, files=files)
    return conversation, message


def _check_files(files) -> None:
    if len(files) > MAX_FILES:
        raise MessagingError(f"Attach at most {MAX_FILES} files to a message.", "too_many_files")
    limit = settings.MESSAGING_ATTACHMENT_MAX_BYTES
    for f in files:
        if f.size > limit:
            raise MessagingError(f"“{f.name}” is larger than {limit // (1024 * 1024)} MB.", "file_too_large")
        if not f.size:
            raise MessagingError(f"“{f.name}” is empty.", "empty_file")


def message_send(*, conversation: Conversation, sender, body: str = "", files=()) -> Message:
    """Save a message (and its files), mark what the sender had received as read, and after
    commit deliver it live and notify the other participant."""
    if not conversation.has_participant(sender):
        raise MessagingError("You are not part of this conversation.", "not_participant")
    body = (body or "").strip()
    files = list(files or ())
    if not body and not files:
        raise MessagingError("Write a message or attach a file.", "empty_message")
    if len(body) > MAX_BODY:
        raise MessagingError(f"A message can be at most {MAX_BODY} characters.", "too_long")
    _check_files(files)
    with transaction.atomic():
        message = Message.objects.create(conversation=conversation, sender=sender, body=body)
        for f in files:
            name = PurePosixPath(f.name).name[:200] or "file"
            MessageAttachment.objects.create(message=message, file=f, original_name=name, size=f.size)
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
        conversation_mark_read(conversation=conversation, user=sender, before_id=message.pk)
        recipient = conversation.other_party(sender)
        # One in-app notification per conversation while it is unread, not one per message.
        if not Notification.objects.filter(
            user=recipient, kind="message", url=conversation.get_absolute_url(), read_at__isnull=True
        ).exists():
            notify(
                user=recipient,
                kind="message",
                title=f"New message from {sender.display_name}",
                body=body[:200],
                url=conversation.get_absolute_url(),
            )
        payload_id = message.pk
        unread_counts_changed(recipient.pk)
        transaction.on_commit(lambda: _publish_message(payload_id))
    return message


def _publish_message(message_id: int) -> None:
    message = Message.objects.select_related("sender").prefetch_related("attachments").get(pk=message_id)
    realtime.publish(message.conversation_id, {"type": "message", "message": realtime.message_payload(message)})


def conversation_mark_read(*, conversation: Conversation, user, before_id: int | None = None) -> int:
    """Read receipts: mark the other participant's messages read (up to `before_id`)."""
    if not conversation.has_participant(user):
        return 0
    qs = conversation.messages.filter(read_at__isnull=True).exclude(sender=user)
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    last = qs.order_by("-id").values_list("id", flat=True).first()
    if last is None:
        return 0
    now = timezone.now()
    count = qs.update(read_at=now)
    Notification.objects.filter(
        user=user, kind="message", url=conversation.get_absolute_url(), read_at__isnull=True
    ).update(read_at=now)
    unread_counts_changed(user.pk)
    event = {"type": "read", "reader_id": user.pk, "up_to": last, "read_at": now.isoformat()}
    transaction.on_commit(lambda: realtime.publish(conversation.pk, event))
    return count


def message_report(*, message: Message, reporter, reason: str) -> MessageReport:
    if not message.conversation.has_participant(reporter):
        raise MessagingError("You can report messages in your own conversations.", "not_participant")
    if message.sender_id == reporter.pk:
        raise MessagingError("You cannot report your own message.", "own_message")
    reason = (reason or "").strip()
    if not reason:
        raise MessagingError("Say what is wrong with this message.", "reason_required")
    with transaction.atomic():
        report, created = MessageReport.objects.get_or_create(
            message=message, reporter=reporter, defaults={"reason": reason[:2000]}
        )
        if not created:
            raise MessagingError("You have already reported this message.", "already_reported")
    return report


def conversation_moderate_open(*, conversation: Conversation, moderator) -> None:
    """An admin opens someone else's conversation: allowed, and always logged."""
    if not user_may_moderate_conversations(moderator):
        raise MessagingError("You are not part of this conversation.", "not_participant")
    log(
        instance=conversation,
        action="messaging.conversation_opened",
        user=moderator,
        data={"student_id": conversation.student_id, "teacher_id": conversation.teacher_id},
    )


def report_resolve(*, report: MessageReport, moderator, status: str, note: str = "") -> MessageReport:
    with transaction.atomic():
        report.status = status
        report.moderator_note = note
        report.resolved_at = timezone.now() if status != MessageReport.Status.OPEN else None
        report.save(update_fields=["status", "moderator_note", "resolved_at"])
        log(instance=report, action="messaging.report_resolved", user=moderator, data={"status": status})
    return report


def message_moderate(*, message: Message, moderator, state: str, note: str = "") -> Message:
    """A moderator hides a message from the other participant (its sender still sees it,
    marked), deletes it (neither participant sees it or its files) or restores it. Logged in
    Wagtail's audit log; open browsers drop it at once."""
    if not user_may_moderate_messages(moderator):
        raise MessagingError("Only moderators may hide or delete messages.", "forbidden")
    if state not in Moderation.values:
        raise MessagingError("Choose visible, hidden or deleted.", "invalid")
    with transaction.atomic():
        changed = content_moderate(item=message, moderator=moderator, state=state, note=note)
        if changed:
            conversation = message.conversation
            unread_counts_changed(conversation.student_id, conversation.teacher_id)
            event = {"type": "moderated", "id": message.pk, "sender_id": message.sender_id, "moderation": state}
            transaction.on_commit(lambda: realtime.publish(conversation.pk, event))
    return message


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one notification (or, with no id, all of them) read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    count = qs.update(read_at=timezone.now())
    if count:
        unread_counts_changed(user.pk)
    return count


def digests_send(*, now=None) -> int:
    """Email each user who has unread messages older than MESSAGING_DIGEST_DELAY_MINUTES one
    digest of them, unless they opted out. Messages are claimed (digested_at) before the mail
    goes, so a second run sends nothing twice."""
    from datetime import timedelta

    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.MESSAGING_DIGEST_DELAY_MINUTES)
    pending = Message.objects.filter(
        read_at__isnull=True, digested_at__isnull=True, created_at__lte=cutoff, moderation=Moderation.VISIBLE
    )
    recipients = set()
    for student_id, teacher_id, sender_id in pending.values_list(
        "conversation__student_id", "conversation__teacher_id", "sender_id"
    ):
        recipients.add(teacher_id if sender_id == student_id else student_id)
    from accounts.models import User

    sent = 0
    for user in User.objects.filter(pk__in=recipients, is_active=True, email_opt_out=False):
        with transaction.atomic():
            mine = list(
                pending.filter(Q(conversation__student=user) | Q(conversation__teacher=user))
                .exclude(sender=user)
                .select_for_update(of=("self",))
                .select_related("conversation__course", "sender")
                .order_by("conversation_id", "id")
            )
            if not mine:
                continue
            Message.objects.filter(pk__in=[m.pk for m in mine], digested_at__isnull=True).update(digested_at=now)
            conversations: dict = {}
            for m in mine:
                entry = conversations.setdefault(
                    m.conversation_id,
                    {
                        "other": m.sender.display_name,
                        "course": m.conversation.course.title,
                        "count": 0,
                        "latest": "",
                        "url": m.conversation.get_absolute_url(),
                    },
                )
                entry["count"] += 1
                entry["latest"] = (m.body or "(attachment)")[:120]
            notify(
                user=user,
                kind="message_digest",
                title="Unread messages",
                in_app=False,
                email_template="messaging/digest",
                context={"count": len(mine), "conversations": list(conversations.values())},
            )
            sent += 1
    return sent
