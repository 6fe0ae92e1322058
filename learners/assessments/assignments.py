"""Assignments: submit text and files, resubmit when allowed, grade with the rubric,
reopen, notify. Files are checked by extension, size and content (magic bytes via
`filetype`; text types must be UTF-8) and kept in private storage."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath

import filetype
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from wagtail.log_actions import log

from core.notify import notify
from coursepages.permissions import courses_staffed_by
from learners.access import LearningContext, learning_context_for
from learners.activity_blocks import Activity, activity_for_student
from learners.enrollment.services import LearningError, activity_complete
from learners.models import AssignmentSubmission, Enrollment, SubmissionFile
from learners.permissions import submission_may_grade, submission_may_view

MAX_TEXT_LENGTH = 50_000

# Accepted type → (file name extensions, what `filetype` must find in the content;
# None for text types, which must decode as UTF-8 instead).
FILE_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "pdf": (("pdf",), ("pdf",)),
    "docx": (("docx",), ("docx",)),
    "odt": (("odt",), ("odt",)),
    "zip": (("zip",), ("zip",)),
    "png": (("png",), ("png",)),
    "jpg": (("jpg", "jpeg"), ("jpg",)),
    "txt": (("txt",), None),
    "md": (("md", "markdown"), None),
    "py": (("py",), None),
}


def file_kind_check(uploaded, *, accepted: list[str], max_size_mb: int) -> str:
    """Which accepted type `uploaded` is, or LearningError('invalid_file') saying why not."""
    name = uploaded.name or "file"
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    kind = next((k for k in accepted if extension in FILE_KINDS.get(k, ((), None))[0]), None)
    if kind is None:
        allowed = ", ".join(f".{k}" for k in accepted) or "none"
        raise LearningError(f"“{name}”: this type of file is not accepted (accepted: {allowed}).", "invalid_file")
    if uploaded.size > max_size_mb * 1024 * 1024:
        raise LearningError(f"“{name}” is larger than {max_size_mb} MB.", "invalid_file")
    if uploaded.size == 0:
        raise LearningError(f"“{name}” is empty.", "invalid_file")
    uploaded.seek(0)
    content = uploaded.read()
    uploaded.seek(0)
    expected = FILE_KINDS[kind][1]
    found = filetype.guess(content)
    if expected is None:
        if found is not None and found.extension not in ("txt",):
            raise LearningError(f"“{name}” is not a text file (it looks like a .{found.extension}).", "invalid_file")
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise LearningError(f"“{name}” is not UTF-8 text.", "invalid_file") from None
        if "\x00" in text:
            raise LearningError(f"“{name}” is not a text file.", "invalid_file")
    elif found is None or found.extension not in expected:
        looks = f" (it looks like a .{found.extension})" if found else ""
        raise LearningError(f"“{name}” is not really a .{extension} file{looks}.", "invalid_file")
    return kind


# ---------------------------------------------------------------- settings and state


def assignment_settings(value) -> dict:
    ids = [child.id for child in getattr(value["rubric"], "bound_blocks", [])] or [None] * len(value["rubric"])
    return {
        "title": value["title"],
        "instructions": str(
            value["instructions"].source if hasattr(value["instructions"], "source") else value["instructions"]
        ),
        "rubric": [
            {
                "id": criterion_id or f"c{index}",
                "title": criterion["title"],
                "description": criterion.get("description") or "",
                "points": int(criterion["points"]),
            }
            for index, (criterion_id, criterion) in enumerate(zip(ids, value["rubric"], strict=True))
        ],
        "max_score": int(value["max_score"]),
        "allow_text": bool(value["allow_text"]),
        "accepted_file_types": list(value["accepted_file_types"] or []),
        "max_files": int(value["max_files"] or 0),
        "max_file_size_mb": int(value["max_file_size_mb"] or 1),
        "allow_resubmission": bool(value["allow_resubmission"]),
        "due_days_after_enrollment": value.get("due_days_after_enrollment"),
        "completion": value["completion"],
        "pass_mark": int(value["pass_mark"]),
    }


def assignment_due_at(*, enrollment: Enrollment, settings: dict):
    days = settings.get("due_days_after_enrollment")
    if days is None or days == "":
        return None
    return enrollment.enrolled_at + timedelta(days=int(days))


@dataclass
class AssignmentState:
    activity: Activity
    enrollment: Enrollment | None
    submissions: list  # newest first
    settings: dict

    @property
    def latest(self):
        return self.submissions[0] if self.submissions else None

    @property
    def due_at(self):
        return assignment_due_at(enrollment=self.enrollment, settings=self.settings) if self.enrollment else None

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_at and timezone.now() > self.due_at)

    @property
    def can_submit(self) -> bool:
        return self.enrollment is not None and submission_allowed(latest=self.latest, settings=self.settings)


def submission_allowed(*, latest, settings: dict) -> bool:
    """A first submission; another when the assignment allows resubmission or the
    instructor reopened the latest."""
    return latest is None or settings["allow_resubmission"] or latest.reopened


def assignment_state_for(*, activity: Activity, enrollment: Enrollment | None) -> AssignmentState:
    """The student's submissions of one assignment (one query; none without an open enrollment)."""
    submissions = []
    if enrollment:
        submissions = list(AssignmentSubmission.objects.filter(enrollment=enrollment, block_id=activity.block_id))
    return AssignmentState(
        activity=activity, enrollment=enrollment, submissions=submissions, settings=assignment_settings(activity.value)
    )


