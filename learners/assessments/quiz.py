"""Quizzes: start an attempt, save answers as the student goes, submit, grade on the server.

Rules (docs/assessments.md):
- An attempt is graded against the snapshot taken when it started (questions, options,
  correct answers, points, feedback, explanation), in the order it was shown: shuffling
  happens once, at the start, and is stored on the attempt.
- A question scores its points when the selected options are exactly the correct ones.
- With a time limit the attempt has a deadline. Work that arrives after the deadline plus
  `QUIZ_DEADLINE_GRACE_SECONDS` is not accepted: the attempt is submitted automatically
  with the answers saved so far — on the student's next request, and by the Celery task
  `quiz_attempt_expire` scheduled for the deadline (and swept periodically by beat).
- Max attempts hold under concurrency: starting locks the enrollment row, and
  (enrollment, block, number) is unique; submitting (and expiring) locks the attempt row and
  its enrollment's in one statement, and grades, completes and answers under that one lock.
- Feedback (right answers, per-option feedback, explanations) is shown per the quiz's mode:
  `immediate`, `after_last` (once no attempts are left) or `never`.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core.prepared import Prepared, concrete_attnames
from core.prepared_writes import PreparedUpdate
from learners.access import LearningContext, learning_context_for
from learners.activity_blocks import Activity, activity_for_student, activity_in_lesson
from learners.enrollment.services import LearningError, activity_complete
from learners.models import Enrollment, QuizAttempt


def _grace() -> timedelta:
    return timedelta(seconds=getattr(settings, "QUIZ_DEADLINE_GRACE_SECONDS", 30))


# ---------------------------------------------------------------- snapshot and views of it


def _item_ids(list_value) -> list:
    bound = getattr(list_value, "bound_blocks", None)
    if bound is None:
        return [None] * len(list_value)
    return [child.id for child in bound]


def quiz_snapshot(value, *, shuffle: random.Random | None = None) -> dict:
    """What an attempt is graded against, taken from the quiz block's current value."""
    questions = []
    question_ids = _item_ids(value["questions"])
    for q_index, (question_id, question) in enumerate(zip(question_ids, value["questions"], strict=True)):
        options = [
            {
                "id": option_id or f"q{q_index}o{o_index}",
                "text": option["text"],
                "is_correct": bool(option["is_correct"]),
                "feedback": option.get("feedback") or "",
            }
            for o_index, (option_id, option) in enumerate(
                zip(_item_ids(question["options"]), question["options"], strict=True)
            )
        ]
        if shuffle and value.get("shuffle_options"):
            shuffle.shuffle(options)
        questions.append(
            {
                "id": question_id or f"q{q_index}",
                "text": question["text"],
                "kind": question["kind"],
                "points": int(question["points"] or 1),
                "explanation": question.get("explanation") or "",
                "options": options,
            }
        )
    if shuffle and value.get("shuffle_questions"):
        shuffle.shuffle(questions)
    return {"title": value["title"], **quiz_settings(value), "questions": questions}


def quiz_settings(value) -> dict:
    return {
        "passing_score": int(value["passing_score"]),
        "max_attempts": int(value["max_attempts"] or 0),
        "time_limit_minutes": int(value["time_limit_minutes"] or 0),
        "feedback_mode": value["feedback_mode"],
        "shuffle_questions": bool(value.get("shuffle_questions")),
        "shuffle_options": bool(value.get("shuffle_options")),
    }


def questions_public(snapshot: dict) -> list[dict]:
    """Questions as the student may see them before grading: no correct answers, no feedback."""
    return [
        {
            "id": q["id"],
            "text": q["text"],
            "kind": q["kind"],
            "points": q["points"],
            "options": [{"id": o["id"], "text": o["text"]} for o in q["options"]],
        }
        for q in snapshot["questions"]
    ]


def _grade(snapshot: dict, answers: dict) -> tuple[int, int]:
    score = total = 0
    for question in snapshot["questions"]:
        total += question["points"]
        correct = {o["id"] for o in question["options"] if o["is_correct"]}
        if set(answers.get(question["id"], [])) == correct:
            score += question["points"]
    return score, total


