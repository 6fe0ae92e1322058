"""The demo AI tutor (demotool/) is a real LTI 1.3 tool: launched from the AI-tool block
through OIDC login and a pylti1p3-verified id_token, it chats, grades on its own server and
posts the score by AGS, which completes the lesson. Its outbound HTTP (the platform's JWKS,
token and score endpoints) goes through a requests transport into the Django test client,
so both sides really talk. The student's own calls (a posted score, a forged completion,
chat messages for someone else's launch) complete nothing."""

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

import demotool.services
from demotool.services import PRICES, vat_part
from learners.interactive.demo import demo_tutor_tool, tutor_block
from learners.models import BlockCompletion, LessonProgress, LTIScore
from tests.factories import make_course
from tests.learners.interactive.interactive_helpers import enrolled
from tests.learners.interactive.test_lti_pylti1p3 import DjangoTransport

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_http(monkeypatch):
    """The tutor's HTTP calls to the platform reach the Django test client."""
    calls = []

    class Recording(DjangoTransport):
        def send(self, request, **kwargs):
            calls.append((request.method, urlsplit(request.url).path))
            return super().send(request, **kwargs)

    def session():
        http = requests.Session()
        http.mount("http://testserver", Recording())
        return http

    monkeypatch.setattr(demotool.services, "http_session", session)
    return calls


def _tutor_course():
    tool = demo_tutor_tool()
    course = make_course(sections=[("Practice", [("Tutor", [("ai_tool", tutor_block(tool))], {})])])
    lesson = course.lessons().specific().get()
    return course, lesson, lesson.body[0].id


