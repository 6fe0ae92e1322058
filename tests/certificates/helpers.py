"""Builders for certificate tests: a student who has completed a small course."""

from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from learners.models import Enrollment
from tests.factories import lessons_of, make_course


def complete_course(*, student, course=None, title="Intro to Testing"):
    """Enroll `student` and complete every lesson through the learning services, so the
    course-completed hooks run as they do on the site. Returns the enrollment."""
    course = course or make_course(title=title, lessons=2)
    enrollment_create(user=student, course=course)
    for lesson in lessons_of(course):
        lesson_complete(context=learning_context_for(user=student, lesson=lesson))
    return Enrollment.objects.get(user=student, course=course)