def _clean_answers(snapshot: dict, answers: dict) -> dict:
    """Keep only known questions and their own options; refuse two answers to a one-answer question."""
    by_id = {q["id"]: q for q in snapshot["questions"]}
    clean = {}
    for question_id, option_ids in (answers or {}).items():
        question = by_id.get(str(question_id))
        if question is None:
            raise LearningError("That question is not part of this attempt.", "invalid")
        if isinstance(option_ids, str):
            option_ids = [option_ids]
        valid = {o["id"] for o in question["options"]}
        chosen = [str(option_id) for option_id in option_ids or []]
        if any(option_id not in valid for option_id in chosen):
            raise LearningError("That option is not part of this question.", "invalid")
        if question["kind"] == "single" and len(set(chosen)) > 1:
            raise LearningError("Choose one option for this question.", "invalid")
        clean[question["id"]] = sorted(set(chosen), key=chosen.index)
    return clean


# ---------------------------------------------------------------- state for a student


@dataclass
class QuizState:
    activity: Activity
    enrollment: Enrollment | None
    attempts: list  # of QuizAttempt, oldest first
    settings: dict

    @property
    def submitted(self) -> list:
        return [a for a in self.attempts if a.status == QuizAttempt.Status.SUBMITTED]

    @property
    def open_attempt(self):
        return next((a for a in self.attempts if a.is_open), None)

    @property
    def attempts_left(self) -> int | None:
        """None means unlimited."""
        if not self.settings["max_attempts"]:
            return None
        return max(0, self.settings["max_attempts"] - len(self.attempts))

    @property
    def best(self):
        graded = [a for a in self.submitted if a.score_percent is not None]
        return max(graded, key=lambda a: (a.score_percent, -a.number)) if graded else None

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.submitted)

    @property
    def can_start(self) -> bool:
        return self.enrollment is not None and self.open_attempt is None and self.attempts_left != 0

    @property
    def feedback_allowed(self) -> bool:
        return feedback_allowed(
            mode=self.settings["feedback_mode"],
            attempts_left=self.attempts_left,
            open_attempt=self.open_attempt is not None,
        )


def feedback_allowed(*, mode: str, attempts_left: int | None, open_attempt: bool = False) -> bool:
    if mode == "immediate":
        return True
    if mode == "after_last":
        return attempts_left == 0 and not open_attempt
    return False


def quiz_state_for(*, activity: Activity, enrollment: Enrollment | None, attempts: list | None = None) -> QuizState:
    """The student's attempts at one quiz (one query, none when the caller passes the attempts
    it read; none without an open enrollment). Reads only: `quiz_get` closes overdue attempts first."""
    if attempts is None:
        attempts = (
            list(QuizAttempt.objects.filter(enrollment=enrollment, block_id=activity.block_id)) if enrollment else []
        )
    return QuizState(
        activity=activity, enrollment=enrollment, attempts=attempts, settings=quiz_settings(activity.value)
    )


def overdue(attempt: QuizAttempt, now=None) -> bool:
    """Is this attempt past its deadline plus the grace period?"""
    return bool(attempt.deadline and (now or timezone.now()) > attempt.deadline + _grace())


NOT_ENROLLED = "Enroll in this course to take its quizzes."


def _quiz_for(*, user, block_id: str) -> tuple[Activity, "LearningContext"]:
    return activity_for_student(user=user, block_id=block_id, block_type="quiz", not_enrolled=NOT_ENROLLED)


def quiz_get(*, user, block_id: str) -> QuizState:
    """A quiz the user may open (enrolled, lesson open), with their attempts; an open attempt
    whose time is up is submitted first."""
    activity, context = _quiz_for(user=user, block_id=block_id)
    state = quiz_state_for(activity=activity, enrollment=context.enrollment)
    if any(attempt.is_open and overdue(attempt) for attempt in state.attempts):
        for attempt in state.attempts:
            if attempt.is_open and overdue(attempt):
                quiz_attempt_expire(attempt_id=attempt.pk)
        state = quiz_state_for(activity=activity, enrollment=context.enrollment)
    return state


# ---------------------------------------------------------------- actions


