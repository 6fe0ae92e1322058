"""A read compiled once per process (core/prepared.py) must give what the ORM gives: the same
rows with the same Python types (aware datetimes on SQLite too), for each call's own parameter
values, counted and logged as a query."""

import pytest
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.prepared import Prepared, concrete_attnames
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from learners.models import Enrollment, LessonProgress
from tests.factories import lessons_of, make_course, make_user

pytestmark = pytest.mark.django_db

ENROLLMENT = Prepared(
    Enrollment,
    lambda user_id, course_id: Enrollment.objects.filter(user_id=user_id, course_id=course_id).values_list(
        *concrete_attnames(Enrollment)
    ),
    arity=2,
)
PROGRESS = Prepared(
    LessonProgress,
    lambda enrollment_id: (
        LessonProgress.objects.filter(enrollment_id=enrollment_id)
        .order_by("lesson_id")
        .values_list("lesson_id", "status", "last_accessed_at")
    ),
    arity=1,
)


def test_rows_and_instances_are_the_orms(instructor):
    course = make_course(instructor=instructor, lessons=3)
    lessons = lessons_of(course)
    students = [make_user(), make_user()]
    for student in students:
        enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=students[0], lesson=lessons[1]))
    LessonProgress.objects.update(last_accessed_at=timezone.now())
    for student in students:  # each call runs with its own values
        orm = Enrollment.objects.get(user=student, course_id=course.pk)
        with CaptureQueriesContext(connection) as queries:
            [prepared] = ENROLLMENT.instances(student.pk, course.pk)
        assert len(queries) == 1
        assert prepared.pk == orm.pk and prepared.user_id == student.pk
        assert prepared.enrolled_at == orm.enrolled_at and prepared.enrolled_at.tzinfo is not None
        assert not prepared._state.adding and prepared._state.db == orm._state.db
        expected = list(
            LessonProgress.objects.filter(enrollment=orm)
            .order_by("lesson_id")
            .values_list("lesson_id", "status", "last_accessed_at")
        )
        assert PROGRESS.rows(orm.pk) == expected
    assert PROGRESS.rows(Enrollment.objects.get(user=students[0]).pk)[0][2].tzinfo is not None
    assert ENROLLMENT.instances(students[0].pk, course.pk + 1000) == []


WITH_COUNT = Prepared(
    Enrollment,
    lambda user_id: (
        Enrollment.objects.filter(user_id=user_id)
        .order_by("pk")
        .values_list(*concrete_attnames(Enrollment), Count("lesson_progress"), F("course__title"))
    ),
    arity=1,
)


def test_instances_with_further_columns_are_the_orms(instructor):
    student = make_user()
    courses = [make_course(instructor=instructor, lessons=2, title=f"Extra {n}") for n in range(2)]
    for course in courses:
        enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=student, lesson=lessons_of(courses[1])[0]))
    found = WITH_COUNT.instances_and_extras(student.pk)
    orm = list(Enrollment.objects.filter(user=student).order_by("pk"))
    assert [instance for instance, _extras in found] == orm
    assert [extras for _instance, extras in found] == [(0, "Extra 0"), (1, "Extra 1")]
    assert all(instance.enrolled_at == row.enrolled_at for (instance, _), row in zip(found, orm, strict=True))
    assert WITH_COUNT.instances_and_extras(student.pk + 1000) == []


def test_wrong_calls_are_refused():
    with pytest.raises(TypeError):
        PROGRESS.rows()
    ignored = Prepared(LessonProgress, lambda enrollment_id: LessonProgress.objects.values_list("pk"), arity=1)
    with pytest.raises(ValueError, match="must reach its SQL"):
        ignored.rows(1)