def _assignment_for(*, user, block_id: str) -> tuple[Activity, LearningContext]:
    return activity_for_student(
        user=user,
        block_id=block_id,
        block_type="assignment",
        not_enrolled="Enroll in this course to hand in its assignments.",
    )


def assignment_get(*, user, block_id: str) -> AssignmentState:
    activity, context = _assignment_for(user=user, block_id=block_id)
    return assignment_state_for(activity=activity, enrollment=context.enrollment)


# ---------------------------------------------------------------- submitting


def assignment_submit(*, user, block_id: str, text: str = "", files=()) -> AssignmentSubmission:
    """Hand in text and files. Every file is checked before anything is stored; a late
    submission (after enrollment date + due days) is accepted and marked late."""
    activity, context = _assignment_for(user=user, block_id=block_id)
    enrollment = context.enrollment
    settings = assignment_settings(activity.value)
    text = (text or "").strip()
    files = list(files or [])
    if text and not settings["allow_text"]:
        raise LearningError("This assignment takes files only.", "invalid")
    if len(text) > MAX_TEXT_LENGTH:
        raise LearningError(f"The text answer is longer than {MAX_TEXT_LENGTH} characters.", "invalid")
    if len(files) > settings["max_files"]:
        raise LearningError(f"Hand in at most {settings['max_files']} files.", "invalid_file")
    kinds = [
        file_kind_check(f, accepted=settings["accepted_file_types"], max_size_mb=settings["max_file_size_mb"])
        for f in files
    ]
    if not text and not files:
        raise LearningError("Write an answer or attach a file.", "invalid")
    now = timezone.now()
    due_at = assignment_due_at(enrollment=enrollment, settings=settings)
    try:
        with transaction.atomic():
            Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
            previous = AssignmentSubmission.objects.filter(enrollment=enrollment, block_id=block_id)
            latest = previous.order_by("-number").first()
            if not submission_allowed(latest=latest, settings=settings):
                raise LearningError("You have already handed in this assignment.", "already_submitted")
            number = (previous.aggregate(n=Max("number"))["n"] or 0) + 1
            submission = AssignmentSubmission.objects.create(
                enrollment=enrollment,
                lesson=activity.lesson,
                block_id=block_id,
                number=number,
                text=text,
                snapshot=settings,
                due_at=due_at,
                is_late=bool(due_at and now > due_at),
            )
            for uploaded, kind in zip(files, kinds, strict=True):
                SubmissionFile.objects.create(
                    submission=submission,
                    file=uploaded,
                    original_name=PurePosixPath(uploaded.name).name[:255],
                    size=uploaded.size,
                    kind=kind,
                )
            if latest and latest.reopened:
                AssignmentSubmission.objects.filter(pk=latest.pk).update(reopened=False)
    except IntegrityError:
        raise LearningError("You have already handed in this assignment.", "already_submitted") from None
    if settings["completion"] == "submitted":
        activity_complete(context=context, block_id=block_id, score_percent=None)
    return submission


# ---------------------------------------------------------------- staff side


def submissions_for_grader(*, user):
    """Submissions of the courses `user` staffs (all for admins and moderators)."""
    course_ids = list(courses_staffed_by(user).order_by().values_list("pk", flat=True))
    return AssignmentSubmission.objects.filter(enrollment__course_id__in=course_ids).select_related(
        "enrollment__user", "enrollment__course", "lesson"
    )


