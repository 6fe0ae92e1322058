"""Scheduled publishing happens: a lesson scheduled to go live is published by the beat task
once its time has come (not before), and one past its expiry is unpublished."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from coursepages.models import LessonPage
from coursepages.tasks import publish_scheduled_task
from tests.factories import lessons_of, make_course

pytestmark = pytest.mark.django_db


def test_beat_publishes_a_scheduled_revision_when_its_time_comes():
    course = make_course(lessons=1)
    lesson = lessons_of(course)[0]
    lesson.title = "Renamed for next week"
    lesson.go_live_at = timezone.now() + timedelta(days=7)
    revision = lesson.save_revision()
    revision.publish()  # with a future go-live time Wagtail only schedules it
    assert LessonPage.objects.get(pk=lesson.pk).live_revision_id != revision.pk

    publish_scheduled_task.delay()  # not due yet: nothing happens
    assert LessonPage.objects.get(pk=lesson.pk).live_revision_id != revision.pk

    # A week later: the scheduled revision's go-live time has passed.
    due = timezone.now() - timedelta(minutes=1)
    revision.content["go_live_at"] = due.isoformat()
    revision.approved_go_live_at = due
    revision.save(update_fields=["content", "approved_go_live_at"])
    publish_scheduled_task.delay()
    published = LessonPage.objects.get(pk=lesson.pk)
    assert (published.live_revision_id, published.title) == (revision.pk, "Renamed for next week")
    publish_scheduled_task.delay()  # twice changes nothing more
    assert LessonPage.objects.get(pk=lesson.pk).live


def test_beat_unpublishes_an_expired_lesson():
    lesson = lessons_of(make_course(lessons=1))[0]
    LessonPage.objects.filter(pk=lesson.pk).update(expire_at=timezone.now() - timedelta(minutes=1))
    publish_scheduled_task.delay()
    assert not LessonPage.objects.get(pk=lesson.pk).live


def test_scheduled_publishing_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["publish-scheduled"]
    assert entry["task"] == publish_scheduled_task.name and entry["schedule"] <= 60