def test_the_session_users_read_is_the_orms():
    from accounts.models import User

    user = make_user(email="prepared@example.test")
    with CaptureQueriesContext(connection) as queries:
        fast = User.objects.get(pk=user.pk)
    assert len(queries) == 1 and "LIMIT" not in queries[0]["sql"].upper()  # the prepared read, not Django's get()
    slow = User.objects.filter(email="prepared@example.test").get()
    assert {f.attname: getattr(fast, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(slow, f.attname) for f in User._meta.concrete_fields
    }
    assert fast.last_login == slow.last_login and fast.date_joined.tzinfo is not None
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=user.pk + 10_000)
    assert User.objects.get(pk=str(user.pk)) == user  # other lookups: Django's own get()


def test_a_string_parameter_reaches_the_sql_as_the_callers_value(instructor):
    """A string column's marker reaches the SQL as its text; each call's own string is used."""
    from learners.models import BlockCompletion

    by_block = Prepared(
        BlockCompletion,
        lambda enrollment_id, block_id: BlockCompletion.objects.filter(
            enrollment_id=enrollment_id, block_id=block_id
        ).values_list("block_type", flat=True),
        arity=2,
    )
    course = make_course(instructor=instructor, lessons=1)
    enrollment, _ = enrollment_create(user=make_user(), course=course)
    lesson = lessons_of(course)[0]
    for block_id, block_type in (("b-1", "quiz"), ("b-2", "video")):
        BlockCompletion.objects.create(enrollment=enrollment, lesson=lesson, block_id=block_id, block_type=block_type)
    assert by_block.rows(enrollment.pk, "b-2") == [("video",)]
    assert by_block.rows(enrollment.pk, "b-1") == [("quiz",)]
    assert by_block.rows(enrollment.pk, "b-3") == []


def test_objects_with_their_related_objects_are_the_orms(instructor):
    """A model queryset (select_related, only()) gives the instances Django's iterator gives."""
    course = make_course(instructor=instructor, lessons=1)
    student = make_user()
    enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=student, lesson=lessons_of(course)[0]))

    def build(enrollment_id):
        return (
            LessonProgress.objects.select_related("enrollment__course", "lesson")
            .only("status", "completed_at", "enrollment__user", "enrollment__course__title", "lesson__title")
            .filter(enrollment_id=enrollment_id)
            .order_by()
        )

    progress = Prepared(LessonProgress, build, arity=1)
    enrollment = Enrollment.objects.get(user=student)
    [orm] = build(enrollment.pk)
    with CaptureQueriesContext(connection) as queries:
        [fast] = progress.objects(enrollment.pk)
        assert (fast.pk, fast.status, fast.completed_at) == (orm.pk, orm.status, orm.completed_at)
        assert fast.completed_at.tzinfo is not None
        assert fast.enrollment.user_id == student.pk and fast.enrollment.course.title == course.title
        assert fast.lesson.title == orm.lesson.title and fast.get_deferred_fields() == orm.get_deferred_fields()
    assert len(queries) == 1
    assert progress.objects(enrollment.pk + 1000) == []


def test_a_uuid_parameter_is_passed_as_the_orm_passes_it():
    """A UUID column (native on PostgreSQL, 32 hex digits on SQLite): the caller's UUID, or its
    text, finds the row the ORM finds; a model with a DecimalField converts as the ORM does."""
    import uuid
    from decimal import Decimal

    from payments.models import Order

    by_reference = Prepared(
        Order, lambda reference: Order.objects.filter(reference=reference).order_by(), arity=1, kinds=(uuid.UUID,)
    )
    buyer = make_user()
    orders = [Order.objects.create(user=buyer, gateway="paystack", vat_rate=Decimal("0.15")) for _ in range(2)]
    for order in orders:
        orm = Order.objects.get(reference=order.reference)
        with CaptureQueriesContext(connection) as queries:
            [fast] = by_reference.objects(order.reference)
        assert len(queries) == 1
        assert {f.attname: getattr(fast, f.attname) for f in Order._meta.concrete_fields} == {
            f.attname: getattr(orm, f.attname) for f in Order._meta.concrete_fields
        }
        assert [found.pk for found in by_reference.objects(str(order.reference))] == [order.pk]
    assert by_reference.objects(uuid.uuid4()) == []
    with pytest.raises(ValueError):
        by_reference.objects("not a uuid")
