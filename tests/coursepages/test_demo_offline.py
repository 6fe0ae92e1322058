"""The demo can be finished offline by the demo student: every lesson of the free and the paid
course opens for them today (no drip lock), every block type is there and self-hosted (the
video is the shipped clip, the H5P question is about Python), and the courses complete."""

import json
import zipfile

import pytest
from django.core.management import call_command

from accounts.models import User
from coursepages.models import CoursePage, H5PPackage
from learners.access import learning_context_for
from learners.enrollment.services import activity_block_ids, activity_complete, enrollment_create, lesson_complete
from learners.models import Enrollment

EVERY_BLOCK_TYPE = {
    "rich_text", "callout", "image", "markdown", "document", "quiz", "h5p", "video", "assignment", "ai_tool"
}  # fmt: skip


@pytest.mark.django_db
def test_the_demo_student_reaches_every_block_type_and_finishes_both_courses(client):
    call_command("seed_demo")
    sipho = User.objects.get(email="sipho@lectern.local")
    python = CoursePage.objects.live().get(slug="python-for-beginners")
    django = CoursePage.objects.live().get(slug="django-web-development")
    enrollment_create(user=sipho, course=django, source=Enrollment.Source.PAYMENT)  # bought in the sandbox
    client.force_login(sipho)

    seen = set()
    for course in (python, django):
        for lesson in course.lessons().specific():
            context = learning_context_for(user=sipho, lesson=lesson)
            if not context.verdict.allowed:  # only a prerequisite, which the order before satisfies
                pytest.fail(f"{lesson.title}: {context.verdict.message}")
            response = client.get(lesson.url)
            assert response.status_code == 200, lesson.title
            html = response.content.decode()
            for block in lesson.body:
                seen.add(block.block_type)
                if block.block_type == "video":
                    assert block.value["source"] == "file" and "youtube" not in html.lower()
                    assert "<video" in html
            for block_id in activity_block_ids(lesson):
                activity_complete(context=context, block_id=block_id, score_percent=100)
            if not activity_block_ids(lesson):
                lesson_complete(context=learning_context_for(user=sipho, lesson=lesson))
        enrollment = Enrollment.objects.get(user=sipho, course=course)
        assert enrollment.completed_at is not None, course.title
    assert seen >= EVERY_BLOCK_TYPE


@pytest.mark.django_db
def test_the_demo_h5p_question_is_about_python_and_a_re_seed_replaces_the_oslo_one():
    call_command("seed_demo")
    package = H5PPackage.objects.get()
    with zipfile.ZipFile(package.file.open("rb")) as archive:
        question = json.loads(archive.read("content/content.json"))["question"]
    assert "Python" in question and "Oslo" not in question
    # A site seeded before this change holds the Hub example (about Oslo): seeding again swaps it.
    H5PPackage.objects.filter(pk=package.pk).update(title="Demo: True/False question", content_path="")
    call_command("seed_demo")
    package = H5PPackage.objects.get()
    assert package.title == "Python lists: true or false?" and package.content_path
