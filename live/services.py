"""Every state change of live classes: availability, requests, decisions, joining, reminders."""

import hmac
import json
import logging
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError, UpstreamError
from core.notify import notify
from core.site_url import absolute_url

from . import meetings
from .availability import contains
from .ics import session_ics
from .models import AvailabilityException, LiveAttendance, LiveSession, WeeklyAvailability, ZoomWebhookEvent
from .permissions import (
    session_may_cancel,
    session_may_decide,
    session_may_open,
    user_may_cancel_after_cutoff,
    user_may_teach_live,
)
from .selectors import SLOT_MINUTES, busy_intervals, student_may_book, teacher_windows

logger = logging.getLogger(__name__)


class LiveError(DomainError):
    """A refused live-class action; `code` is the API's machine code."""


class MeetingUnavailable(LiveError, UpstreamError):
    """The meeting server refused or could not be reached; `code` is its reason
    (meetings.MeetingError's: "meeting_unavailable", or BigBlueButton's own key)."""

    default_code = "meeting_unavailable"


# --- availability ----------------------------------------------------------------------------


def availability_add(*, teacher, weekday: int, start_time: time, end_time: time) -> WeeklyAvailability:
    if not user_may_teach_live(teacher):
        raise LiveError("Only teachers publish availability.", "not_teacher")
    if end_time <= start_time:
        raise LiveError("The window must end after it starts.", "invalid_window")
    if weekday not in range(7):
        raise LiveError("Choose a day of the week.", "invalid_window")
    clash = WeeklyAvailability.objects.filter(
        teacher=teacher, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
    )
    if clash.exists():
        raise LiveError("That window overlaps one you already have on that day.", "overlapping_window")
    return WeeklyAvailability.objects.create(
        teacher=teacher, weekday=weekday, start_time=start_time, end_time=end_time, timezone=teacher.timezone
    )


def availability_remove(*, teacher, window_id: int) -> None:
    WeeklyAvailability.objects.filter(teacher=teacher, pk=window_id).delete()


def exception_add(*, teacher, first_day: date, last_day: date, reason: str = "") -> AvailabilityException:
    """Leave from the start of `first_day` to the end of `last_day`, in the teacher's timezone."""
    if not user_may_teach_live(teacher):
        raise LiveError("Only teachers publish availability.", "not_teacher")
    if last_day < first_day:
        raise LiveError("The last day must not be before the first day.", "invalid_window")
    tz = teacher.tzinfo
    starts_at = datetime.combine(first_day, time.min, tzinfo=tz)
    ends_at = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)
    return AvailabilityException.objects.create(
        teacher=teacher, starts_at=starts_at, ends_at=ends_at, reason=reason[:200]
    )


def exception_remove(*, teacher, exception_id: int) -> None:
    AvailabilityException.objects.filter(teacher=teacher, pk=exception_id).delete()


# --- booking ---------------------------------------------------------------------------------


def session_request(
    *, student, course, teacher, starts_at: datetime, minutes: int = 60, topic: str = ""
) -> LiveSession:
    """A student asks for a class in one of the teacher's free slots. The slot is held until
    the teacher decides. Overlaps are refused here and, on PostgreSQL, by exclusion
    constraints when two requests race."""
    if minutes not in SLOT_MINUTES:
        raise LiveError(f"A class lasts {', '.join(map(str, SLOT_MINUTES))} minutes.", "invalid_length")
    if timezone.is_naive(starts_at):
        raise LiveError("The start time needs a timezone.", "invalid_time")
    starts_at = starts_at.astimezone(UTC)
    ends_at = starts_at + timedelta(minutes=minutes)
    if student.pk == teacher.pk:
        raise LiveError("You cannot book a class with yourself.", "invalid_teacher")
    if not student_may_book(student=student, course=course, teacher=teacher):
        raise LiveError("Book a class with a teacher of a course you are enrolled in.", "not_enrolled")
    if starts_at < timezone.now() + timedelta(hours=settings.LIVE_BOOKING_NOTICE_HOURS):
        raise LiveError(f"Book at least {settings.LIVE_BOOKING_NOTICE_HOURS} hours ahead.", "too_soon")
    if not contains(teacher_windows(teacher=teacher, start=starts_at, end=ends_at), (starts_at, ends_at)):
        raise LiveError("The teacher is not available then.", "not_available")
    try:
        with transaction.atomic():
            # SQLite: the transaction takes the write lock at BEGIN (transaction_mode IMMEDIATE),
            # so this check and the insert run one request at a time. PostgreSQL: two racing
            # requests can both pass the check; the exclusion constraint refuses the second.
            if busy_intervals(users=[teacher, student], start=starts_at, end=ends_at):
                raise LiveError("That time has just been taken. Choose another slot.", "slot_taken")
            session = LiveSession.objects.create(
                course=course, teacher=teacher, student=student, starts_at=starts_at, ends_at=ends_at, topic=topic[:200]
            )
    except IntegrityError as exc:
        if "live_no_" in str(exc):
            raise LiveError("That time has just been taken. Choose another slot.", "slot_taken")
        raise
    _notify(
        session,
        teacher,
        kind="live_request",
        title=f"{student.display_name} asked for a live class",
        body=f"{course.title}, {_when(session, teacher)}.",
        email_template="live/requested",
    )
    return session