def submission_get(*, user, submission_id) -> AssignmentSubmission:
    submission = (
        AssignmentSubmission.objects.select_related("enrollment__user", "enrollment__course", "lesson")
        .prefetch_related("files")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or not submission_may_view(user=user, submission=submission):
        raise LearningError("There is no such submission.", "not_found")
    return submission


def submission_grade(
    *,
    user,
    submission: AssignmentSubmission,
    rubric_scores: dict,
    feedback: str = "",
    allow_resubmission: bool = False,
    score: int | None = None,
) -> AssignmentSubmission:
    """Grade a submission with the rubric it was submitted against; the score is the sum
    of the criteria (a bare `score` is accepted only when no criterion is scored). The
    student is notified; an assignment completed "when passed" completes here."""
    if not submission_may_grade(user=user, submission=submission):
        raise LearningError("There is no such submission.", "not_found")
    rubric = {c["id"]: c for c in submission.snapshot.get("rubric", [])}
    errors = {}
    clean = {}
    for criterion_id, points in (rubric_scores or {}).items():
        criterion = rubric.get(str(criterion_id))
        if criterion is None:
            errors[str(criterion_id)] = "Not a criterion of this assignment."
            continue
        try:
            points = int(points)
        except (TypeError, ValueError):
            errors[str(criterion_id)] = "Give a whole number of points."
            continue
        if not 0 <= points <= criterion["points"]:
            errors[str(criterion_id)] = f"Between 0 and {criterion['points']} points."
            continue
        clean[criterion["id"]] = points
    if errors:
        raise SubmissionGradeError(errors=errors)
    if clean:
        missing = [c["title"] for cid, c in rubric.items() if cid not in clean]
        if missing:
            raise SubmissionGradeError(errors={"rubric_scores": "Score every criterion: " + ", ".join(missing) + "."})
        total = sum(clean.values())
        if score is not None and int(score) != total:
            raise SubmissionGradeError(
                errors={"score": f"The rubric adds up to {total}; leave the score out or match it."}
            )
    elif score is not None:
        total = int(score)
        if not 0 <= total <= submission.max_score:
            raise SubmissionGradeError(errors={"score": f"Between 0 and {submission.max_score}."})
    else:
        raise SubmissionGradeError(errors={"rubric_scores": "Score the rubric."})
    with transaction.atomic():
        submission = (
            AssignmentSubmission.objects.select_for_update()
            .select_related("enrollment__user", "enrollment__course", "lesson")
            .get(pk=submission.pk)
        )
        first_grade = submission.status != AssignmentSubmission.Status.GRADED
        submission.rubric_scores = clean
        submission.score = total
        submission.feedback = (feedback or "").strip()
        submission.status = AssignmentSubmission.Status.GRADED
        submission.graded_by = user
        submission.graded_at = timezone.now()
        submission.reopened = bool(allow_resubmission)
        submission.save()
        log(
            instance=submission,
            action="learners.submission_graded",
            user=user,
            data={"score": total, "max_score": submission.max_score, "reopened": submission.reopened},
        )
        student = submission.enrollment.user
        title = f"Your assignment “{submission.snapshot.get('title', '')}” was graded"
        body = f"Score: {total} / {submission.max_score}."
        if submission.reopened:
            body += " You may hand in a new version."
        notify(
            user=student,
            kind="assignment_graded",
            title=title,
            body=body,
            url=reverse("learners:submission_detail", args=[submission.pk]),
            email_template="assignment_graded",
            context={
                "assignment": submission.snapshot.get("title", ""),
                "course": submission.enrollment.course.title,
                "score": total,
                "max_score": submission.max_score,
                "feedback": submission.feedback,
                "reopened": submission.reopened,
                "regraded": not first_grade,
            },
        )
        if submission.snapshot.get("completion") == "passed" and submission.passed:
            try:
                context = learning_context_for(user=student, lesson=submission.lesson)
                activity_complete(context=context, block_id=submission.block_id, score_percent=submission.score_percent)
            except LearningError:  # access closed or the block left the lesson: the grade stands
                pass
    return submission


def submission_reopen(*, user, submission: AssignmentSubmission) -> AssignmentSubmission:
    """Let the student hand in a new version (without grading this one)."""
    if not submission_may_grade(user=user, submission=submission):
        raise LearningError("There is no such submission.", "not_found")
    with transaction.atomic():
        AssignmentSubmission.objects.filter(pk=submission.pk).update(reopened=True)
        submission.reopened = True
        log(instance=submission, action="learners.submission_reopened", user=user)
        notify(
            user=submission.enrollment.user,
            kind="assignment_reopened",
            title=f"You may resubmit “{submission.snapshot.get('title', '')}”",
            url=reverse("learners:submission_detail", args=[submission.pk]),
        )
    return submission


class SubmissionGradeError(LearningError):
    """A grade with field errors: `errors` is {field or criterion id: message}."""

    def __init__(
        self, message: str = "Some scores are not valid.", code: str | None = None, *, errors: dict | None = None
    ):
        super().__init__(message, code)
        self.errors = errors or {}

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """`errors` in the API's shape ({field: [messages]})."""
        return {field: [message] for field, message in self.errors.items()}


def instructions_text(settings: dict) -> str:
    return strip_tags(settings.get("instructions", ""))
