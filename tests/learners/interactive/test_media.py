"""Videos and documents of lessons: watched time computed on the server (skipping ahead
does not count), the completion threshold, files served behind the access policy with
byte ranges, downloads counted, and paid-course documents kept off /documents/."""

import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.documents.models import Document

from learners.access import learning_context_for
from learners.enrollment.services import LearningError
from learners.interactive.media import covered_seconds, video_progress_report
from learners.models import BlockCompletion, DocumentDownload, LessonProgress, VideoProgress
from tests.factories import make_course
from tests.learners.interactive.interactive_helpers import enrolled

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 1000


def _one_block_course(block: tuple[str, dict], *, pricing: str, section: str, lesson_title: str):
    """A course with one lesson holding only `block`; returns (course, lesson, the block's id)."""
    course = make_course(
        pricing=pricing,
        price_cents=0 if pricing == "free" else 1000,
        sections=[(section, [(lesson_title, [block], {})])],
    )
    lesson = course.lessons().specific().get()
    return course, lesson, lesson.body[0].id


def _video_course(threshold=90, pricing="free", duration=100):
    video = {
        "title": "Intro",
        "source": "youtube",
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "duration": duration,
        "completion_threshold": threshold,
    }
    return _one_block_course(("video", video), pricing=pricing, section="Watch", lesson_title="Video lesson")


def _report(user, lesson, **kwargs):
    """A video report from `user`'s lesson page: their learning context and the player's numbers."""
    return video_progress_report(context=learning_context_for(user=user, lesson=lesson), **kwargs)


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def tick(self, seconds):
        self.now += timedelta(seconds=seconds)
        return self.now


def test_continuous_watching_counts(student):
    course, lesson, block_id = _video_course()
    enrolled(student, course)
    clock = Clock()
    for position in range(0, 61, 10):
        progress = _report(student, lesson, block_id=block_id, position=position, now=clock.tick(10))
    assert progress.watched_ranges == [[0, 60]]
    assert progress.watched_percent == 60 and progress.furthest == 60
    mirrored = LessonProgress.objects.get(lesson=lesson)
    assert (mirrored.watched_percent, mirrored.video_watched_ranges) == (60, [[0, 60]])


def test_skipping_ahead_does_not_count_as_watching(student):
    course, lesson, block_id = _video_course()
    enrolled(student, course)
    clock = Clock()
    _report(student, lesson, block_id=block_id, position=0, now=clock.tick(0))
    _report(student, lesson, block_id=block_id, position=10, now=clock.tick(10))
    # Jump to 95 s five seconds later: moves the resume point, adds no watching.
    progress = _report(student, lesson, block_id=block_id, position=95, now=clock.tick(5))
    assert progress.watched_ranges == [[0, 10]] and progress.position == 95
    # The browser's own "played" ranges cannot claim more than the wall clock allows.
    progress = _report(student, lesson, block_id=block_id, position=100, played_ranges=[[0, 100]], now=clock.tick(5))
    assert progress.watched_ranges == [[0, 10], [95, 100]]
    assert progress.watched_percent == 15
    assert not BlockCompletion.objects.exists()


def test_a_long_pause_breaks_continuity(student):
    course, lesson, block_id = _video_course(duration=600)
    enrolled(student, course)
    clock = Clock()
    _report(student, lesson, block_id=block_id, position=0, now=clock.tick(0))
    progress = _report(student, lesson, block_id=block_id, position=300, now=clock.tick(3600))
    assert progress.watched_ranges == []


def test_played_ranges_within_the_clock_fill_gaps_between_reports(student):
    course, lesson, block_id = _video_course()
    enrolled(student, course)
    clock = Clock()
    _report(student, lesson, block_id=block_id, position=0, now=clock.tick(0))
    # Watched 0–8, then seeked back to 2 and the report came at 4 s: the ranges say 0–8.
    progress = _report(student, lesson, block_id=block_id, position=4, played_ranges=[[0, 8]], now=clock.tick(10))
    assert progress.watched_ranges == [[0, 8]]


def test_reaching_the_threshold_completes_the_video(student):
    course, lesson, block_id = _video_course(threshold=80, duration=40)
    enrolled(student, course)
    clock = Clock()
    _report(student, lesson, block_id=block_id, position=0, now=clock.tick(0))
    for position in (10, 20, 30):
        _report(student, lesson, block_id=block_id, position=position, now=clock.tick(10))
    assert not BlockCompletion.objects.exists()
    progress = _report(student, lesson, block_id=block_id, position=32, now=clock.tick(2))
    assert progress.watched_percent == 80 and progress.completed_at is not None
    assert BlockCompletion.objects.get(block_id=block_id).block_type == "video"
    assert LessonProgress.objects.get(lesson=lesson).status == "completed"