def _notify(session, person, *, kind, title, email_template, body=None, context=None, **options):
    """Tell `person` about `session`: linked to its page, the body by default when it is (in their
    time zone), the email rendered with the session's context plus `context`."""
    notify(
        user=person,
        kind=kind,
        title=title,
        body=_when(session, person) if body is None else body,
        url=session.get_absolute_url(),
        email_template=email_template,
        context={**_context(session, person), **(context or {})},
        **options,
    )


def _when(session, user) -> str:
    local = session.starts_at.astimezone(user.tzinfo)
    return f"{local:%a %d %b %Y, %H:%M} ({user.timezone}), {session.minutes} minutes"


def _context(session, user) -> dict:
    return {
        "course_title": session.course.title,
        "when": _when(session, user),
        "teacher_name": session.teacher.display_name,
        "student_name": session.student.display_name,
        "topic": session.topic,
        "reason": session.decision_note,
        "session_url": absolute_url(session.get_absolute_url()),
    }


def _locked(session: LiveSession) -> LiveSession:
    return LiveSession.objects.select_for_update().select_related("course", "teacher", "student").get(pk=session.pk)


def _locked_for_decision(session: LiveSession, *, user, verb: str) -> LiveSession:
    """The session, locked, once it is sure that `user` may `verb` it (its teacher) and that it
    still waits for that decision. Call inside a transaction."""
    session = _locked(session)
    if not session_may_decide(user=user, session=session):
        raise LiveError(f"Only the teacher of this class can {verb} it.", "not_teacher")
    if session.status != LiveSession.Status.REQUESTED:
        raise LiveError(f"This class is {session.get_status_display().lower()}.", "not_requested")
    return session


def session_approve(*, session: LiveSession, user) -> LiveSession:
    """The teacher approves: the meeting is created and both get an invitation (.ics). If the
    approval fails after Zoom made the meeting, the meeting is deleted again (best effort)."""
    created: dict = {}
    try:
        return _approve(session=session, user=user, created=created)
    except Exception:
        if created.get("zoom_meeting_id"):
            try:
                meetings.zoom_delete(meeting_id=created["zoom_meeting_id"], config=meetings.provider_config())
            except meetings.MeetingError:
                logger.warning("Zoom meeting %s of a failed approval could not be deleted.", created["zoom_meeting_id"])
        raise


def _approve(*, session: LiveSession, user, created: dict) -> LiveSession:
    with transaction.atomic():
        session = _locked_for_decision(session, user=user, verb="approve")
        if session.starts_at <= timezone.now():
            raise LiveError("This class was due to start already.", "in_the_past")
        try:
            fields = meetings.meeting_create(session=session)
        except meetings.MeetingError as exc:
            raise MeetingUnavailable(exc.message, exc.code) from exc
        created.update(fields)
        for key, value in fields.items():
            setattr(session, key, value)
        session.status = LiveSession.Status.APPROVED
        session.decided_at = timezone.now()
        if session.starts_at - session.decided_at <= timedelta(hours=24):
            session.reminder_24h_sent_at = session.decided_at  # the invitation is the day-before reminder
        session.save()
        invite = session_ics(session=session, method="REQUEST")
        for person in (session.student, session.teacher):
            _notify(
                session,
                person,
                kind="live_approved",
                title=f"Live class confirmed: {session.course.title}",
                email_template="live/approved",
                essential=True,
                attachments=[
                    {"filename": "live-class.ics", "content": invite, "mimetype": "text/calendar; method=REQUEST"}
                ],
            )
    return session


