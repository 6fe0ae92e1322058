"""Builders for test data: users with roles, and whole course trees."""

import itertools

from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.services import user_set_role
from blocks.raw import lesson_body
from coursepages.models import CourseIndexPage, CourseInstructor, CoursePage, LessonPage, SectionPage

_counter = itertools.count(1)


def make_user(
    *, role: str = User.Role.STUDENT, email: str | None = None, password: str = "pw-for-tests-1", **fields
) -> User:
    email = email or f"user{next(_counter)}@example.test"
    user = User.objects.create_user(email=email, password=password, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if role != User.Role.STUDENT:
        user_set_role(user=user, role=role)
    return user


def text_lesson(title: str, **extra) -> tuple[str, list, dict]:
    return (title, [("rich_text", f"<p>{title} text.</p>")], extra)


def quiz_block(*, explanation: str = "", right_feedback: str = "", wrong_feedback: str = "") -> tuple[str, dict]:
    """A quiz block for a lesson body: one single-choice question, "2+2?" (4 is right, 5 wrong),
    passed at 50%, unlimited attempts, immediate feedback."""
    return (
        "quiz",
        {
            "title": "Check",
            "questions": [
                {
                    "text": "2+2?",
                    "kind": "single",
                    "points": 1,
                    "explanation": explanation,
                    "options": [
                        {"text": "4", "is_correct": True, "feedback": right_feedback},
                        {"text": "5", "is_correct": False, "feedback": wrong_feedback},
                    ],
                }
            ],
            "passing_score": 50,
            "max_attempts": 0,
            "time_limit_minutes": 0,
            "feedback_mode": "immediate",
        },
    )


def make_course(
    *,
    title: str | None = None,
    instructor: User | None = None,
    pricing: str = CoursePage.Pricing.FREE,
    price_cents: int = 0,
    sections: list[tuple[str, list[tuple[str, list, dict]]]] | None = None,
    lessons: int | None = None,
    **fields,
) -> CoursePage:
    """A published course. `sections` is [(title, [(lesson title, body items, extra fields)])];
    or `lessons=N` builds N text lessons spread over sections of ten."""
    n = next(_counter)
    title = title or f"Course {n}"
    instructor = instructor or make_user(role=User.Role.INSTRUCTOR)
    if sections is None:
        count = lessons if lessons is not None else 2
        sections = [
            (f"Section {s + 1}", [text_lesson(f"Lesson {i + 1}") for i in range(s * 10, min(count, s * 10 + 10))])
            for s in range((count + 9) // 10)
        ]
    catalog = CourseIndexPage.objects.get()
    course = CoursePage(
        title=title,
        slug=f"course-{n}",
        summary=f"{title} summary",
        pricing=pricing,
        price_cents=price_cents,
        owner=instructor,
        **fields,
    )
    catalog.add_child(instance=course)
    CourseInstructor.objects.create(page=course, user=instructor)
    for section_title, lesson_specs in sections:
        section = (
            section_title
            if isinstance(section_title, SectionPage)
            else SectionPage(title=section_title, owner=instructor)
        )
        course.add_child(instance=section)
        for lesson_title, items, extra in lesson_specs:
            extra = dict(extra)
            prerequisites = extra.pop("prerequisites", [])
            lesson = LessonPage(title=lesson_title, owner=instructor, body=lesson_body(items), **extra)
            section.add_child(instance=lesson)
            if prerequisites:
                lesson.prerequisites.set(prerequisites)
                lesson.save()
    return CoursePage.objects.get(pk=course.pk)


def lessons_of(course: CoursePage) -> list[LessonPage]:
    """The live lesson pages below `course` in tree order, read from the tree (not through the
    course's cached structure, so a test's query counts do not depend on it)."""
    return list(LessonPage.objects.live().descendant_of(course).order_by("path"))
