from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import status_for
from coursepages.models import CoursePage
from learners.enrollment.selectors import teachers_for_student

from . import selectors, services
from .forms import BookForm, ExceptionForm, ReasonForm, WindowForm
from .ics import session_ics
from .models import AvailabilityException, LiveSession, WeeklyAvailability
from .permissions import session_may_decide, session_may_open, user_may_cancel_after_cutoff, user_may_teach_live


def _session_for(request, pk) -> LiveSession:
    session = get_object_or_404(LiveSession.objects.select_related("course", "teacher", "student"), pk=pk)
    if not session_may_open(user=request.user, session=session):
        raise Http404
    return session


@login_required
def dashboard(request):
    user = request.user
    upcoming = selectors.upcoming_for(user=user)
    return render(
        request,
        "live/dashboard.html",
        {
            "to_decide": [s for s in upcoming if s.teacher_id == user.pk and s.status == LiveSession.Status.REQUESTED],
            "upcoming": upcoming,
            "past": selectors.past_for(user=user),
            "is_teacher": user_may_teach_live(user),
            "can_book": bool(teachers_for_student(student=user)),
            "tz": user.tzinfo,
        },
    )


@login_required
def book_choose(request):
    pairs = teachers_for_student(student=request.user)
    return render(request, "live/book_choose.html", {"pairs": pairs})


@login_required
def book_slots(request, course_id: int, teacher_id: int):
    course = get_object_or_404(CoursePage, pk=course_id)
    teacher = get_object_or_404(get_user_model(), pk=teacher_id)
    if not selectors.student_may_book(student=request.user, course=course, teacher=teacher):
        raise PermissionDenied("Book a class with a teacher of a course you are enrolled in.")
    form = BookForm(request.POST or None, initial={"minutes": request.GET.get("minutes", 60)})
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_request(
                student=request.user,
                course=course,
                teacher=teacher,
                starts_at=form.cleaned_data["starts_at"],
                minutes=form.cleaned_data["minutes"],
                topic=form.cleaned_data["topic"],
            )
        except services.LiveError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Your request was sent. You will get an email when the teacher decides.")
            return redirect(session)
    try:
        minutes = int(request.POST.get("minutes") or request.GET.get("minutes") or 60)
    except ValueError:
        minutes = 60
    minutes = minutes if minutes in selectors.SLOT_MINUTES else 60
    slots = selectors.free_slots_for(teacher=teacher, student=request.user, minutes=minutes)
    return render(
        request,
        "live/book_slots.html",
        {
            "course": course,
            "teacher": teacher,
            "form": form,
            "minutes": minutes,
            "minute_choices": selectors.SLOT_MINUTES,
            "days": selectors.slots_by_local_day(slots, request.user.tzinfo),
            "tzname": request.user.timezone,
        },
    )


@login_required
def availability(request):
    user = request.user
    if not user_may_teach_live(user):
        raise PermissionDenied("Only teachers publish availability.")
    window_form = WindowForm(prefix="w")
    exception_form = ExceptionForm(prefix="x")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add_window":
                window_form = WindowForm(request.POST, prefix="w")
                if window_form.is_valid():
                    services.availability_add(teacher=user, **window_form.cleaned_data)
                    messages.success(request, "Window added.")
                    return redirect("live:availability")
            elif action == "add_exception":
                exception_form = ExceptionForm(request.POST, prefix="x")
                if exception_form.is_valid():
                    services.exception_add(teacher=user, **exception_form.cleaned_data)
                    messages.success(request, "Time away added: no slots are offered then.")
                    return redirect("live:availability")
            elif action == "remove_window":
                services.availability_remove(teacher=user, window_id=int(request.POST.get("id", 0)))
                return redirect("live:availability")
            elif action == "remove_exception":
                services.exception_remove(teacher=user, exception_id=int(request.POST.get("id", 0)))
                return redirect("live:availability")
        except services.LiveError as exc:
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, "That item does not exist.")
    return render(
        request,
        "live/availability.html",
        {
            "windows": WeeklyAvailability.objects.filter(teacher=user),
            "exceptions": AvailabilityException.objects.filter(teacher=user, ends_at__gt=timezone.now()),
            "window_form": window_form,
            "exception_form": exception_form,
            "tzname": user.timezone,
            "tz": user.tzinfo,
            "preview": selectors.slots_by_local_day(selectors.free_slots_for(teacher=user, days=7), user.tzinfo),
        },
    )


@login_required
def detail(request, pk: int):
    session = _session_for(request, pk)
    now = timezone.now()
    return render(
        request,
        "live/detail.html",
        {
            "session": session,
            "tz": request.user.tzinfo,
            "reason_form": ReasonForm(),
            "is_teacher": session_may_decide(user=request.user, session=session),
            "can_cancel": session.is_active
            and (now <= services.cancel_deadline(session) or user_may_cancel_after_cutoff(request.user)),
            "cancel_deadline": services.cancel_deadline(session),
            "join_opens_at": session.starts_at - timedelta(minutes=settings.LIVE_JOIN_EARLY_MINUTES),
            "attendance": session.attendance.select_related("user"),
        },
    )


def _decide(request, pk: int, action):
    session = _session_for(request, pk)
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "")[:500]
    try:
        action(session=session, user=request.user, reason=reason)
    except services.LiveError as exc:
        messages.error(request, exc.message)
    return redirect(session)


@login_required
@require_POST
def approve(request, pk: int):
    def _approve(*, session, user, reason):
        services.session_approve(session=session, user=user)
        messages.success(request, "Approved: the meeting link is ready and both of you got an invitation.")

    return _decide(request, pk, _approve)


@login_required
@require_POST
def reject(request, pk: int):
    def _reject(*, session, user, reason):
        services.session_reject(session=session, user=user, reason=reason)
        messages.success(request, "Rejected; the student was told.")

    return _decide(request, pk, _reject)


@login_required
@require_POST
def cancel(request, pk: int):
    def _cancel(*, session, user, reason):
        services.session_cancel(session=session, user=user, reason=reason)
        messages.success(request, "Cancelled; the other person was told.")

    return _decide(request, pk, _cancel)


@login_required
def join(request, pk: int):
    session = _session_for(request, pk)
    try:
        url = services.session_join(session=session, user=request.user)
    except services.LiveError as exc:
        messages.error(request, exc.message)
        return redirect(session)
    return redirect(url)


@login_required
def invite(request, pk: int):
    session = _session_for(request, pk)
    if session.status != LiveSession.Status.APPROVED:
        raise Http404
    response = HttpResponse(session_ics(session=session), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="live-class-{session.pk}.ics"'
    return response


@csrf_exempt  # Zoom signs the request (x-zm-signature); no cookie plays any part
@require_POST
def zoom_webhook(request):
    """Zoom's event notifications: the URL-validation challenge and meeting events."""
    try:
        answer = services.zoom_webhook_receive(
            body=request.body,
            timestamp=request.headers.get("x-zm-request-timestamp", ""),
            signature=request.headers.get("x-zm-signature", ""),
        )
    except services.LiveError as exc:
        return JsonResponse({"detail": exc.message, "code": exc.code}, status=status_for(exc))
    return JsonResponse(answer) if answer is not None else HttpResponse(status=204)
