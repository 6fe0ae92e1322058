"""Quizzes and assignments (docs/api.md). A quiz's or assignment's {id} is its block
id; the rules live in learners.assessments.quiz and learners.assessments.assignments."""

from datetime import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from coursepages.models import CoursePage
from coursepages.permissions import user_is_course_staff
from learners.activity_blocks import activity_get
from learners.assessments.assignments import (
    assignment_get,
    assignment_submit,
    submission_grade,
)
from learners.assessments.quiz import (
    attempt_result,
    questions_public,
    quiz_attempt_start,
    quiz_snapshot,
)
from learners.assessments.quiz import quiz_get as quiz_state_get
from learners.assessments.quiz import quiz_submit as quiz_attempt_submit
from learners.models import AssignmentSubmission

from .auth import user_auth
from .errors import ApiError, refusals
from .pagination import Paginated
from .schemas import RowId

router = Router(tags=["assessments"])


class QuizSettingsOut(Schema):
    passing_score: int
    max_attempts: int
    time_limit_minutes: int
    feedback_mode: str
    shuffle_questions: bool
    shuffle_options: bool


class QuizOut(Schema):
    id: str
    lesson_id: int
    title: str
    description: str
    settings: QuizSettingsOut
    questions: list[dict[str, Any]]
    attempts_used: int
    attempts_left: int | None
    best_score_percent: float | None
    passed: bool
    open_attempt_id: int | None


class AttemptStartOut(Schema):
    attempt_id: int
    number: int
    started_at: datetime
    deadline: datetime | None
    answers: dict[str, list[str]]
    questions: list[dict[str, Any]]


class SubmitIn(Schema):
    attempt_id: RowId
    answers: dict[str, list[str]] = {}


class AttemptResultOut(Schema):
    attempt_id: int
    number: int
    status: str
    started_at: datetime
    submitted_at: datetime | None
    auto_submitted: bool
    score: int | None
    max_score: int
    score_percent: float | None
    passed: bool
    feedback_shown: bool
    questions: list[dict[str, Any]]


@router.get("/quizzes/{block_id}/", response={200: QuizOut, **refusals(402, 403)}, auth=user_auth)
def quiz_detail(request, block_id: str):
    """Questions without answers, the settings, and the caller's attempts left."""
    state = quiz_state_get(user=request.user, block_id=block_id)
    value = state.activity.value
    # The questions in block order (an attempt may shuffle them): never the answers.
    best = state.best
    return {
        "id": state.activity.block_id,
        "lesson_id": state.activity.lesson.pk,
        "title": value["title"],
        "description": value.get("description") or "",
        "settings": state.settings,
        "questions": questions_public(quiz_snapshot(value)),
        "attempts_used": len(state.attempts),
        "attempts_left": state.attempts_left,
        "best_score_percent": best.score_percent if best else None,
        "passed": state.passed,
        "open_attempt_id": state.open_attempt.pk if state.open_attempt else None,
    }


@router.post("/quizzes/{block_id}/attempts/", response={201: AttemptStartOut, **refusals(402, 403)}, auth=user_auth)
def quiz_attempt_create(request, block_id: str):
    """Start an attempt (or resume the open one) → its questions in this attempt's order."""
    attempt = quiz_attempt_start(user=request.user, block_id=block_id)
    return Status(
        201,
        {
            "attempt_id": attempt.pk,
            "number": attempt.number,
            "started_at": attempt.started_at,
            "deadline": attempt.deadline,
            "answers": attempt.answers,
            "questions": questions_public(attempt.snapshot),
        },
    )


@router.post("/quizzes/{block_id}/submit/", response={200: AttemptResultOut, **refusals(402, 403, 409)}, auth=user_auth)
def quiz_submit(request, block_id: str, payload: SubmitIn):
    """Submit an attempt → score, passed, and feedback as the quiz's mode allows."""
    submitted = quiz_attempt_submit(
        user=request.user, attempt_id=payload.attempt_id, answers=payload.answers, block_id=block_id
    )
    return attempt_result(submitted.attempt, with_feedback=submitted.with_feedback)


@router.get(
    "/quizzes/{block_id}/attempts/", response={200: list[AttemptResultOut], **refusals(402, 403)}, auth=user_auth
)
@paginate(Paginated)
def quiz_attempts(request, block_id: str):
    """The caller's own attempts, newest first (feedback where the mode allows)."""
    state = quiz_state_get(user=request.user, block_id=block_id)
    allowed = state.feedback_allowed
    return [attempt_result(a, with_feedback=allowed) for a in reversed(state.attempts)]


class FileOut(Schema):
    id: int
    name: str
    size: int
    url: str


