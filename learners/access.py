"""The access policy: the one place that answers "may this user open this lesson, and if
not, why" (DESIGN.md §3). Pages, the outline, file downloads and the API all ask it.

`course_access_for` loads everything one course needs in a fixed number of queries, so an
outline of 200 lessons costs what an outline of 10 does; `CourseAccess.lesson` then decides
for each lesson without touching the database.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.roles import MODERATORS_GROUP
from coursepages.models import CourseInstructor, CoursePage, LessonPage
from coursepages.structure import course_structure

from .models import Enrollment, LessonProgress


class LockReason:
    NOT_ENROLLED = "not_enrolled"
    NOT_PAID = "not_paid"
    SUBSCRIPTION_INACTIVE = "subscription_inactive"
    PREREQUISITE_MISSING = "prerequisite_missing"
    NOT_YET_AVAILABLE = "not_yet_available"


@dataclass(frozen=True)
class LessonAccess:
    allowed: bool
    reason: str = ""
    message: str = ""
    available_at: datetime | None = None
    missing_prerequisites: tuple[str, ...] = ()
    missing_prerequisite_ids: tuple[int, ...] = ()


OPEN = LessonAccess(allowed=True)


def user_is_course_staff(*, user, course: CoursePage) -> bool:
    """Admins, moderators and the course's own instructors see every lesson."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or getattr(user, "role", None) == "admin":
        return True
    if course.owner_id == user.pk:
        return True
    if getattr(user, "role", None) == "student":
        # Instructors and moderators get their role with their group; a student (or an
        # instructor demoted to student) is never a course's staff.
        return False
    # One query for both ways in: listed as the course's instructor, or a moderator.
    is_instructor = CourseInstructor.objects.filter(page_id=course.pk, user_id=OuterRef("pk"))
    is_moderator = user.groups.model.objects.filter(user=OuterRef("pk"), name=MODERATORS_GROUP)
    return get_user_model().objects.filter(pk=user.pk).filter(Exists(is_instructor) | Exists(is_moderator)).exists()


def drip_available_at(*, enrolled_at: datetime, days: int, tzinfo) -> datetime:
    """Midnight, in the student's timezone, `days` calendar days after the enrollment date."""
    local_day = timezone.localtime(enrolled_at, tzinfo).date() + timedelta(days=days)
    return datetime.combine(local_day, time.min, tzinfo=tzinfo)


@dataclass
class CourseAccess:
    user: object
    course: CoursePage
    enrollment: Enrollment | None
    is_staff: bool
    completed_lesson_ids: set[int] = field(default_factory=set)
    # lesson id → (status, last access) of each progress row of the enrollment
    progress: dict[int, tuple[str, datetime | None]] = field(default_factory=dict)
    prerequisites: dict[int, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    _subscription_active: bool | None = None

    @property
    def is_enrolled(self) -> bool:
        return bool(self.enrollment and self.enrollment.is_open)

    def subscription_active(self) -> bool:
        if self._subscription_active is None:
            from payments.selectors import subscription_active_for

            self._subscription_active = subscription_active_for(user=self.user) is not None
        return self._subscription_active

    def course_lock(self) -> LessonAccess | None:
        """Why the course as a whole is closed to this user (None when it is open)."""
        if self.is_staff:
            return None
        pricing = self.course.pricing
        if not self.is_enrolled:
            if pricing == CoursePage.Pricing.ONE_TIME:
                return LessonAccess(False, LockReason.NOT_PAID, "Buy this course to open its lessons.")
            if pricing == CoursePage.Pricing.SUBSCRIPTION and not self.subscription_active():
                return LessonAccess(
                    False,
                    LockReason.SUBSCRIPTION_INACTIVE,
                    "This course is included in a subscription; subscribe to open it.",
                )
            return LessonAccess(False, LockReason.NOT_ENROLLED, "Enroll in this course to open its lessons.")
        if (
            pricing == CoursePage.Pricing.SUBSCRIPTION
            and self.enrollment.source == Enrollment.Source.SUBSCRIPTION
            and not self.subscription_active()
        ):
            return LessonAccess(
                False, LockReason.SUBSCRIPTION_INACTIVE, "Your subscription has ended; renew it to continue."
            )
        return None

    def lesson(self, lesson: LessonPage) -> LessonAccess:
        if self.is_staff or lesson.free_preview:
            return OPEN
        lock = self.course_lock()
        if lock:
            return lock
        missing = [(pk, title) for pk, title in self.prerequisites.get(lesson.pk, [])
                   if pk not in self.completed_lesson_ids]
        if missing:
            return LessonAccess(
                False,
                LockReason.PREREQUISITE_MISSING,
                "Complete " + ", ".join(f"“{title}”" for _pk, title in missing) + " first.",
                missing_prerequisites=tuple(title for _pk, title in missing),
                missing_prerequisite_ids=tuple(pk for pk, _title in missing),
            )
        if lesson.unlock_after_days:
            available_at = drip_available_at(
                enrolled_at=self.enrollment.enrolled_at, days=lesson.unlock_after_days, tzinfo=self.user.tzinfo
            )
            if timezone.now() < available_at:
                local = timezone.localtime(available_at, self.user.tzinfo)
                return LessonAccess(
                    False,
                    LockReason.NOT_YET_AVAILABLE,
                    f"Opens on {local:%-d %B %Y}.",
                    available_at=available_at,
                )
        return OPEN


def course_access_for(*, user, course: CoursePage) -> CourseAccess:
    """Everything needed to decide access to each lesson of `course`: the enrollment, its progress
    rows and (for a user who is not a student) the staff check, a query each; prerequisites come
    with the course's cached structure."""
    enrollment = None
    completed: set[int] = set()
    progress: dict[int, tuple[str, datetime | None]] = {}
    if user.is_authenticated:
        enrollment = Enrollment.objects.filter(user=user, course_id=course.pk).first()
        if enrollment:
            progress = {lesson_id: (status, last) for lesson_id, status, last in LessonProgress.objects.filter(
                enrollment=enrollment).values_list("lesson_id", "status", "last_accessed_at")}
            completed = {pk for pk, (status, _last) in progress.items() if status == LessonProgress.Status.COMPLETED}
    return CourseAccess(
        user=user,
        course=course,
        enrollment=enrollment,
        is_staff=user_is_course_staff(user=user, course=course),
        completed_lesson_ids=completed,
        progress=progress,
        prerequisites=course_structure(course).prerequisites,
    )


def lesson_access(*, user, lesson: LessonPage, course: CoursePage | None = None) -> LessonAccess:
    """May `user` open `lesson`? The answer carries the reason when not."""
    course = course or lesson.course()
    return course_access_for(user=user, course=course).lesson(lesson)