def session_reject(*, session: LiveSession, user, reason: str = "") -> LiveSession:
    with transaction.atomic():
        session = _locked_for_decision(session, user=user, verb="reject")
        session.status = LiveSession.Status.REJECTED
        session.decision_note = reason[:500]
        session.decided_at = timezone.now()
        session.save(update_fields=["status", "decision_note", "decided_at"])
        _notify(
            session,
            session.student,
            kind="live_rejected",
            title=f"Live class not possible: {session.course.title}",
            body=reason or "The teacher could not take this class.",
            email_template="live/rejected",
        )
    return session


def cancel_deadline(session: LiveSession) -> datetime:
    return session.starts_at - timedelta(hours=settings.LIVE_CANCEL_CUTOFF_HOURS)


def session_cancel(*, session: LiveSession, user, reason: str = "") -> LiveSession:
    """Either party cancels up to LIVE_CANCEL_CUTOFF_HOURS before the start (admins any time)."""
    with transaction.atomic():
        session = _locked(session)
        if not session_may_cancel(user=user, session=session):
            raise LiveError("Only the two people in this class can cancel it.", "not_party")
        if not session.is_active:
            raise LiveError(f"This class is {session.get_status_display().lower()}.", "not_active")
        if timezone.now() > cancel_deadline(session) and not user_may_cancel_after_cutoff(user):
            raise LiveError(
                f"Classes can be cancelled up to {settings.LIVE_CANCEL_CUTOFF_HOURS} hours before they start.",
                "past_cutoff",
            )
        was_approved = session.status == LiveSession.Status.APPROVED
        if was_approved and session.zoom_meeting_id:
            # The Zoom meeting is deleted once the cancellation is committed (a task,
            # retried with backoff: Zoom may be briefly unreachable).
            transaction.on_commit(lambda pk=session.pk: _delete_meeting_later(pk))
        session.status = LiveSession.Status.CANCELLED
        session.cancelled_by = user
        session.decision_note = reason[:500]
        session.decided_at = timezone.now()
        session.save(update_fields=["status", "cancelled_by", "decision_note", "decided_at"])
        attachments = None
        if was_approved:
            attachments = [
                {
                    "filename": "live-class.ics",
                    "content": session_ics(session=session, method="CANCEL"),
                    "mimetype": "text/calendar; method=CANCEL",
                }
            ]
        for person in (session.student, session.teacher):
            if person.pk == user.pk:
                continue
            _notify(
                session,
                person,
                kind="live_cancelled",
                title=f"Live class cancelled: {session.course.title}",
                body=f"{_when(session, person)}. {reason}".strip(),
                email_template="live/cancelled",
                essential=True,
                attachments=attachments,
            )
    return session


def session_join(*, session: LiveSession, user) -> str:
    """Record that `user` joined and give them the meeting URL. Only the two parties and
    platform admins get in, from LIVE_JOIN_EARLY_MINUTES before the start to the end."""
    if not session_may_open(user=user, session=session):
        raise LiveError("This class is not yours.", "not_party")
    if session.status != LiveSession.Status.APPROVED:
        raise LiveError("This class has not been confirmed.", "not_approved")
    now = timezone.now()
    if now < session.starts_at - timedelta(minutes=settings.LIVE_JOIN_EARLY_MINUTES):
        raise LiveError(f"The room opens {settings.LIVE_JOIN_EARLY_MINUTES} minutes before the class.", "too_early")
    if now > session.ends_at:
        raise LiveError("This class has ended.", "ended")
    with transaction.atomic():
        attendance, created = LiveAttendance.objects.select_for_update().get_or_create(session=session, user=user)
        if not created:
            attendance.join_count += 1
            attendance.save(update_fields=["join_count", "last_joined_at"])
    try:
        return meetings.meeting_join_url(session=session, user=user)
    except meetings.MeetingError as exc:
        raise MeetingUnavailable(exc.message, exc.code) from exc


def _delete_meeting_later(session_id: int) -> None:
    """Send the deletion task through the outbox (kept if the broker is down)."""
    from outbox.services import task_send

    from .tasks import delete_cancelled_meeting

    try:
        task_send(task=delete_cancelled_meeting, kwargs={"session_id": session_id})
    except Exception:  # eager mode: the task's failure must not fail a committed cancellation
        logger.warning("Deleting the provider's meeting of live class %s failed; it will be retried.", session_id)