class SubmissionOut(Schema):
    id: int
    number: int
    student_id: int
    student_name: str
    status: str
    text: str
    submitted_at: datetime
    due_at: datetime | None
    is_late: bool
    score: int | None
    max_score: int
    rubric_scores: dict[str, int]
    feedback: str
    graded_at: datetime | None
    reopened: bool
    files: list[FileOut]

    @staticmethod
    def resolve_student_id(obj):
        return obj.enrollment.user_id

    @staticmethod
    def resolve_student_name(obj):
        return obj.enrollment.user.display_name

    @staticmethod
    def resolve_files(obj):
        from django.urls import reverse

        return [
            {
                "id": f.pk,
                "name": f.original_name,
                "size": f.size,
                "url": reverse("learners:submission_file", args=[f.pk]),
            }
            for f in obj.files.all()
        ]


class AssignmentOut(Schema):
    id: str
    lesson_id: int
    title: str
    instructions: str
    rubric: list[dict[str, Any]]
    max_score: int
    allow_text: bool
    accepted_file_types: list[str]
    max_files: int
    max_file_size_mb: int
    allow_resubmission: bool
    completion: str
    pass_mark: int
    due_at: datetime | None
    can_submit: bool
    submissions: list[SubmissionOut]


@router.get("/assignments/{block_id}/", response={200: AssignmentOut, **refusals(402, 403)}, auth=user_auth)
def assignment_detail(request, block_id: str):
    """Instructions, rubric, settings and the caller's own submissions."""
    state = assignment_get(user=request.user, block_id=block_id)
    s = state.settings
    return {
        "id": state.activity.block_id,
        "lesson_id": state.activity.lesson.pk,
        **{
            k: s[k]
            for k in (
                "title",
                "instructions",
                "rubric",
                "max_score",
                "allow_text",
                "accepted_file_types",
                "max_files",
                "max_file_size_mb",
                "allow_resubmission",
                "completion",
                "pass_mark",
            )
        },
        "due_at": state.due_at,
        "can_submit": state.can_submit,
        "submissions": state.submissions,
    }


@router.post(
    "/assignments/{block_id}/submit/", response={201: SubmissionOut, **refusals(402, 403, 409)}, auth=user_auth
)
def assignment_submit_api(request, block_id: str, text: Form[str] = "", files: File[list[UploadedFile]] = None):
    """Hand in text and files (multipart: `text`, `files` repeated)."""
    submission = assignment_submit(user=request.user, block_id=block_id, text=text, files=files or [])
    return Status(
        201,
        AssignmentSubmission.objects.select_related("enrollment__user").prefetch_related("files").get(pk=submission.pk),
    )


@router.get(
    "/assignments/{block_id}/submissions/", response={200: list[SubmissionOut], **refusals(403)}, auth=user_auth
)
@paginate(Paginated)
def assignment_submissions(request, block_id: str, status: str = ""):
    """Every submission of an assignment, for the course's instructors (?status=ungraded|graded)."""
    activity = activity_get(block_id=block_id, block_type="assignment")
    if not user_is_course_staff(user=request.user, course=activity.course):
        raise ApiError(403, "Only the course's instructors see its submissions.", "permission_denied")
    queryset = (
        AssignmentSubmission.objects.filter(block_id=block_id, enrollment__course_id=activity.course.pk)
        .select_related("enrollment__user")
        .prefetch_related("files")
        .order_by("submitted_at")
    )
    if status == "ungraded":
        queryset = queryset.filter(status=AssignmentSubmission.Status.SUBMITTED)
    elif status == "graded":
        queryset = queryset.filter(status=AssignmentSubmission.Status.GRADED)
    elif status:
        raise ApiError(400, "status is ungraded or graded.", "invalid", errors={"status": ["ungraded or graded"]})
    return queryset


class GradeIn(Schema):
    rubric_scores: dict[str, int] = {}
    score: int | None = None
    feedback: str = ""
    allow_resubmission: bool = False


@router.put("/submissions/{submission_id}/grade/", response={200: SubmissionOut, **refusals(403)}, auth=user_auth)
def submission_grade_api(request, submission_id: RowId, payload: GradeIn):
    """Grade with the rubric (the score is the sum of the criteria) and notify the student."""
    submission = get_object_or_404(AssignmentSubmission.objects.select_related("enrollment__course"), pk=submission_id)
    if not user_is_course_staff(user=request.user, course=CoursePage.objects.get(pk=submission.enrollment.course_id)):
        raise ApiError(403, "Only the course's instructors grade its submissions.", "permission_denied")
    submission = submission_grade(
        user=request.user,
        submission=submission,
        rubric_scores=payload.rubric_scores,
        score=payload.score,
        feedback=payload.feedback,
        allow_resubmission=payload.allow_resubmission,
    )
    return (
        AssignmentSubmission.objects.select_related("enrollment__user").prefetch_related("files").get(pk=submission.pk)
    )
