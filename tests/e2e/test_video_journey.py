"""A student plays the demo's self-hosted clip in the real player: the browser loads it from
the site, the player reports what was played, and the server completes the video on its own
count of the length it knows (20 s), which the page shows again after a reload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents.models import Document

from coursepages.demo import DEMO_VIDEO, DEMO_VIDEO_SECONDS
from coursepages.models import LessonPage
from learners.models import BlockCompletion, VideoProgress
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user
from tests.learners.interactive.interactive_helpers import enrolled, ensure_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


def test_student_watches_the_self_hosted_clip_and_it_completes(page, screenshot):
    ensure_site_tree()
    clip = Document.objects.create(
        title="Clip", file=SimpleUploadedFile(DEMO_VIDEO.name, DEMO_VIDEO.read_bytes(), content_type="video/mp4")
    )
    course = make_course(
        sections=[
            (
                "Watch",
                [
                    (
                        "Clip",
                        [
                            (
                                "video",
                                {
                                    "title": "Clip",
                                    "source": "file",
                                    "file": clip.pk,
                                    "duration": DEMO_VIDEO_SECONDS,
                                    "completion_threshold": 50,
                                },
                            )
                        ],
                        {},
                    )
                ],
            )
        ],
    )
    lesson = LessonPage.objects.get(pk=course.lessons().get().pk)
    block_id = lesson.body[0].id
    student = enrolled(make_user(), course)
    sign_in(page, student.email)
    page.goto(lesson.url)

    video = page.locator(f'video[data-video-player="{block_id}"]')
    video.wait_for(state="attached")
    page.wait_for_function(
        "id => { const v = document.querySelector(`video[data-video-player='${id}']`);"
        " return v && v.readyState >= 1; }",
        arg=block_id,
    )
    assert round(video.evaluate("v => v.duration")) == DEMO_VIDEO_SECONDS
    video.evaluate("v => { v.muted = true; v.playbackRate = 2; return v.play(); }")
    status = page.locator(f'[data-video-status="{block_id}"]')
    status.filter(has_text="Video complete").wait_for(timeout=30_000)
    screenshot("video-demo-completed")

    progress = VideoProgress.objects.get(user=student, block_id=block_id)
    assert progress.duration == DEMO_VIDEO_SECONDS and progress.watched_percent >= 50
    assert BlockCompletion.objects.filter(enrollment__user=student, block_id=block_id).exists()
    page.reload()
    page.locator(f'[data-video-status="{block_id}"]', has_text="Video complete").wait_for()
