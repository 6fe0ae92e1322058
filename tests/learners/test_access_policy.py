"""learners.access: every lock reason, free previews, staff, drip in the student's timezone."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from coursepages.models import CourseInstructor, CoursePage
from learners.access import (
    LockReason,
    course_access_for,
    drip_available_at,
    learning_context_for,
    lesson_access,
    user_is_course_staff,
)
from learners.enrollment.services import enrollment_create, enrollment_revoke, lesson_complete
from learners.models import Enrollment, LessonProgress
from payments.models import Plan, Subscription
from tests.factories import lessons_of, make_course, make_user, text_lesson

pytestmark = pytest.mark.django_db


def _subscribe(user, *, days=30):
    plan, _ = Plan.objects.get_or_create(slug="monthly", defaults={"name": "Monthly", "price_cents": 19900})
    return Subscription.objects.create(
        user=user,
        plan=plan,
        status=Subscription.Status.ACTIVE,
        current_period_end=timezone.now() + timedelta(days=days),
    )


def test_not_enrolled_in_a_free_course(student, free_course):
    access = lesson_access(user=student, lesson=lessons_of(free_course)[0])
    assert (access.allowed, access.reason) == (False, LockReason.NOT_ENROLLED)
    assert "Enroll" in access.message


def test_not_paid_for_a_one_time_course(student):
    course = make_course(pricing="one_time", price_cents=49900)
    access = lesson_access(user=student, lesson=lessons_of(course)[0])
    assert (access.allowed, access.reason) == (False, LockReason.NOT_PAID)


def test_subscription_course_without_and_with_a_subscription(student):
    course = make_course(pricing="subscription")
    lesson = lessons_of(course)[0]
    assert lesson_access(user=student, lesson=lesson).reason == LockReason.SUBSCRIPTION_INACTIVE
    subscription = _subscribe(student)
    enrollment_create(user=student, course=course, source=Enrollment.Source.SUBSCRIPTION)
    assert lesson_access(user=student, lesson=lesson).allowed
    # The subscription lapses: the enrollment it granted no longer opens the course.
    Subscription.objects.filter(pk=subscription.pk).update(current_period_end=timezone.now() - timedelta(days=1))
    access = lesson_access(user=student, lesson=lesson)
    assert (access.allowed, access.reason) == (False, LockReason.SUBSCRIPTION_INACTIVE)


def test_revoked_enrollment_closes_the_course(student):
    course = make_course(pricing="one_time", price_cents=1000)
    enrollment_create(user=student, course=course, source=Enrollment.Source.PAYMENT)
    lesson = lessons_of(course)[0]
    assert lesson_access(user=student, lesson=lesson).allowed
    enrollment_revoke(user=student, course=course)
    assert lesson_access(user=student, lesson=lesson).reason == LockReason.NOT_PAID


def test_prerequisite_missing_until_it_is_completed(student):
    course = make_course(sections=[("S", [text_lesson("Basics"), text_lesson("Advanced")])])
    basics, advanced = lessons_of(course)
    advanced.prerequisites.set([basics])
    advanced.save()
    enrollment_create(user=student, course=course)
    access = lesson_access(user=student, lesson=advanced)
    assert (access.allowed, access.reason) == (False, LockReason.PREREQUISITE_MISSING)
    assert access.message == "Complete “Basics” first."
    assert access.missing_prerequisite_ids == (basics.pk,)
    lesson_complete(context=learning_context_for(user=student, lesson=basics))
    assert lesson_access(user=student, lesson=advanced).allowed


def test_a_draft_prerequisite_does_not_lock_a_lesson(student):
    course = make_course(sections=[("S", [text_lesson("Draft"), text_lesson("Real")])])
    draft, real = lessons_of(course)
    real.prerequisites.set([draft])
    real.save()
    draft.unpublish()
    enrollment_create(user=student, course=course)
    assert lesson_access(user=student, lesson=real).allowed


def test_free_preview_is_open_to_everyone_even_anonymous(student, rf):
    from django.contrib.auth.models import AnonymousUser

    course = make_course(
        pricing="one_time",
        price_cents=1000,
        sections=[("S", [text_lesson("Preview", free_preview=True), text_lesson("Paid")])],
    )
    preview, paid = lessons_of(course)
    assert lesson_access(user=AnonymousUser(), lesson=preview).allowed
    assert lesson_access(user=student, lesson=preview).allowed
    assert lesson_access(user=AnonymousUser(), lesson=paid).reason == LockReason.NOT_PAID


def test_staff_and_the_courses_instructors_see_everything(instructor, other_instructor, admin_user):
    course = make_course(
        instructor=instructor,
        pricing="one_time",
        price_cents=1000,
        sections=[("S", [text_lesson("A"), text_lesson("B", unlock_after_days=30)])],
    )
    co_teacher = make_user(role="instructor")
    CourseInstructor.objects.create(page=course, user=co_teacher)
    moderator = make_user(role="admin")
    for user in (instructor, co_teacher, admin_user, moderator):
        assert user_is_course_staff(user=user, course=course)
        assert all(lesson_access(user=user, lesson=lesson).allowed for lesson in lessons_of(course))
    assert not user_is_course_staff(user=other_instructor, course=course)
    assert lesson_access(user=other_instructor, lesson=lessons_of(course)[0]).reason == LockReason.NOT_PAID


def test_drip_counts_calendar_days_in_the_students_timezone():
    enrolled = datetime(2026, 1, 10, 22, 30, tzinfo=UTC)  # already 11 January in Johannesburg
    from zoneinfo import ZoneInfo

    johannesburg = drip_available_at(enrolled_at=enrolled, days=1, tzinfo=ZoneInfo("Africa/Johannesburg"))
    new_york = drip_available_at(enrolled_at=enrolled, days=1, tzinfo=ZoneInfo("America/New_York"))
    assert johannesburg == datetime(2026, 1, 12, tzinfo=ZoneInfo("Africa/Johannesburg"))  # 11 Jan 22:00 UTC
    assert new_york == datetime(2026, 1, 11, tzinfo=ZoneInfo("America/New_York"))  # 11 Jan 05:00 UTC


@pytest.mark.parametrize(("tz", "open_at_noon_utc"), [("Africa/Johannesburg", False), ("America/New_York", True)])
def test_drip_lesson_opens_at_local_midnight(monkeypatch, tz, open_at_noon_utc):
    student = make_user(timezone=tz)
    course = make_course(sections=[("S", [text_lesson("Day one"), text_lesson("Day two", unlock_after_days=1)])])
    enrollment, _ = enrollment_create(user=student, course=course)
    Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=datetime(2026, 1, 10, 22, 30, tzinfo=UTC))
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 1, 11, 12, 0, tzinfo=UTC))
    access = lesson_access(user=student, lesson=lessons_of(course)[1])
    assert access.allowed is open_at_noon_utc
    if not open_at_noon_utc:
        assert access.reason == LockReason.NOT_YET_AVAILABLE
        assert access.message == "Opens on 12 January 2026."
        assert access.available_at == datetime(2026, 1, 11, 22, 0, tzinfo=UTC)


def test_course_access_decides_a_whole_outline_in_a_fixed_number_of_queries(student, django_assert_num_queries):
    course = make_course(lessons=30)
    enrollment_create(user=student, course=course)
    lessons = lessons_of(course)
    # Enrollment and completed lessons (a student is never staff; one query on PostgreSQL, two
    # elsewhere), plus the course's structure the first time: its pages, their prerequisites and
    # Wagtail's site root paths.
    reads = 1 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(3 + reads):
        access = course_access_for(user=student, course=course)
        assert all(access.lesson(lesson).allowed for lesson in lessons)
    course = CoursePage.objects.get(pk=course.pk)  # a new request: the structure comes from the cache
    with django_assert_num_queries(reads):
        access = course_access_for(user=student, course=course)
        assert all(access.lesson(lesson).allowed for lesson in lessons)


def test_the_enrollment_and_its_progress_rows_read_as_the_orm_reads_them(student, django_assert_num_queries):
    """On PostgreSQL the two come in one query (the rows as JSON beside the enrollment): the
    enrollment, every row's status and last access (microseconds, time zone, none) must be the
    ORM's. Elsewhere the same answer from two reads."""
    course = make_course(lessons=4)
    enrollment_create(user=student, course=course)
    lessons = lessons_of(course)
    lesson_complete(context=learning_context_for(user=student, lesson=lessons[0]))
    from learners.enrollment.services import lesson_visit

    lesson_visit(context=learning_context_for(user=student, lesson=lessons[2]))
    enrollment = Enrollment.objects.get(user=student, course=course)
    LessonProgress.objects.filter(enrollment=enrollment, lesson=lessons[2]).update(
        last_accessed_at=datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    )
    expected = {
        row.lesson_id: (row.status, row.last_accessed_at)
        for row in LessonProgress.objects.filter(enrollment=enrollment)
    }
    assert len(expected) == 2 and expected[lessons[2].pk][1] == datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    course = CoursePage.objects.get(pk=course.pk)
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        access = course_access_for(user=student, course=course)
    assert access.progress == expected
    assert access.enrollment == enrollment and access.enrollment.enrolled_at == enrollment.enrolled_at
    assert access.completed_lesson_ids == {lessons[0].pk}
    other = make_user(email="not-enrolled-reads@example.test")
    with django_assert_num_queries(1):  # not enrolled: one read, nothing else
        access = course_access_for(user=other, course=course)
    assert access.enrollment is None and access.progress == {}