def _fields(response) -> dict:
    html = response.content.decode()
    return {name: unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', html)}


def _launch(client, lesson, block_id):
    """Follow the launch as the browser in the lesson's iframe does; returns the chat page."""
    started = client.get(f"/lti/launch/{lesson.pk}/{block_id}/")
    assert started.status_code == 302 and started["Location"].startswith("http://testserver/demotool/login/?")
    login = client.get(started["Location"])
    assert login.status_code == 302 and login["Location"].startswith("http://testserver/lti/authorize/?")
    authorized = client.get(login["Location"])
    assert authorized.status_code == 200, authorized.content
    assert 'action="http://testserver/demotool/launch/"' in authorized.content.decode()
    chat = client.post("/demotool/launch/", _fields(authorized))
    assert chat.status_code == 200, chat.content
    return chat


def _say(client, chat, message):
    action = re.search(r'<form method="post" action="([^"]+)"', chat.content.decode()).group(1)
    return client.post(action, {"message": message})


def test_the_demo_tutor_completes_the_lesson_through_ags(client, student, platform_http):
    course, lesson, block_id = _tutor_course()
    enrolled(student, course)
    client.force_login(student)
    chat = _launch(client, lesson, block_id)
    assert "Hi Sam!" in chat.content.decode() and "R115.00" in chat.content.decode()
    assert ("GET", "/lti/jwks/") in platform_http  # pylti1p3 verified the id_token with our JWKS

    chat = _say(client, chat, "hint")
    assert "VAT = price × 15 ÷ 115" in chat.content.decode()
    chat = _say(client, chat, f"R{vat_part(PRICES[0])}")
    chat = _say(client, chat, "1.00")  # wrong
    assert not LTIScore.objects.exists()
    chat = _say(client, chat, str(vat_part(PRICES[2])))

    page = chat.content.decode()
    assert "you got 2 of 3 right" in page and 'data-reported="1"' in page
    assert ("POST", "/lti/token/") in platform_http
    assert ("POST", f"/lti/ags/{lesson.pk}/{block_id}/lineitem/scores") in platform_http
    score = LTIScore.objects.get()
    assert (score.user, score.score_given, score.score_maximum, score.activity_completed) == (student, 2, 3, True)
    assert BlockCompletion.objects.get(block_id=block_id).score_percent == pytest.approx(66.67)
    assert LessonProgress.objects.get(lesson=lesson).status == "completed"
    # The lesson page shows the server's record on reload.
    status = client.get(f"/ai-tools/status/{lesson.pk}/{block_id}/").json()
    assert status["completed"] and status["lesson_completed"]


def test_a_low_score_is_recorded_but_does_not_complete(client, student, platform_http):
    course, lesson, block_id = _tutor_course()
    enrolled(student, course)
    client.force_login(student)
    chat = _launch(client, lesson, block_id)
    for _ in PRICES:
        chat = _say(client, chat, "0")
    assert "you got 0 of 3 right" in chat.content.decode()
    assert LTIScore.objects.get().activity_completed is False
    assert not BlockCompletion.objects.exists()
    chat = _say(client, chat, "again")
    assert "Question 1 of 3" in chat.content.decode().split("go again")[-1]


def test_the_students_own_calls_cannot_complete(client, student, platform_http):
    course, lesson, block_id = _tutor_course()
    enrolled(student, course)
    client.force_login(student)
    chat = _launch(client, lesson, block_id)
    # A score posted with the student's session to the line item: no AGS token, refused.
    scores = f"/lti/ags/{lesson.pk}/{block_id}/lineitem/scores"
    answer = client.post(
        scores,
        {"userId": "x", "scoreGiven": 3, "scoreMaximum": 3, "activityProgress": "Completed"},
        content_type="application/json",
    )
    assert answer.status_code == 401
    # The old browser-token completion refuses a block that names an LTI tool.
    forged = client.post(
        "/api/v1/ai-tools/complete/", {"token": "x" * 43, "score": 100}, content_type="application/json"
    )
    assert forged.status_code == 400  # no score from this path, ever
    # Nothing in the chat form carries a score: an extra field is ignored.
    action = re.search(r'<form method="post" action="([^"]+)"', chat.content.decode()).group(1)
    client.post(action, {"message": "hint", "score": "3", "finished": "1"})
    # Another browser (another session) cannot speak in this student's conversation.
    stranger = Client()
    assert stranger.post(action, {"message": str(vat_part(PRICES[0]))}).status_code == 400
    assert not LTIScore.objects.exists() and not BlockCompletion.objects.exists()
    assert not LessonProgress.objects.filter(status="completed").exists()


def test_a_forged_or_replayed_launch_is_refused(client, student, platform_http):
    course, lesson, block_id = _tutor_course()
    enrolled(student, course)
    client.force_login(student)
    started = client.get(f"/lti/launch/{lesson.pk}/{block_id}/")
    login = client.get(started["Location"])
    fields = _fields(client.get(login["Location"]))
    assert client.post("/demotool/launch/", {**fields, "id_token": fields["id_token"][:-4] + "AAAA"}).status_code == 400
    first = client.post("/demotool/launch/", fields)
    assert first.status_code == 200
    replay = client.post("/demotool/launch/", fields)
    assert replay.status_code == 400
    # A login initiation naming another platform is refused.
    assert client.get("/demotool/login/?iss=https://evil.example&login_hint=x&target_link_uri=x").status_code == 400


def test_the_demo_seed_registers_the_tutor_and_names_it_in_a_lesson():
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    tool = demo_tutor_tool()
    assert tool.login_url == "/demotool/login/" and tool.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    from coursepages.models import LessonPage

    for slug in ("practice-vat-with-the-tutor", "practice-with-the-tutor"):
        lesson = LessonPage.objects.get(slug=slug)
        blocks = [block for block in lesson.body if block.block_type == "ai_tool"]
        assert blocks and all(block.value["lti_tool"].pk == tool.pk for block in blocks)


@pytest.mark.parametrize(
    ("typed", "value"),
    [("R6.52", "6.52"), ("6,52", "6.52"), ("R 1 234.50", "1234.50"), ("1,234.50", "1234.50"), ("six", None)],
)
def test_the_tutor_reads_amounts_as_people_type_them(typed, value):
    from decimal import Decimal

    from demotool.services import _number

    assert _number(typed) == (Decimal(value) if value else None)


def test_a_registration_url_may_be_a_path_on_this_site_but_not_a_script():
    from django.core.exceptions import ValidationError

    from learners.models import LTITool

    tool = LTITool(name="T", client_id="t", login_url="/demotool/login/", launch_url="https://tool.example/launch")
    tool.public_key_pem = demotool.services.tutor_public_key_pem()
    tool.full_clean()
    tool.login_url = "javascript:alert(1)"
    with pytest.raises(ValidationError):
        tool.full_clean()
    tool.login_url = "//evil.example/login"
    with pytest.raises(ValidationError):
        tool.full_clean()