def quiz_attempt_start(*, user, block_id: str) -> QuizAttempt:
    """Start an attempt (or return the one already open). Refused when no attempts are left."""
    activity, context = _quiz_for(user=user, block_id=block_id)
    enrollment = context.enrollment
    settings_ = quiz_settings(activity.value)
    # An overdue open attempt is closed first, so it counts as used.
    for attempt in QuizAttempt.objects.filter(
        enrollment=enrollment, block_id=block_id, status=QuizAttempt.Status.IN_PROGRESS
    ):
        if overdue(attempt):
            quiz_attempt_expire(attempt_id=attempt.pk)
    try:
        with transaction.atomic():
            # The enrollment row serialises this student's starts: two tabs racing for the
            # last attempt get one attempt between them.
            Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
            attempts = QuizAttempt.objects.filter(enrollment=enrollment, block_id=block_id)
            open_attempt = attempts.filter(status=QuizAttempt.Status.IN_PROGRESS).first()
            if open_attempt:
                return open_attempt
            used = attempts.aggregate(n=Max("number"))["n"] or 0
            if settings_["max_attempts"] and used >= settings_["max_attempts"]:
                raise LearningError("You have used all your attempts at this quiz.", "no_attempts_left")
            snapshot = quiz_snapshot(activity.value, shuffle=random.SystemRandom())
            now = timezone.now()
            limit = settings_["time_limit_minutes"]
            deadline = now + timedelta(minutes=limit) if limit else None
            attempt = QuizAttempt.objects.create(
                enrollment=enrollment,
                lesson=activity.lesson,
                block_id=block_id,
                number=used + 1,
                started_at=now,
                deadline=deadline,
                snapshot=snapshot,
                max_points=sum(q["points"] for q in snapshot["questions"]),
            )
    except IntegrityError:  # a concurrent start won the same number: that attempt is ours too
        attempt = QuizAttempt.objects.filter(
            enrollment=enrollment, block_id=block_id, status=QuizAttempt.Status.IN_PROGRESS
        ).first()
        if attempt is None:
            raise LearningError("You have used all your attempts at this quiz.", "no_attempts_left") from None
        return attempt
    if attempt.deadline:
        from learners.assessments.tasks import quiz_attempt_expire_task
        from outbox.services import task_send_on_commit

        countdown = (attempt.deadline - timezone.now() + _grace()).total_seconds() + 1
        task_send_on_commit(
            task=quiz_attempt_expire_task, kwargs={"attempt_id": attempt.pk}, countdown=max(0, countdown)
        )
    return attempt


def _own_attempt(*, user, attempt_id) -> QuizAttempt:
    attempt = (
        QuizAttempt.objects.select_related("enrollment")
        .filter(pk=attempt_id, enrollment__user_id=getattr(user, "pk", None))
        .first()
    )
    if attempt is None:
        raise LearningError("There is no such attempt.", "not_found")
    return attempt


def quiz_answer_save(*, user, attempt_id, question_id: str, option_ids: list[str]) -> QuizAttempt:
    """Save one answer of an open attempt (so a reload or a dropped connection loses nothing)."""
    attempt = _own_attempt(user=user, attempt_id=attempt_id)
    if attempt.is_open and overdue(attempt):
        quiz_attempt_expire(attempt_id=attempt.pk)
        raise LearningError("Time is up: your attempt was submitted with the answers saved so far.", "time_up")
    with transaction.atomic():
        attempt = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
        if not attempt.is_open:
            raise LearningError("This attempt has already been submitted.", "already_submitted")
        answer = _clean_answers(attempt.snapshot, {question_id: option_ids})
        attempt.answers = {**attempt.answers, **answer}
        attempt.save(update_fields=["answers"])
    return attempt


# The student's attempts at one quiz, oldest first: read on every submit, compiled once per
# process (core/prepared.py).
_attempts_read = Prepared(
    QuizAttempt,
    lambda enrollment_id, block_id: (
        QuizAttempt.objects.filter(enrollment_id=enrollment_id, block_id=block_id)
        .order_by("number")
        .values_list(*concrete_attnames(QuizAttempt))
    ),
    arity=2,
)


# What submitting writes to the attempt's row: `save(update_fields=…)` built once per process.
_attempt_submitted_save = PreparedUpdate(
    QuizAttempt,
    ("answers", "status", "submitted_at", "auto_submitted", "score_points", "max_points", "score_percent", "passed"),
)


