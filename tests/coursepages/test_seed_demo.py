"""The demo seed: known logins, the three demo courses, a course in review; idempotent."""

import pytest
from django.core.management import call_command
from wagtail.models import WorkflowState

from accounts.models import User
from coursepages.models import CoursePage


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_the_demo():
    call_command("seed_demo")
    counts = (User.objects.count(), CoursePage.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), CoursePage.objects.count()) == counts

    assert User.objects.get(email="admin@lectern.local").check_password("lectern-admin")
    assert User.objects.filter(role="instructor").count() == 2
    assert User.objects.filter(role="student").count() == 2
    live = CoursePage.objects.live()
    assert {c.pricing for c in live} == {"free", "one_time", "subscription"}
    assert live.get(pricing="one_time").price_cents == 49900
    for course in live:
        assert course.sections().count() >= 2
    # The video lesson plays offline: a self-hosted clip whose length the server knows.
    overview = next(
        lesson
        for lesson in live.get(slug="django-web-development").lessons().specific()
        if lesson.title == "Course overview"
    )
    video = next(child.value for child in overview.body if child.block_type == "video")
    assert video["source"] == "file" and video["duration"] == 20
    assert video["file"].file.name.endswith(".mp4") and video["file"].file.size < 500_000
    in_review = CoursePage.objects.get(slug="intro-to-statistics")
    assert not in_review.live
    assert WorkflowState.objects.filter(object_id=str(in_review.pk), status="in_progress").exists()
