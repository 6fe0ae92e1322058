"""Pages of quizzes and assignments: thin wrappers around learners.assessments.quiz and
learners.assessments.assignments (every rule lives there)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.storage import private_file_response
from coursepages.models import CoursePage
from coursepages.permissions import user_is_course_staff
from learners.activity_blocks import activity_get
from learners.assessments.assignments import assignment_submit, submission_get
from learners.assessments.gradebook import gradebook_csv, gradebook_for
from learners.assessments.quiz import (
    attempt_result,
    overdue,
    questions_public,
    quiz_answer_save,
    quiz_attempt_expire,
    quiz_attempt_start,
    quiz_attempt_submit,
    quiz_state_for,
)
from learners.enrollment.services import LearningError
from learners.models import SubmissionFile


def _lesson_url(block_id: str) -> str:
    try:
        activity = activity_get(block_id=block_id)
    except LearningError:
        return "/"
    return f"{activity.lesson.url}#block-{block_id}"


@login_required
@require_POST
def quiz_start(request, block_id):
    try:
        attempt = quiz_attempt_start(user=request.user, block_id=block_id)
    except LearningError as exc:
        messages.error(request, str(exc))
        return redirect(_lesson_url(block_id))
    return redirect("learners:quiz_attempt", pk=attempt.pk)


@login_required
@require_GET
def quiz_attempt(request, pk):
    from learners.models import QuizAttempt

    attempt = (
        QuizAttempt.objects.select_related("enrollment", "lesson").filter(pk=pk, enrollment__user=request.user).first()
    )
    if attempt is None:
        raise Http404
    try:
        activity = activity_get(block_id=attempt.block_id)
    except LearningError as exc:  # the quiz was removed from its lesson
        raise Http404 from exc
    if attempt.is_open and overdue(attempt):  # time is up: it is submitted with what was saved
        quiz_attempt_expire(attempt_id=attempt.pk)
    enrollment = attempt.enrollment if attempt.enrollment.is_open else None
    state = quiz_state_for(activity=activity, enrollment=enrollment)
    attempt = next((a for a in state.attempts if a.pk == attempt.pk), None)
    if attempt is None:  # the enrollment was revoked
        raise Http404
    context = {"attempt": attempt, "state": state, "lesson": activity.lesson, "quiz": attempt.snapshot}
    if attempt.is_open:
        context["questions"] = questions_public(attempt.snapshot)
        context["now"] = timezone.now()
    else:
        context["result"] = attempt_result(attempt, with_feedback=state.feedback_allowed)
    return render(request, "learners/assessments/quiz_attempt.html", context)


@login_required
@require_POST
def quiz_answer(request, pk):
    """Save one answer: JSON {question_id, option_ids} (quiz.js) → {saved: true}."""
    try:
        payload = json.loads(request.body or b"{}")
        question_id, option_ids = str(payload["question_id"]), payload.get("option_ids") or []
        if not isinstance(option_ids, list):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": "Send {question_id, option_ids}.", "code": "invalid"}, status=400)
    try:
        quiz_answer_save(user=request.user, attempt_id=pk, question_id=question_id, option_ids=option_ids)
    except LearningError as exc:
        status = {"not_found": 404, "already_submitted": 409, "time_up": 409}.get(exc.code, 400)
        return JsonResponse({"detail": str(exc), "code": exc.code}, status=status)
    return JsonResponse({"saved": True})


@login_required
@require_POST
def quiz_submit(request, pk):
    answers = {key.removeprefix("q-"): request.POST.getlist(key) for key in request.POST if key.startswith("q-")}
    try:
        attempt = quiz_attempt_submit(user=request.user, attempt_id=pk, answers=answers)
    except LearningError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, str(exc))
        return redirect("learners:quiz_attempt", pk=pk)
    if attempt.auto_submitted:
        messages.warning(request, "Time was up: your attempt was submitted with the answers saved before the deadline.")
    return redirect("learners:quiz_attempt", pk=pk)


@login_required
@require_POST
def assignment_submit_view(request, block_id):
    try:
        assignment_submit(
            user=request.user,
            block_id=block_id,
            text=request.POST.get("text", ""),
            files=request.FILES.getlist("files"),
        )
    except LearningError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your work was handed in.")
    return redirect(_lesson_url(block_id))


@login_required
@require_GET
def submission_detail(request, pk):
    try:
        submission = submission_get(user=request.user, submission_id=pk)
    except LearningError as exc:
        raise Http404 from exc
    rubric = [
        {**criterion, "awarded": submission.rubric_scores.get(criterion["id"])}
        for criterion in submission.snapshot.get("rubric", [])
    ]
    return render(
        request,
        "learners/assessments/submission_detail.html",
        {
            "submission": submission,
            "rubric": rubric,
            "is_owner": submission.enrollment.user_id == request.user.pk,
        },
    )


@login_required
@require_GET
def submission_file(request, pk):
    """Stream a handed-in file to its student or the course's staff."""
    item = get_object_or_404(SubmissionFile.objects.select_related("submission"), pk=pk)
    try:
        submission_get(user=request.user, submission_id=item.submission_id)
    except LearningError as exc:
        raise Http404 from exc
    return private_file_response(item.file.name, download_name=item.original_name, as_attachment=True)


@login_required
@require_GET
def gradebook(request, course_id):
    course = get_object_or_404(CoursePage, pk=course_id)
    if not user_is_course_staff(user=request.user, course=course):
        raise PermissionDenied
    if request.GET.get("format") == "csv":
        response = HttpResponse(gradebook_csv(course=course), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="gradebook-{course.slug}.csv"'
        return response
    columns, rows = gradebook_for(course=course)
    return render(request, "learners/assessments/gradebook.html", {"course": course, "columns": columns, "rows": rows})