def _finish(attempt: QuizAttempt, *, auto: bool) -> tuple[list, "LearningContext"]:
    """Grade and submit `attempt`, whose row and enrollment's the caller has locked (with the
    enrollment, its user and course, and the lesson loaded), and complete the quiz activity
    when it passed. Returns the student's attempts at this quiz (oldest first) and their
    learning context in the lesson, read under that lock: what the result needs."""
    score, total = _grade(attempt.snapshot, attempt.answers)
    attempt.status = QuizAttempt.Status.SUBMITTED
    attempt.submitted_at = timezone.now()
    attempt.auto_submitted = auto
    attempt.score_points = score
    attempt.max_points = total
    attempt.score_percent = round(score * 100 / total, 1) if total else 0.0
    attempt.passed = attempt.score_percent >= attempt.snapshot["passing_score"]
    _attempt_submitted_save.save(attempt)
    enrollment = attempt.enrollment
    attempts = [
        attempt if other.pk == attempt.pk else other
        for other in _attempts_read.instances(enrollment.pk, attempt.block_id)
    ]
    context = learning_context_for(
        user=enrollment.user, lesson=attempt.lesson, course=enrollment.course, enrollment=enrollment
    )
    if attempt.passed:
        best = max(
            other.score_percent
            for other in attempts
            if other.status == QuizAttempt.Status.SUBMITTED and other.score_percent is not None
        )
        try:
            activity_complete(context=context, block_id=attempt.block_id, score_percent=best, enrollment_locked=True)
        except LearningError:  # the block left the lesson or access closed: the grade stands
            pass
    return attempts, context


# The columns of the course and lesson pages that grading, completing and the reply read
# (access policy, course structure, the quiz block in the lesson body): the lock query loads
# these, not the ~45 of each page (a column left out would be read on first use, one query).
_COURSE_COLUMNS = ("path", "depth", "live", "title", "url_path", "owner", "pricing", "archived")
_LESSON_COLUMNS = ("path", "depth", "live", "title", "url_path", "body", "free_preview", "unlock_after_days")


def _columns(prefix: str, model) -> list[str]:
    return [f"{prefix}{field.name}" for field in model._meta.concrete_fields]


_LOCKED_ONLY = (
    _columns("", QuizAttempt)
    + _columns("enrollment__", Enrollment)
    + [f"enrollment__course__{name}" for name in _COURSE_COLUMNS]
    + [f"lesson__{name}" for name in _LESSON_COLUMNS]
)


def _locked_attempts(*, user: bool = False):
    """One query finds the attempt and locks its row and its enrollment's (which serialises
    this student's starts, submits and completions), with what grading and completing read.
    `user`: the caller has the attempt's user (it filters on it), so the enrollment's user is
    not joined."""
    queryset = QuizAttempt.objects.select_for_update(of=("self", "enrollment")).select_related(
        "enrollment__course", "lesson"
    )
    if not user:
        user_columns = _columns("enrollment__user__", Enrollment._meta.get_field("user").related_model)
        return queryset.select_related("enrollment__user").only(*_LOCKED_ONLY, *user_columns)
    return queryset.only(*_LOCKED_ONLY)


# The submit's locking read of the user's attempt (of quiz `block_id`, or any), compiled once
# per process (core/prepared.py): by primary key, so no ORDER BY or LIMIT (at most one row).
_own_attempt_of_quiz = Prepared(
    QuizAttempt,
    lambda attempt_id, user_id, block_id: (
        _locked_attempts(user=True).filter(pk=attempt_id, enrollment__user_id=user_id, block_id=block_id).order_by()
    ),
    arity=3,
)
_own_attempt_of_any_quiz = Prepared(
    QuizAttempt,
    lambda attempt_id, user_id: (
        _locked_attempts(user=True).filter(pk=attempt_id, enrollment__user_id=user_id).order_by()
    ),
    arity=2,
)


def _own_locked_attempt(*, user, attempt_id, block_id: str | None) -> QuizAttempt | None:
    """The user's attempt `attempt_id` (of quiz `block_id` when given), its row and its
    enrollment's locked; the enrollment's user is `user` itself."""
    try:
        attempt_id = int(attempt_id)
    except (TypeError, ValueError):
        return None
    if block_id is None:
        found = _own_attempt_of_any_quiz.objects(attempt_id, user.pk)
    else:
        found = _own_attempt_of_quiz.objects(attempt_id, user.pk, str(block_id))
    attempt = found[0] if found else None
    if attempt is not None:
        attempt.enrollment.user = user
    return attempt


@dataclass
class Submitted:
    """A submitted attempt and whether its result may show the feedback (quiz_get's rule)."""

    attempt: QuizAttempt
    with_feedback: bool


