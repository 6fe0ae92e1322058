"""Course builders shared by the quiz and assignment tests."""

from learners.enrollment.services import enrollment_create
from tests.factories import make_course


def quiz_value(**overrides) -> dict:
    value = {
        "title": "Numbers quiz",
        "description": "Two questions.",
        "passing_score": 70,
        "max_attempts": 2,
        "time_limit_minutes": 0,
        "shuffle_questions": False,
        "shuffle_options": False,
        "feedback_mode": "immediate",
        "questions": [
            {
                "text": "What is 2 + 2?",
                "kind": "single",
                "points": 1,
                "explanation": "Count on your fingers.",
                "options": [
                    {"text": "4", "is_correct": True, "feedback": "Yes, four."},
                    {"text": "5", "is_correct": False, "feedback": "One too many."},
                ],
            },
            {
                "text": "Which are even?",
                "kind": "multiple",
                "points": 2,
                "explanation": "Divisible by two.",
                "options": [
                    {"text": "2", "is_correct": True, "feedback": ""},
                    {"text": "3", "is_correct": False, "feedback": "Three is odd."},
                    {"text": "8", "is_correct": True, "feedback": ""},
                ],
            },
        ],
    }
    value.update(overrides)
    return value


def assignment_value(**overrides) -> dict:
    value = {
        "title": "Price calculator",
        "instructions": "<p>Write the function.</p>",
        "rubric": [
            {"title": "Correct", "description": "", "points": 6},
            {"title": "Readable", "description": "", "points": 4},
        ],
        "max_score": 10,
        "allow_text": True,
        "accepted_file_types": ["pdf", "py", "png"],
        "max_files": 2,
        "max_file_size_mb": 1,
        "allow_resubmission": False,
        "due_days_after_enrollment": 7,
        "completion": "submitted",
        "pass_mark": 50,
    }
    value.update(overrides)
    return value


def course_with(block_type: str, value: dict, *, instructor=None, student=None):
    """A course with one lesson holding one block; returns (course, lesson, block id)."""
    course = make_course(instructor=instructor, sections=[("S", [(f"{block_type} lesson", [(block_type, value)], {})])])
    lesson = course.lessons().get()
    block_id = lesson.body[0].id
    if student is not None:
        enrollment_create(user=student, course=course)
    return course, lesson, block_id


def questions_of(lesson) -> list:
    """[(question id, [option ids], [correct option ids])] from the stored body."""
    out = []
    quiz = lesson.body[0].value
    for question in quiz["questions"].bound_blocks:
        options = question.value["options"].bound_blocks
        out.append((question.id, [o.id for o in options], [o.id for o in options if o.value["is_correct"]]))
    return out


def ensure_site_tree():
    """Transactional tests (threads, live browser) run after other transactional tests have
    flushed the database, which removes the page tree and group permissions that the
    migrations created: put back what these tests need (Home → Courses, a default site,
    the Instructors' admin access)."""
    from django.conf import settings
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import Locale, Page, Site

    from accounts.roles import INSTRUCTORS_GROUP
    from coursepages.models import CourseIndexPage, HomePage

    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin"))
    if CourseIndexPage.objects.exists():
        return
    locale = Locale.objects.first() or Locale.objects.create(language_code=settings.LANGUAGE_CODE[:2])
    root = Page.objects.filter(depth=1).first() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    home = root.add_child(instance=HomePage(title="Home", slug="home", locale=locale))
    home.add_child(instance=CourseIndexPage(title="Courses", slug="courses", locale=locale))
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
