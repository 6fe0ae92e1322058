"""Reads for live classes: free slots, who teaches what, dashboards, problems for admins."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from coursepages.models import CourseInstructor
from learners.models import Enrollment

from .availability import Interval, Slot, slots_in, subtract, weekly_windows
from .models import AvailabilityException, LiveAttendance, LiveSession, WeeklyAvailability
from .permissions import user_sees_all_sessions

SLOT_MINUTES = (30, 45, 60, 90)


def teacher_windows(*, teacher, start: datetime, end: datetime) -> list[Interval]:
    """The teacher's available time in [start, end) (UTC intervals), exceptions removed."""
    rules = list(WeeklyAvailability.objects.filter(teacher=teacher))
    away = [
        (x.starts_at, x.ends_at)
        for x in AvailabilityException.objects.filter(teacher=teacher, ends_at__gt=start, starts_at__lt=end)
    ]
    return subtract(weekly_windows(rules=rules, start=start, end=end), away)


def busy_intervals(*, users, start: datetime, end: datetime, exclude_pk=None) -> list[Interval]:
    """Time already held (requested or approved) by any of `users`, as teacher or student."""
    ids = [u.pk for u in users if u is not None]
    qs = LiveSession.objects.filter(
        Q(teacher_id__in=ids) | Q(student_id__in=ids),
        status__in=LiveSession.ACTIVE_STATUSES,
        ends_at__gt=start,
        starts_at__lt=end,
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.values_list("starts_at", "ends_at"))


def free_slots_for(
    *, teacher, student=None, minutes: int = 60, days: int | None = None, now: datetime | None = None
) -> list[Slot]:
    """Slots the teacher can give (and `student`, if given, is free for), from the booking
    notice up to the horizon. Times are UTC; show them with `slot.local(user.tzinfo)`."""
    now = (now or timezone.now()).astimezone(UTC)
    days = min(days or settings.LIVE_BOOKING_HORIZON_DAYS, settings.LIVE_BOOKING_HORIZON_DAYS)
    start, end = now, now + timedelta(days=days)
    windows = teacher_windows(teacher=teacher, start=start, end=end)
    busy = busy_intervals(users=[teacher, student], start=start, end=end)
    return slots_in(
        windows, minutes=minutes, busy=busy, not_before=now + timedelta(hours=settings.LIVE_BOOKING_NOTICE_HOURS)
    )


def slots_by_local_day(slots: list[Slot], tz) -> list[tuple]:
    """[(local date, [(slot, local start, local end)])] for showing slots in the viewer's zone."""
    days: dict = {}
    for slot in slots:
        local_start, local_end = slot.local(tz)
        days.setdefault(local_start.date(), []).append((slot, local_start, local_end))
    return sorted(days.items())


def student_may_book(*, student, course, teacher) -> bool:
    return (
        Enrollment.objects.filter(
            user=student, course=course, status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED]
        ).exists()
        and CourseInstructor.objects.filter(page=course, user=teacher).exists()
    )


def _with_parties(qs):
    return qs.select_related("course", "teacher", "student")


def sessions_for(*, user):
    """Sessions the user takes part in (all sessions for platform admins)."""
    qs = LiveSession.objects.all()
    if not user_sees_all_sessions(user):
        qs = qs.filter(Q(teacher=user) | Q(student=user))
    return _with_parties(qs)


def upcoming_for(*, user, limit: int | None = None):
    """Requested and approved classes of the user (as student or teacher) that have not ended."""
    qs = _with_parties(
        LiveSession.objects.filter(
            Q(teacher=user) | Q(student=user), status__in=LiveSession.ACTIVE_STATUSES, ends_at__gt=timezone.now()
        ).order_by("starts_at")
    )
    return list(qs[:limit] if limit else qs)


def dashboard_panel(*, user) -> dict:
    """The student dashboard's next live classes (learners.dashboard.panels; LiveConfig.ready)."""
    return {"live_upcoming": upcoming_for(user=user, limit=5)}


def past_for(*, user, limit: int = 50):
    qs = _with_parties(
        LiveSession.objects.filter(Q(teacher=user) | Q(student=user))
        .filter(
            Q(ends_at__lte=timezone.now()) | Q(status__in=[LiveSession.Status.REJECTED, LiveSession.Status.CANCELLED])
        )
        .order_by("-starts_at")
    )
    return list(qs[:limit])


def no_show_sessions(qs=None):
    """Approved sessions that have ended with the student or the teacher never joining."""
    qs = LiveSession.objects.all() if qs is None else qs
    teacher_joined = LiveAttendance.objects.filter(session=OuterRef("pk"), user=OuterRef("teacher"))
    student_joined = LiveAttendance.objects.filter(session=OuterRef("pk"), user=OuterRef("student"))
    return qs.filter(status=LiveSession.Status.APPROVED, ends_at__lte=timezone.now()).filter(
        ~Exists(teacher_joined) | ~Exists(student_joined)
    )


def conflicting_sessions(qs=None):
    """Active sessions that clash with the teacher's leave, or with another active session of
    the same teacher or student (possible only for data written around the services)."""
    qs = LiveSession.objects.all() if qs is None else qs
    active = LiveSession.ACTIVE_STATUSES
    away = AvailabilityException.objects.filter(
        teacher=OuterRef("teacher"), starts_at__lt=OuterRef("ends_at"), ends_at__gt=OuterRef("starts_at")
    )
    double = LiveSession.objects.filter(
        Q(teacher=OuterRef("teacher")) | Q(student=OuterRef("student")),
        status__in=active,
        starts_at__lt=OuterRef("ends_at"),
        ends_at__gt=OuterRef("starts_at"),
    ).exclude(pk=OuterRef("pk"))
    return qs.filter(status__in=active).filter(Exists(away) | Exists(double))
