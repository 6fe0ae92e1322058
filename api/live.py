"""Live classes API (mounted at /api/v1/live/): sessions, decisions, free slots."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from api.auth import user_auth
from api.errors import ErrorOut
from api.pagination import PageNumber, PageSize, page_of
from api.schemas import PageId, PersonOut, RowId
from coursepages.models import CoursePage
from live import selectors, services
from live.models import LiveSession

router = Router(tags=["live"], auth=user_auth)


Error = ErrorOut


Person = PersonOut


class SessionOut(Schema):
    id: int
    course_id: int
    course_title: str
    teacher: Person
    student: Person
    starts_at: datetime
    ends_at: datetime
    minutes: int
    status: str
    topic: str
    note: str
    join_url: str | None


class SessionPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[SessionOut]


class SessionIn(Schema):
    course_id: PageId
    teacher_id: RowId
    starts_at: datetime
    minutes: int = 60
    topic: str = ""


class ReasonIn(Schema):
    reason: str = ""


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime


class Availability(Schema):
    teacher_id: int
    timezone: str
    minutes: int
    slots: list[SlotOut]


def _session_out(session: LiveSession) -> dict:
    join = None
    if session.status == LiveSession.Status.APPROVED and not session.is_past:
        join = f"/live/{session.pk}/join/"
    return {
        "id": session.pk,
        "course_id": session.course_id,
        "course_title": session.course.title,
        "teacher": {"id": session.teacher_id, "name": session.teacher.display_name},
        "student": {"id": session.student_id, "name": session.student.display_name},
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "minutes": session.minutes,
        "status": session.status,
        "topic": session.topic,
        "note": session.decision_note,
        "join_url": join,
    }


def _own_session(request, session_id: int) -> LiveSession:
    return get_object_or_404(selectors.sessions_for(user=request.user), pk=session_id)


@router.get("/sessions/", response=SessionPage)
def list_sessions(
    request, status: str | None = None, upcoming: bool | None = None, page: PageNumber = 1, page_size: PageSize = 20
):
    """The signed-in user's live classes (as student or teacher), soonest first."""
    from django.db.models import Q
    from django.utils import timezone

    qs = selectors.sessions_for(user=request.user).filter(Q(teacher=request.user) | Q(student=request.user))
    if status:
        qs = qs.filter(status=status)
    if upcoming is not None:
        qs = qs.filter(ends_at__gt=timezone.now()) if upcoming else qs.filter(ends_at__lte=timezone.now())
    return page_of(request, qs.order_by("starts_at", "pk"), page=page, page_size=page_size, serialize=_session_out)


@router.post("/sessions/", response={201: SessionOut, 400: Error, 403: Error, 404: Error, 409: Error})
def request_session(request, payload: SessionIn):
    """A student requests a class in one of the teacher's free slots."""
    course = CoursePage.objects.filter(pk=payload.course_id).first()
    teacher = get_user_model().objects.filter(pk=payload.teacher_id).first()
    if not course or not teacher:
        return 404, {"detail": "No such course or teacher.", "code": "not_found"}
    session = services.session_request(
        student=request.user,
        course=course,
        teacher=teacher,
        starts_at=payload.starts_at,
        minutes=payload.minutes,
        topic=payload.topic,
    )
    return 201, _session_out(session)


@router.put("/sessions/{session_id}/approve/", response={200: SessionOut, 403: Error, 409: Error, 502: Error})
def approve_session(request, session_id: RowId):
    """The teacher approves; the meeting is created and both parties are invited."""
    session = services.session_approve(session=_own_session(request, session_id), user=request.user)
    return 200, _session_out(session)


@router.put("/sessions/{session_id}/reject/", response={200: SessionOut, 403: Error, 409: Error})
def reject_session(request, session_id: RowId, payload: ReasonIn | None = None):
    session = services.session_reject(
        session=_own_session(request, session_id), user=request.user, reason=payload.reason if payload else ""
    )
    return 200, _session_out(session)


@router.put("/sessions/{session_id}/cancel/", response={200: SessionOut, 403: Error, 409: Error})
def cancel_session(request, session_id: RowId, payload: ReasonIn | None = None):
    """Either party cancels, up to LIVE_CANCEL_CUTOFF_HOURS before the start."""
    session = services.session_cancel(
        session=_own_session(request, session_id), user=request.user, reason=payload.reason if payload else ""
    )
    return 200, _session_out(session)


@router.get("/availability/{teacher_id}/", response={200: Availability, 400: Error, 404: Error})
def availability(request, teacher_id: RowId, minutes: int = 60, days: int | None = None):
    """Free slots of a teacher; `timezone` is the asking user's, and each slot carries its
    offset in it (ISO 8601)."""
    teacher = get_user_model().objects.filter(pk=teacher_id, is_active=True).first()
    if not teacher or not teacher.live_availability.exists():
        return 404, {"detail": "This person does not take live classes.", "code": "not_found"}
    if minutes not in selectors.SLOT_MINUTES:
        return 400, {"detail": f"minutes must be one of {list(selectors.SLOT_MINUTES)}.", "code": "invalid_length"}
    tz = request.user.tzinfo
    slots = selectors.free_slots_for(teacher=teacher, student=request.user, minutes=minutes, days=days)
    return 200, {
        "teacher_id": teacher.pk,
        "timezone": request.user.timezone,
        "minutes": minutes,
        "slots": [{"starts_at": s.starts_at.astimezone(tz), "ends_at": s.ends_at.astimezone(tz)} for s in slots],
    }