def test_reloading_a_watched_video_shows_the_recorded_result(client, student):
    course, lesson, block_id = _video_course(threshold=80, duration=40)
    enrolled(student, course)
    client.force_login(student)
    assert "Watch 80% of this video" in client.get(lesson.url).content.decode()
    clock = Clock()
    _report(student, lesson, block_id=block_id, position=0, now=clock.tick(0))
    for position in (10, 20, 30, 32):
        _report(student, lesson, block_id=block_id, position=position, now=clock.tick(10))
    html = client.get(lesson.url).content.decode()
    assert "Video complete (80% watched)." in html and "Watch 80%" not in html


def test_an_hls_video_plays_through_the_vendored_hls_js(client, student):
    course, lesson, block_id = _video_course()
    lesson.body = [
        (
            "video",
            {
                "source": "hls",
                "url": "https://streams.example/intro/master.m3u8",
                "duration": 90,
                "completion_threshold": 90,
            },
        )
    ]
    lesson.save_revision().publish()
    enrolled(student, course)
    client.force_login(student)
    html = client.get(lesson.url).content.decode()
    assert "/static/vendor/hls/hls.min.js" in html
    script_sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assert script_sources and all(src.startswith("/static/") for src in script_sources)
    assert '"hlsUrl": "https://streams.example/intro/master.m3u8"' in html


def test_a_forged_duration_or_position_changes_nothing(client, student):
    """The issue's forgery: claim the video lasts 1 s, then report position 1 s a moment
    later. The server counts against the length it knows (600 s), within the wall clock."""
    course, lesson, block_id = _video_course(duration=600, threshold=90)
    enrolled(student, course)
    client.force_login(student)
    url = f"/api/v1/lessons/{lesson.pk}/video/"
    for body in (
        {"block_id": block_id, "position": 0, "duration": 1},
        {"block_id": block_id, "position": 1, "duration": 1, "played_ranges": [[0, 1]]},
        {"block_id": block_id, "position": 600, "duration": 1, "played_ranges": [[0, 600]]},
    ):
        response = client.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 200
    data = response.json()
    assert data["duration"] == 600 and data["completed"] is False
    assert data["watched_percent"] < 2  # at most the wall-clock time the calls took, of 600 s
    assert not BlockCompletion.objects.exists()


def test_a_burst_of_reports_earns_no_slack(student):
    course, lesson, block_id = _video_course(duration=600)
    enrolled(student, course)
    clock = Clock()
    _report(student, lesson, block_id=block_id, position=0, now=clock.tick(0))
    # 200 reports 10 ms apart, each 3 s further on: the jitter slack is not paid per report.
    for step in range(1, 201):
        progress = _report(student, lesson, block_id=block_id, position=step * 3, now=clock.tick(0.01))
    assert covered_seconds(progress.watched_ranges) <= 2 * 2.0 + 0.01 * 200
    assert progress.completed_at is None


def test_a_video_whose_length_the_server_does_not_know_never_completes(student):
    course, lesson, block_id = _video_course(duration=None, threshold=10)
    enrolled(student, course)
    clock = Clock()
    for position in range(0, 101, 5):
        progress = _report(student, lesson, block_id=block_id, position=position, now=clock.tick(5))
    assert progress.position == 100 and progress.watched_percent == 0 and progress.completed_at is None
    assert not BlockCompletion.objects.exists()


def test_the_video_endpoint_refuses_strangers_and_bad_input(client, student, other_student):
    course, lesson, block_id = _video_course(pricing="one_time")
    enrolled(student, course)
    url = f"/api/v1/lessons/{lesson.pk}/video/"
    body = {"block_id": block_id, "position": 3, "duration": 100}
    client.force_login(other_student)
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 402
    client.force_login(student)
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json()["position"] == 3
    assert client.post(url, json.dumps({**body, "position": -1}), content_type="application/json").status_code == 400
    missing = client.post(url, json.dumps({**body, "block_id": "nope"}), content_type="application/json")
    assert missing.status_code == 404
    assert VideoProgress.objects.count() == 1


