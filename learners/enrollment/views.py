from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import is_teaching_staff
from core.dbrouter import reads_from_replica
from core.spreadsheet import csv_writer
from coursepages.models import CoursePage, LessonPage
from coursepages.permissions import user_is_course_staff
from learners.access import course_access_for, learning_context_for
from learners.dashboard import dashboard_context
from learners.enrollment.selectors import course_students, instructor_courses_for
from learners.enrollment.services import LearningError, enrollment_request, lesson_complete, review_save
from learners.finish import course_finish_context
from learners.models import Enrollment
from learners.search import course_ask, course_search


@login_required
def dashboard(request):
    return render(request, "learners/dashboard.html", dashboard_context(user=request.user))


@login_required
@require_POST
def course_enroll(request, course_id: int):
    """Join a free course, or one included in the student's subscription; twice is a no-op."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        enrollment, created = enrollment_request(user=request.user, course=course)
    except LearningError as error:
        messages.error(request, str(error))
        return redirect(course.url)
    if created:
        messages.success(request, f"You are enrolled in “{course.title}”.")
    else:
        messages.info(request, f"You are already enrolled in “{course.title}”.")
    return redirect(course.url)


@login_required
@require_POST
def lesson_mark_complete(request, lesson_id: int):
    """The "mark complete" form of a text lesson (the player's JS uses the API instead)."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    try:
        progress = lesson_complete(context=learning_context_for(user=request.user, lesson=lesson))
    except LearningError as error:
        messages.error(request, str(error))
        return redirect(lesson.url)
    messages.success(request, f"“{lesson.title}” is complete.")
    enrollment = Enrollment.objects.get(pk=progress.enrollment_id)
    if enrollment.status == Enrollment.Status.COMPLETED and _finished_just_now(enrollment):
        return redirect("learners:course_finished", course_id=enrollment.course_id)
    following = request.POST.get("next")
    if following and following.startswith("/") and not following.startswith("//"):
        return redirect(following)
    return redirect(lesson.url)


def _finished_just_now(enrollment) -> bool:
    """Completing the last lesson finishes the course: show the finish moment then (not when
    a student re-marks a lesson of a course finished long ago)."""
    return enrollment.completed_at is not None and timezone.now() - enrollment.completed_at < FINISH_MOMENT


FINISH_MOMENT = timedelta(minutes=5)


@login_required
def course_finished(request, course_id: int):
    """The course-complete moment: certificate, a prompt to rate, what to take next."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    context = course_finish_context(user=request.user, course=course)
    if context is None:
        return redirect(course.url)
    if context.get("certificate") is not None:
        context["certificate_share_url"] = request.build_absolute_uri(context["certificate"].get_verify_url())
    return render(request, "learners/course_finished.html", context)


@login_required
@require_POST
def course_review(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        _review, created = review_save(
            user=request.user, course=course, rating=request.POST.get("rating"), body=request.POST.get("body", "")
        )
    except LearningError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Thank you for your review." if created else "Your review is updated.")
    following = request.POST.get("next", "")
    if following.startswith("/") and not following.startswith("//"):
        return redirect(following)
    return redirect(f"{course.url}#reviews")


def _instructor_or_403(user):
    if not is_teaching_staff(user):
        raise PermissionDenied("This page is for instructors.")


@login_required
def instructor_home(request):
    _instructor_or_403(request.user)
    return render(request, "learners/instructor_home.html", {"courses": instructor_courses_for(user=request.user)})


@login_required
@reads_from_replica()
def instructor_course_students(request, course_id: int):
    course = get_object_or_404(CoursePage, pk=course_id)
    if not user_is_course_staff(user=request.user, course=course):
        raise PermissionDenied("Only this course's instructors can see its students.")
    activities, rows = course_students(course=course)
    if request.GET.get("format") == "csv":
        return _students_csv(course, activities, rows)
    return render(
        request, "learners/instructor_students.html", {"course": course, "activities": activities, "rows": rows}
    )


def _students_csv(course, activities, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{course.slug}-students-{stamp}.csv"'
    writer = csv_writer(response)
    writer.writerow(
        [
            "name",
            "email",
            "status",
            "enrolled_at",
            "last_active",
            "lessons_completed",
            "lessons_total",
            "progress_percent",
            "time_spent_minutes",
            *[f"{a['title']} (best %)" for a in activities],
        ]
    )
    for row in rows:
        enrollment = row.enrollment
        writer.writerow(
            [
                enrollment.user.get_full_name(),
                enrollment.user.email,
                enrollment.status,
                enrollment.enrolled_at.isoformat(),
                enrollment.last_accessed_at.isoformat() if enrollment.last_accessed_at else "",
                row.progress.completed,
                row.progress.total,
                row.progress.percent,
                row.time_spent_seconds // 60,
                *["" if row.scores[a["block_id"]] is None else row.scores[a["block_id"]] for a in activities],
            ]
        )
    return response


def course_search_page(request, course_id: int):
    """Search a course's lessons: open to anyone; locked lessons show only that they match."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    q = request.GET.get("q", "").strip()[:200]
    access = course_access_for(user=request.user, course=course)
    results = course_search(access=access, q=q) if q else []
    return render(request, "learners/course_search.html", {"course": course, "q": q, "results": results})


def course_ask_page(request, course_id: int):
    """Ask this course a question: the passages that answer it best, shown as access allows."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    q = request.GET.get("q", "").strip()[:300]
    access = course_access_for(user=request.user, course=course)
    results = course_ask(access=access, q=q) if q else []
    return render(
        request, "learners/course_search.html", {"course": course, "q": q, "results": results, "asking": True}
    )
