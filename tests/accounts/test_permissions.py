"""The one staff policy: every "may this staff member…" predicate, as a table over the people
who can ask (accounts.permissions and each app's permissions.py)."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from accounts.models import User
from accounts.permissions import (
    is_moderator,
    is_platform_admin,
    is_superuser,
    is_teaching_staff,
    moderator_users,
    platform_admin_users,
    teaching_staff_users,
)
from accounts.roles import MODERATORS_GROUP
from certificates.models import Certificate
from certificates.permissions import certificate_may_download, user_may_change_certificates
from coursepages.models import CourseInstructor
from coursepages.permissions import courses_owned_or_instructed_by, courses_staffed_by, user_is_course_staff
from learners.permissions import user_may_grade, user_may_view_teaching_records
from live.models import LiveSession
from live.permissions import (
    session_may_cancel,
    session_may_decide,
    session_may_open,
    user_may_cancel_after_cutoff,
    user_may_teach_live,
    user_sees_all_sessions,
)
from messaging.permissions import user_may_moderate_conversations
from payments.models import Order
from payments.permissions import (
    payout_deciders,
    user_has_earnings,
    user_may_decide_payouts,
    user_may_open_order,
    user_may_refund,
)
from tests.factories import make_course, make_user

# student, the course's instructor (its owner), a co-instructor listed on it, an instructor of
# another course, a moderator (an instructor in the Moderators group), a student someone put in
# the Moderators group by hand, an admin (role admin: the Moderators group comes with it), a
# superuser whose role is student, an admin who was deactivated, and nobody signed in.
PEOPLE = (
    "student",
    "instructor",
    "co_instructor",
    "other_instructor",
    "moderator",
    "student_in_moderators",
    "admin",
    "superuser",
    "inactive_admin",
    "anonymous",
)


def _only(*names):
    return {name: name in names for name in PEOPLE}


TEACHING = ("instructor", "co_instructor", "other_instructor", "moderator", "admin", "superuser")
COURSE_STAFF = ("instructor", "co_instructor", "moderator", "admin", "superuser")
ADMINS = ("admin", "superuser")


@pytest.fixture
def world(db):
    student = make_user()
    instructor = make_user(role=User.Role.INSTRUCTOR)
    course = make_course(instructor=instructor)
    co_instructor = make_user(role=User.Role.INSTRUCTOR)
    CourseInstructor.objects.create(page=course, user=co_instructor)
    other_instructor = make_user(role=User.Role.INSTRUCTOR)
    other_course = make_course(instructor=other_instructor)
    moderators = Group.objects.get(name=MODERATORS_GROUP)
    moderator = make_user(role=User.Role.INSTRUCTOR)
    moderator.groups.add(moderators)
    student_in_moderators = make_user()
    student_in_moderators.groups.add(moderators)
    admin = make_user(role=User.Role.ADMIN)
    superuser = make_user(is_superuser=True, is_staff=True)
    inactive_admin = make_user(role=User.Role.ADMIN)
    User.objects.filter(pk=inactive_admin.pk).update(is_active=False)
    inactive_admin.refresh_from_db()
    people = {
        "student": student,
        "instructor": instructor,
        "co_instructor": co_instructor,
        "other_instructor": other_instructor,
        "moderator": moderator,
        "student_in_moderators": student_in_moderators,
        "admin": admin,
        "superuser": superuser,
        "inactive_admin": inactive_admin,
        "anonymous": AnonymousUser(),
    }
    # Fresh objects: no permission or group caches carried over from the setup.
    people = {name: User.objects.get(pk=user.pk) if user.pk else user for name, user in people.items()}
    return {"people": people, "course": course, "other_course": other_course}


def _check(world, expected: dict, predicate):
    answers = {name: bool(predicate(user)) for name, user in world["people"].items()}
    assert answers == expected


def test_platform_wide_predicates(world):
    _check(world, _only(*ADMINS), is_platform_admin)
    _check(world, _only("superuser"), is_superuser)
    _check(world, _only(*TEACHING), is_teaching_staff)
    _check(world, _only("moderator", *ADMINS), is_moderator)
    # The querysets list exactly the people each predicate is True for.
    everyone = {user.pk: name for name, user in world["people"].items() if user.pk}
    for users, predicate in (
        (platform_admin_users(), is_platform_admin),
        (moderator_users(), is_moderator),
        (teaching_staff_users(), is_teaching_staff),
    ):
        listed = {everyone[pk] for pk in users.values_list("pk", flat=True) if pk in everyone}
        assert listed == {name for name, user in world["people"].items() if user.pk and predicate(user)}


def test_course_staff_and_the_courses_each_person_staffs(world):
    course, other_course = world["course"], world["other_course"]
    _check(world, _only(*COURSE_STAFF), lambda user: user_is_course_staff(user=user, course=course))
    # courses_staffed_by agrees with user_is_course_staff, course by course.
    _check(world, _only(*COURSE_STAFF), lambda user: courses_staffed_by(user).filter(pk=course.pk).exists())
    _check(
        world,
        _only("other_instructor", "moderator", *ADMINS),
        lambda user: courses_staffed_by(user).filter(pk=other_course.pk).exists(),
    )
    # The authoring meaning: owner or listed, whatever the role; moderators and admins are not listed.
    _check(
        world,
        _only("instructor", "co_instructor"),
        lambda user: courses_owned_or_instructed_by(user).filter(pk=course.pk).exists(),
    )


def test_course_staff_costs_at_most_one_query(world, django_assert_num_queries):
    people, course = world["people"], world["course"]
    for name in ("anonymous", "student", "instructor", "admin", "superuser", "inactive_admin"):
        with django_assert_num_queries(0):
            user_is_course_staff(user=people[name], course=course)
    for name in ("co_instructor", "other_instructor", "moderator"):
        with django_assert_num_queries(1):
            user_is_course_staff(user=people[name], course=course)
    with django_assert_num_queries(0):
        courses_staffed_by(people["moderator"])  # lazy: read inside the caller's query


def test_grading_records_earnings_and_money(world):
    people, course = world["people"], world["course"]
    _check(world, _only(*TEACHING), user_may_grade)
    _check(world, _only(*TEACHING), user_may_view_teaching_records)
    _check(world, _only(*TEACHING), user_has_earnings)
    # Money permissions are Django permissions: payout decisions are the Moderators group's
    # (so the student put in that group by hand has it too); refunds only superusers hold.
    _check(world, _only("moderator", "student_in_moderators", *ADMINS), lambda user: user_may_decide_payouts(user=user))
    _check(world, _only("superuser"), user_may_refund)
    deciders = set(payout_deciders().values_list("pk", flat=True))
    assert {name for name, user in people.items() if user.pk in deciders} == {"moderator", "admin", "superuser"}
    order = Order(user=people["student"])
    _check(world, _only("student", "superuser"), lambda user: user_may_open_order(user=user, order=order))
    certificate = Certificate(user=people["student"], course=course)
    _check(
        world,
        _only("student", *COURSE_STAFF),
        lambda user: certificate_may_download(user=user, certificate=certificate),
    )
    _check(world, _only("superuser"), user_may_change_certificates)


def test_live_classes_and_moderating_messages(world):
    people = world["people"]
    session = LiveSession(course=world["course"], teacher=people["instructor"], student=people["student"])
    _check(world, _only(*TEACHING), user_may_teach_live)
    _check(world, _only(*ADMINS), user_sees_all_sessions)
    _check(world, _only("instructor", *ADMINS), lambda user: session_may_decide(user=user, session=session))
    _check(world, _only("instructor", "student", *ADMINS), lambda user: session_may_open(user=user, session=session))
    _check(world, _only("instructor", "student", *ADMINS), lambda user: session_may_cancel(user=user, session=session))
    _check(world, _only(*ADMINS), user_may_cancel_after_cutoff)
    _check(world, _only(*ADMINS), user_may_moderate_conversations)


@pytest.mark.django_db
def test_the_user_properties_agree_with_the_policy_for_every_combination():
    moderators = Group.objects.get(name=MODERATORS_GROUP)
    combinations = itertools.product((True, False), (True, False), User.Role.values, (True, False))
    for active, superuser, role, in_moderators in combinations:
        user = make_user(role=role, is_superuser=superuser)
        if in_moderators:
            user.groups.add(moderators)
        elif role == User.Role.ADMIN:
            user.groups.remove(moderators)
        User.objects.filter(pk=user.pk).update(is_active=active)
        user = User.objects.get(pk=user.pk)
        case = (active, superuser, role, in_moderators)
        assert user.is_platform_admin is is_platform_admin(user), case
        assert user.is_teaching_staff is is_teaching_staff(user), case
        assert is_platform_admin(user) is (active and (superuser or role == User.Role.ADMIN)), case
        assert is_teaching_staff(user) is (active and (superuser or role != User.Role.STUDENT)), case