def session_meeting_delete(*, session_id: int, now: datetime | None = None) -> bool:
    """Delete the provider's meeting of a cancelled class, once (idempotent: a deleted or
    already-gone meeting is marked and left alone). Raises MeetingError to be retried."""
    session = (
        LiveSession.objects.filter(pk=session_id, status=LiveSession.Status.CANCELLED, zoom_deleted_at__isnull=True)
        .exclude(zoom_meeting_id="")
        .first()
    )
    if session is None:
        return False
    meetings.meeting_delete(session=session)
    LiveSession.objects.filter(pk=session.pk, zoom_deleted_at__isnull=True).update(
        zoom_deleted_at=now or timezone.now()
    )
    return True


# --- Zoom webhooks ---------------------------------------------------------------------------

ZOOM_MEETING_EVENTS = {"meeting.started": "meeting_started_at", "meeting.ended": "meeting_ended_at"}


def zoom_webhook_receive(*, body: bytes, timestamp: str, signature: str, now: datetime | None = None) -> dict | None:
    """A Zoom webhook: the x-zm-signature over "v0:{timestamp}:{raw body}" with the Secret
    Token is checked first (every request, the URL-validation challenge included: answering an
    unsigned challenge would sign any text an attacker sends), the timestamp must be recent,
    then: endpoint.url_validation → the challenge's answer; meeting.started / meeting.ended →
    the class's times, once per delivery (stored by event, event_ts and meeting id)."""
    now = now or timezone.now()
    secret = meetings.provider_config().zoom_webhook_secret_token
    if not secret:
        raise LiveError("Zoom webhooks are not configured here.", "not_found")
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > settings.ZOOM_WEBHOOK_MAX_AGE_SECONDS:
        raise LiveError("The request timestamp is missing or too old.", "invalid_signature")
    expected = meetings.zoom_signature(secret=secret, timestamp=timestamp, body=body)
    if not hmac.compare_digest(expected, signature or ""):
        raise LiveError("The x-zm-signature does not match.", "invalid_signature")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise LiveError("The body must be JSON.", "invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("payload"), dict):
        raise LiveError("A Zoom event has an event name and a payload.", "invalid")
    event, payload = str(data.get("event") or ""), data["payload"]
    if event == "endpoint.url_validation":
        plain = payload.get("plainToken")
        if not isinstance(plain, str) or not plain or len(plain) > 256:
            raise LiveError("plainToken is missing.", "invalid")
        return meetings.zoom_url_validation(secret=secret, plain_token=plain)
    meeting = payload.get("object") if isinstance(payload.get("object"), dict) else {}
    meeting_id = str(meeting.get("id") or "")[:32]
    try:
        event_ts = int(data.get("event_ts") or 0)
    except (TypeError, ValueError) as exc:
        raise LiveError("event_ts must be a number.", "invalid") from exc
    with transaction.atomic():
        _, created = ZoomWebhookEvent.objects.get_or_create(
            event=event[:100], event_ts=event_ts, meeting_id=meeting_id, defaults={"payload": data}
        )
        if created and event in ZOOM_MEETING_EVENTS and meeting_id:
            at = datetime.fromtimestamp(event_ts / 1000, tz=UTC) if event_ts else now
            field = ZOOM_MEETING_EVENTS[event]
            LiveSession.objects.filter(zoom_meeting_id=meeting_id, **{f"{field}__isnull": True}).update(**{field: at})
    return None


# --- reminders -------------------------------------------------------------------------------

REMINDERS = (
    ("reminder_24h_sent_at", timedelta(hours=24), "tomorrow"),
    ("reminder_15m_sent_at", timedelta(minutes=15), "in 15 minutes"),
)


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Send the 24-hour and 15-minute reminders that are due. Each reminder is claimed with a
    conditional UPDATE before it is sent, so two runs (or two beat workers) send it once."""
    now = now or timezone.now()
    sent = 0
    for field, ahead, phrase in REMINDERS:
        due = LiveSession.objects.filter(
            status=LiveSession.Status.APPROVED,
            starts_at__gt=now,
            starts_at__lte=now + ahead,
            **{f"{field}__isnull": True},
        )
        for session in due.select_related("course", "teacher", "student"):
            with transaction.atomic():
                claimed = LiveSession.objects.filter(pk=session.pk, **{f"{field}__isnull": True}).update(**{field: now})
                if not claimed:
                    continue
                for person in (session.student, session.teacher):
                    _notify(
                        session,
                        person,
                        kind="live_reminder",
                        title=f"Live class {phrase}: {session.course.title}",
                        email_template="live/reminder",
                        context={"phrase": phrase},
                    )
                sent += 1
    return sent
