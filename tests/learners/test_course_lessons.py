"""One definition of a course's lessons (coursepages/structure.py): the live lessons of its
live sections. A lesson stays live when its section is unpublished, but it is no longer part
of the course: every figure (the progress service, the outline, the dashboard, the catalog
and API counts, the gradebook, the instructor tables, analytics and certificate hours) leaves
it out, as it leaves out an unpublished lesson, and a course whose remaining lessons are done
completes and issues its certificate.

Each course here has "One" (30 min) and "Two" (20 min) in section A and "Three" (40 min) in
section B; the student completes Three, then B (or Three alone) is withdrawn, then the student
completes One: 1 of 2 lessons, 50 %, 50 minutes, everywhere."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.models import Certificate
from certificates.services import _course_hours
from coursepages.models import CoursePage, LessonPage, SectionPage
from coursepages.page_cache import page_cache_invalidate
from coursepages.structure import course_lesson_ids, course_lessons, course_minutes, course_structures
from learners.access import course_access_for, learning_context_for
from learners.analytics.services import analytics_rollup_funnels
from learners.assessments.gradebook import gradebook_for
from learners.catalog import catalog_with_stats
from learners.enrollment.selectors import course_outline, course_students, dashboard_for, instructor_courses
from learners.enrollment.services import course_progress_for, enrollment_create, lesson_complete
from learners.models import Enrollment, LessonFunnel
from tests.api.test_learning_api import bearer
from tests.factories import lessons_of, make_course, text_lesson

pytestmark = pytest.mark.django_db

DONE = {"completed": 1, "total": 2, "percent": 50}


def _course(instructor, title="Pottery"):
    return make_course(
        title=title,
        instructor=instructor,
        sections=[
            ("A", [text_lesson("One", estimated_minutes=30), text_lesson("Two", estimated_minutes=20)]),
            ("B", [text_lesson("Three", estimated_minutes=40)]),
        ],
    )


def _withdraw(course, what: str) -> None:
    """Unpublish section B (its lesson stays live) or lesson Three alone."""
    if what == "section":
        section = SectionPage.objects.child_of(course).get(title="B")
        section.unpublish()
        assert LessonPage.objects.get(title="Three", path__startswith=course.path).live
    else:
        LessonPage.objects.get(title="Three", path__startswith=course.path).unpublish()


@pytest.fixture(params=["section", "lesson"])
def withdrawn(request):
    return request.param


@pytest.fixture
def half_done(withdrawn, instructor, student):
    """The student completed Three before it was withdrawn, then One: (course, enrollment)."""
    course = _course(instructor)
    one, two, three = lessons_of(course)
    enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=student, lesson=three))
    _withdraw(course, withdrawn)
    lesson_complete(context=learning_context_for(user=student, lesson=one))
    return CoursePage.objects.get(pk=course.pk), Enrollment.objects.get(user=student, course=course)


def _as_dict(progress) -> dict:
    return {"completed": progress.completed, "total": progress.total, "percent": progress.percent}


# --- the selector ---------------------------------------------------------------------------


def test_the_selector_is_the_live_lessons_of_live_sections(withdrawn, instructor):
    course = _course(instructor)
    one, two, three = lessons_of(course)
    assert course_lesson_ids(course) == (one.pk, two.pk, three.pk)
    _withdraw(course, withdrawn)
    course = CoursePage.objects.get(pk=course.pk)
    assert course_lesson_ids(course) == (one.pk, two.pk)
    assert [lesson.title for lesson in course_lessons(course)] == ["One", "Two"]
    assert course_minutes(course) == 50
    assert list(course.lessons()) == [one, two]  # the page-level view of the same lessons


def test_a_withdrawn_prerequisite_does_not_lock(withdrawn, instructor, student):
    course = _course(instructor)
    one, _two, three = lessons_of(course)
    one.prerequisites.set([three])
    one.save_revision().publish()
    enrollment_create(user=student, course=course)
    assert not course_access_for(user=student, course=course).lesson(one).allowed
    _withdraw(course, withdrawn)
    assert course_access_for(user=student, course=CoursePage.objects.get(pk=course.pk)).lesson(one).allowed


# --- each consumer ----------------------------------------------------------------------------


def test_course_progress_service(half_done):
    course, enrollment = half_done
    assert _as_dict(course_progress_for(enrollment=enrollment)) == DONE
    assert enrollment.status == Enrollment.Status.ACTIVE


def test_outline_and_course_page(half_done, student, client):
    course, _enrollment = half_done
    outline = course_outline(access=course_access_for(user=student, course=course))
    assert [item.lesson.title for item in outline.lessons] == ["One", "Two"]
    assert [section.section.title for section in outline.sections] == ["A"]
    assert _as_dict(outline.progress) == DONE
    client.force_login(student)
    response = client.get(course.url)
    assert "1 of 2 lessons done" in response.content.decode()
    assert response.context["total_minutes"] == 50


def test_student_dashboard(half_done, student, client):
    assert _as_dict(dashboard_for(user=student)["in_progress"][0].progress) == DONE
    client.force_login(student)
    assert "50% · 1 of 2 lessons" in client.get("/dashboard/").content.decode()


def test_catalog_card_and_api_courses_list(half_done, client):
    course, _enrollment = half_done
    assert catalog_with_stats().get(pk=course.pk).lesson_count == 2
    assert "2 lessons" in client.get("/courses/").content.decode()
    listed = client.get("/api/v1/courses/").json()["results"]
    assert [c["lesson_count"] for c in listed if c["id"] == course.pk] == [2]


def test_api_course_detail_sections_and_lesson_completion(half_done, student, client):
    course, _enrollment = half_done
    headers = bearer(student)
    detail = client.get(f"/api/v1/courses/{course.pk}/", **headers).json()
    assert (detail["lesson_count"], detail["progress"]) == (2, DONE)
    sections = client.get(f"/api/v1/courses/{course.pk}/sections/", **headers).json()
    assert [[(lesson["title"], lesson["is_completed"]) for lesson in s["lessons"]] for s in sections] == [
        [("One", True), ("Two", False)]
    ]
    one, two = lessons_of(course)[:2]
    assert client.get(f"/api/v1/lessons/{one.pk}/", **headers).json()["next_lesson_id"] == two.pk
    completed = client.post(f"/api/v1/lessons/{two.pk}/complete/", **headers).json()
    assert completed["course_progress"] == {"completed": 2, "total": 2, "percent": 100}
    assert completed["course_completed"] is True


def test_gradebook(half_done):
    course, _enrollment = half_done
    _columns, rows = gradebook_for(course=course)
    assert [row.completion_percent for row in rows] == [50]


def test_instructor_tables_and_api(half_done, instructor, client):
    course, _enrollment = half_done
    assert [c.lesson_count for c in instructor_courses(user=instructor) if c.pk == course.pk] == [2]
    _activities, rows = course_students(course=course)
    assert [_as_dict(row.progress) for row in rows] == [DONE]
    headers = bearer(instructor)
    courses = client.get("/api/v1/instructor/courses/", **headers).json()["results"]
    assert [c["lesson_count"] for c in courses if c["id"] == course.pk] == [2]
    students = client.get(f"/api/v1/instructor/students/?course={course.pk}", **headers).json()["results"]
    assert [row["progress"] for row in students] == [DONE]
    client.force_login(instructor)
    assert "50% (1/2)" in client.get(f"/instructor/courses/{course.pk}/students/").content.decode()


def test_analytics_funnel(half_done):
    course, _enrollment = half_done
    analytics_rollup_funnels()
    funnel = list(
        LessonFunnel.objects.filter(course=course)
        .order_by("position")
        .values_list("lesson__title", "started", "completed")
    )
    assert funnel == [("One", 1, 1), ("Two", 0, 0)]


def test_certificate_hours(half_done):
    course, _enrollment = half_done
    assert _course_hours(course) == Decimal("0.8")  # 50 minutes, not 90


# --- end to end -------------------------------------------------------------------------------


def test_a_course_with_a_withdrawn_part_completes_and_issues_its_certificate(
    withdrawn, instructor, student, client, django_capture_on_commit_callbacks
):
    course = _course(instructor, title="Glazing")
    one, two, three = lessons_of(course)
    enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=student, lesson=three))
    _withdraw(course, withdrawn)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_complete(context=learning_context_for(user=student, lesson=one))
        lesson_complete(context=learning_context_for(user=student, lesson=two))
    enrollment = Enrollment.objects.get(user=student, course=course)
    assert enrollment.status == Enrollment.Status.COMPLETED and enrollment.completed_at
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert (certificate.course_title, certificate.hours) == ("Glazing", Decimal("0.8"))

    # Its figures agree everywhere.
    course = CoursePage.objects.get(pk=course.pk)
    full = {"completed": 2, "total": 2, "percent": 100}
    assert _as_dict(course_progress_for(enrollment=enrollment)) == full
    assert _as_dict(course_outline(access=course_access_for(user=student, course=course)).progress) == full
    assert _as_dict(dashboard_for(user=student)["completed"][0].progress) == full
    assert [row.completion_percent for row in gradebook_for(course=course)[1]] == [100]
    assert [_as_dict(row.progress) for row in course_students(course=course)[1]] == [full]
    assert catalog_with_stats().get(pk=course.pk).lesson_count == 2
    assert client.get(f"/api/v1/courses/{course.pk}/", **bearer(student)).json()["progress"] == full
    students = client.get(f"/api/v1/instructor/students/?course={course.pk}", **bearer(instructor)).json()
    assert [row["progress"] for row in students["results"]] == [full]


# --- cost -------------------------------------------------------------------------------------


def _dashboard_queries(student, instructor, courses: int) -> tuple[int, int]:
    """Queries of the dashboard selector for a student of `courses` courses: with the
    structures stale (a page changed), then cached."""
    for n in range(courses):
        course = _course(instructor, title=f"Course {n}")
        enrollment_create(user=student, course=course)
        lesson_complete(context=learning_context_for(user=student, lesson=lessons_of(course)[0]))
    page_cache_invalidate()
    with CaptureQueriesContext(connection) as cold:
        in_progress = dashboard_for(user=student)["in_progress"]
    with CaptureQueriesContext(connection) as warm:
        dashboard_for(user=student)
    assert [_as_dict(e.progress) for e in in_progress] == [{"completed": 1, "total": 3, "percent": 33}] * courses
    return len(cold), len(warm)


def test_dashboard_queries_do_not_grow_with_the_number_of_courses(instructor):
    from tests.factories import make_user

    small = _dashboard_queries(make_user(), instructor, 2)
    large = _dashboard_queries(make_user(), instructor, 6)
    # the enrollments with their courses and the completed lessons; the stale structures
    # are built together in two more queries
    assert small == large == (4, 2)


def test_many_structures_are_read_together_and_built_together(instructor):
    courses = [_course(instructor, title=f"Course {n}") for n in range(5)]
    assert all(course.url for course in courses)  # Wagtail's site root paths, read once per process
    with CaptureQueriesContext(connection) as built:
        structures = course_structures(courses)
    assert len(built) == 2  # sections and lessons of all of them, their prerequisites
    with CaptureQueriesContext(connection) as cached:
        assert course_structures(courses) == structures
    assert len(cached) == 0
    assert [len(structures[course.pk].lesson_ids) for course in courses] == [3] * 5
