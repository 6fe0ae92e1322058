"""Demo learning records in Python for Beginners: Sipho has done two lessons, Lerato every
lesson without an activity; both have reviewed it. Idempotent."""

from accounts.models import User
from coursepages.models import CoursePage
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete, lesson_visit, review_save
from learners.models import Review


def seed(*, stdout):
    course = CoursePage.objects.live().filter(slug="python-for-beginners").first()
    sipho = User.objects.filter(email="sipho@lectern.local").first()
    lerato = User.objects.filter(email="lerato@lectern.local").first()
    if not (course and sipho and lerato):
        return
    lessons = [
        lesson
        for lesson in course.lessons()
        if lesson.body
        and all(block.block_type in ("rich_text", "markdown", "callout", "image", "document") for block in lesson.body)
    ]
    for user, count, rating, text in (
        (sipho, 2, 5, "Short lessons, clear examples. The VAT arithmetic finally makes sense."),
        (lerato, len(lessons), 4, "Good pace; I would like more exercises."),
    ):
        enrollment, created = enrollment_create(user=user, course=course)
        for lesson in lessons[:count]:
            lesson_complete(context=learning_context_for(user=user, lesson=lesson))
        if lessons[:count]:
            lesson_visit(context=learning_context_for(user=user, lesson=lessons[:count][-1]))
        if not Review.objects.filter(user=user, course=course).exists():
            review_save(user=user, course=course, rating=rating, body=text)
        if created:
            stdout.write(f"enrolled {user.email} in {course.title}")