def quiz_submit(*, user, attempt_id, answers: dict | None = None, block_id: str | None = None) -> Submitted:
    """Submit an attempt with its final answers (merged over those saved), grade it, and
    complete the quiz activity when it passes. After the deadline (plus grace) the posted
    answers are ignored and the attempt is submitted with what was saved in time. The attempt
    must be the user's own (and of quiz `block_id`, when given): LearningError('not_found').

    The feedback rule is then decided as `quiz_get` would, from what the submit read under
    its lock: the access policy refuses (after the grade is saved) a student no longer let
    into the lesson, and the settings are those of the quiz block as published now."""
    with transaction.atomic():
        attempt = None
        if getattr(user, "pk", None) is not None:
            attempt = _own_locked_attempt(user=user, attempt_id=attempt_id, block_id=block_id)
        if attempt is None:
            raise LearningError("There is no such attempt.", "not_found")
        if not attempt.is_open:
            raise LearningError("This attempt has already been submitted.", "already_submitted")
        if overdue(attempt):
            attempts, context = _finish(attempt, auto=True)
        else:
            if answers:
                attempt.answers = {**attempt.answers, **_clean_answers(attempt.snapshot, answers)}
            attempts, context = _finish(attempt, auto=False)
    activity = activity_in_lesson(
        lesson=attempt.lesson, course=context.course, block_id=attempt.block_id, block_type="quiz"
    )
    if activity is None:  # the block moved or left: ask the long way
        return Submitted(attempt, quiz_get(user=user, block_id=attempt.block_id).feedback_allowed)
    context.learner(NOT_ENROLLED)
    state = quiz_state_for(activity=activity, enrollment=context.enrollment, attempts=attempts)
    return Submitted(attempt, state.feedback_allowed)


def quiz_attempt_submit(*, user, attempt_id, answers: dict | None = None, block_id: str | None = None) -> QuizAttempt:
    """`quiz_submit` → the submitted attempt."""
    return quiz_submit(user=user, attempt_id=attempt_id, answers=answers, block_id=block_id).attempt


def quiz_attempt_expire(*, attempt_id) -> QuizAttempt | None:
    """Submit an open attempt whose deadline (plus grace) has passed; otherwise do nothing.
    Safe to run twice and at any time."""
    with transaction.atomic():
        attempt = _locked_attempts().filter(pk=attempt_id).first()
        if attempt is None or not attempt.is_open or not overdue(attempt):
            return attempt
        _finish(attempt, auto=True)
        return attempt


def quiz_attempts_expire_overdue() -> int:
    """Submit every overdue open attempt (the periodic sweep); returns how many."""
    cutoff = timezone.now() - _grace()
    ids = list(
        QuizAttempt.objects.filter(status=QuizAttempt.Status.IN_PROGRESS, deadline__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for attempt_id in ids:
        quiz_attempt_expire(attempt_id=attempt_id)
    return len(ids)


# ---------------------------------------------------------------- results


def attempt_result(attempt: QuizAttempt, *, with_feedback: bool) -> dict:
    """The result of a submitted attempt; right answers and feedback only when allowed."""
    result = {
        "attempt_id": attempt.pk,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "submitted_at": attempt.submitted_at,
        "auto_submitted": attempt.auto_submitted,
        "score": attempt.score_points,
        "max_score": attempt.max_points,
        "score_percent": attempt.score_percent,
        "passed": attempt.passed,
        "feedback_shown": with_feedback and not attempt.is_open,
        "questions": [],
    }
    if not result["feedback_shown"]:
        return result
    for question in attempt.snapshot["questions"]:
        selected = attempt.answers.get(question["id"], [])
        correct_ids = [o["id"] for o in question["options"] if o["is_correct"]]
        result["questions"].append(
            {
                "id": question["id"],
                "text": question["text"],
                "points": question["points"],
                "correct": set(selected) == set(correct_ids),
                "selected": selected,
                "correct_option_ids": correct_ids,
                "explanation": question["explanation"],
                "options": [
                    {
                        "id": o["id"],
                        "text": o["text"],
                        "is_correct": o["is_correct"],
                        "selected": o["id"] in selected,
                        "feedback": o["feedback"],
                    }
                    for o in question["options"]
                ],
            }
        )
    return result