def test_video_reports_need_an_enrollment(other_student):
    course, lesson, block_id = _video_course()
    with pytest.raises(LearningError) as refused:
        _report(other_student, lesson, block_id=block_id, position=1)
    assert refused.value.code == "not_enrolled"


def _document_course(pricing="one_time", allow_download=True):
    document = Document.objects.create(title="Cheat sheet", file=SimpleUploadedFile("cheat-sheet.pdf", PDF))
    block = {"title": "Cheat sheet", "document": document.pk, "show_preview": True, "allow_download": allow_download}
    course, lesson, block_id = _one_block_course(
        ("document", block), pricing=pricing, section="Read", lesson_title="Reading"
    )
    return course, lesson, block_id, document


def test_lesson_documents_are_served_to_admitted_users_and_downloads_counted(client, student, other_student):
    course, lesson, block_id, document = _document_course()
    enrolled(student, course)
    url = f"/lessons/{lesson.pk}/files/{block_id}/document/"
    client.force_login(other_student)
    assert client.get(url).status_code == 403
    client.force_login(student)
    inline = client.get(url)
    assert inline.status_code == 200 and inline["Content-Disposition"].startswith("inline")
    assert inline["Content-Type"] == "application/pdf"
    assert not DocumentDownload.objects.exists()  # previews are not downloads
    for _ in range(2):
        download = client.get(url + "?download=1")
        assert download["Content-Disposition"] == 'attachment; filename="cheat-sheet.pdf"'
        assert b"".join(download.streaming_content) == PDF
    assert DocumentDownload.objects.get(user=student, block_id=block_id).count == 2


def test_byte_ranges_are_honoured(client, student):
    course, lesson, block_id, document = _document_course()
    enrolled(student, course)
    client.force_login(student)
    response = client.get(f"/lessons/{lesson.pk}/files/{block_id}/document/", HTTP_RANGE="bytes=0-7")
    assert response.status_code == 206 and response.content == PDF[:8]
    assert response["Content-Range"] == f"bytes 0-7/{len(PDF)}"


def test_a_document_without_download_permission_is_only_previewed(client, student):
    course, lesson, block_id, document = _document_course(allow_download=False)
    enrolled(student, course)
    client.force_login(student)
    url = f"/lessons/{lesson.pk}/files/{block_id}/document/"
    assert client.get(url).status_code == 200
    assert client.get(url + "?download=1").status_code == 403
    assert "Download" not in client.get(lesson.url).content.decode().split("block-document", 1)[1]


def test_the_lesson_page_previews_pdfs_with_pdfjs(client, student):
    course, lesson, block_id, document = _document_course()
    enrolled(student, course)
    client.force_login(student)
    html = client.get(lesson.url).content.decode()
    assert f'data-src="/lessons/{lesson.pk}/files/{block_id}/document/"' in html
    assert "vendor/pdfjs/pdf.min.mjs" in html and 'type="module"' in html
    assert f"/lessons/{lesson.pk}/files/{block_id}/document/?download=1" in html
    assert document.url not in html  # never Wagtail's public URL


def test_paid_course_documents_are_kept_off_the_public_documents_url(client, student, admin_user):
    course, lesson, block_id, document = _document_course(pricing="one_time")
    enrolled(student, course)
    client.force_login(student)
    assert client.get(document.url).status_code == 403
    client.force_login(admin_user)
    assert client.get(document.url).status_code == 200
    free_course, free_lesson, free_block, free_document = _document_course(pricing="free")
    client.logout()
    assert client.get(free_document.url).status_code == 200


def test_the_video_api_says_when_the_lesson_is_complete_so_the_player_redraws_the_outline(client, student):
    course, lesson, block_id = _video_course(threshold=80, duration=40)
    enrolled(student, course)
    client.force_login(student)
    url = f"/api/v1/lessons/{lesson.pk}/video/"
    first = client.post(url, {"block_id": block_id, "position": 0}, content_type="application/json").json()
    assert first["completed"] is False and first["lesson_completed"] is False
    clock = Clock()
    _report(student, lesson, block_id=block_id, position=0, now=clock.tick(0))
    for position in (10, 20, 30, 32):
        _report(student, lesson, block_id=block_id, position=position, now=clock.tick(10))
    again = client.post(url, {"block_id": block_id, "position": 32}, content_type="application/json").json()
    assert again["completed"] is True and again["lesson_completed"] is True
