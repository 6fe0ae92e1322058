"""Embedded AI tools without LTI: the launch (a session row and a signed, ten-minute,
single-use JWT), validation (expiry, reuse, wrong signature), completion by the tool's word
with the session token (never a score: only an LTI tool's AGS grade is one), and the status
the page confirms with."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.utils import timezone

from learners.interactive.ai_tools import AUDIENCE
from learners.models import AIToolSession, BlockCompletion, LessonProgress
from tests.factories import make_course
from tests.learners.interactive.interactive_helpers import enrolled

pytestmark = pytest.mark.django_db


def _course(rule="complete", min_score=None, permissions=("read_profile", "report_score")):
    course = make_course(
        pricing="one_time",
        price_cents=49900,
        sections=[
            (
                "Tools",
                [
                    (
                        "Practice",
                        [
                            (
                                "ai_tool",
                                {
                                    "title": "VAT tutor",
                                    "tool_url": "https://tool.example/app",
                                    "allowed_origin": "",
                                    "parameters": [{"name": "topic", "value": "vat"}],
                                    "permissions": list(permissions),
                                    "completion_rule": rule,
                                    "min_score": min_score,
                                    "height": 520,
                                },
                            )
                        ],
                        {},
                    )
                ],
            )
        ],
    )
    lesson = course.lessons().specific().get()
    return course, lesson, lesson.body[0].id


def _launch(client, lesson, block_id) -> str:
    response = client.get(f"/ai-tools/launch/{lesson.pk}/{block_id}/")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith("https://tool.example/app?")
    assert query["origin"] == ["http://testserver"]
    return query["token"][0]


def _api(client, path, body):
    return client.post(f"/api/v1/ai-tools/{path}/", json.dumps(body), content_type="application/json")


def test_launch_creates_a_session_and_a_signed_token(client, student):
    course, lesson, block_id = _course()
    enrolled(student, course)
    client.force_login(student)
    token = _launch(client, lesson, block_id)
    session = AIToolSession.objects.get()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert (claims["jti"], claims["sub"], claims["lesson"], claims["block"]) == (
        str(session.id),
        str(student.pk),
        lesson.pk,
        block_id,
    )
    assert claims["exp"] - claims["iat"] == 600
    assert claims["permissions"] == ["read_profile", "report_score"]


def test_validate_returns_user_lesson_tool_and_permissions_once(client, student):
    course, lesson, block_id = _course()
    enrolled(student, course)
    client.force_login(student)
    token = _launch(client, lesson, block_id)
    client.logout()  # the tool is not the student's browser session

    response = _api(client, "validate-token", {"token": token})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"] == {"id": student.pk, "first_name": "Sam", "name": "Sam Student"}
    assert body["lesson"] == {"id": lesson.pk, "title": "Practice"}
    assert body["tool"]["parameters"] == {"topic": "vat"} and body["tool"]["completion_rule"] == "complete"
    assert body["permissions"] == ["read_profile", "report_score"] and body["session_token"]

    again = _api(client, "validate-token", {"token": token})
    assert again.status_code == 401 and again.json()["code"] == "token_used"


def test_the_name_is_withheld_without_read_profile(client, student):
    course, lesson, block_id = _course(permissions=("report_score",))
    enrolled(student, course)
    client.force_login(student)
    body = _api(client, "validate-token", {"token": _launch(client, lesson, block_id)}).json()
    assert body["user"] == {"id": student.pk}


def test_an_expired_token_is_refused(client, student):
    course, lesson, block_id = _course()
    enrolled(student, course)
    client.force_login(student)
    token = _launch(client, lesson, block_id)
    claims = jwt.decode(token, options={"verify_signature": False})
    from learners.interactive.ai_tools import _key

    claims["exp"] = int((timezone.now() - timedelta(seconds=1)).timestamp())
    expired = jwt.encode(claims, _key(), algorithm="HS256")
    response = _api(client, "validate-token", {"token": expired})
    assert response.status_code == 401 and response.json()["code"] == "token_expired"
    assert AIToolSession.objects.get().status == "launched"


def test_a_token_with_a_wrong_signature_is_refused(client, student, settings):
    course, lesson, block_id = _course()
    enrolled(student, course)
    client.force_login(student)
    claims = jwt.decode(_launch(client, lesson, block_id), options={"verify_signature": False})
    forged = jwt.encode(claims, "not-our-key-but-long-enough-for-hs256-0123", algorithm="HS256")
    response = _api(client, "validate-token", {"token": forged})
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert _api(client, "validate-token", {"token": unsigned}).json()["code"] == "invalid_token"
    assert claims["aud"] == AUDIENCE


def test_completion_by_the_tools_word_completes_the_lesson_without_a_score(client, student):
    course, lesson, block_id = _course()
    enrolled(student, course)
    client.force_login(student)
    launch = _launch(client, lesson, block_id)
    session_token = _api(client, "validate-token", {"token": launch}).json()["session_token"]

    # The launch token is no key to completion.
    assert _api(client, "complete", {"token": launch}).status_code == 401
    # A score is never taken from this protocol (its tokens pass through the browser).
    scored = _api(client, "complete", {"token": session_token, "score": 100})
    assert scored.status_code == 400 and "Assignment and Grade Services" in scored.json()["detail"]
    assert not BlockCompletion.objects.exists()

    response = _api(client, "complete", {"token": session_token, "time_spent": 95, "data": {"answers": [1, 2]}})
    assert response.status_code == 200, response.content
    assert response.json()["activity_completed"] is True and response.json()["score"] is None
    session = AIToolSession.objects.get()
    assert (session.status, session.score, session.time_spent_seconds, session.data) == (
        "completed",
        None,
        95,
        {"answers": [1, 2]},
    )
    assert BlockCompletion.objects.get(block_id=block_id).score_percent is None
    assert LessonProgress.objects.get(lesson=lesson).status == "completed"
    status = client.get(f"/ai-tools/status/{lesson.pk}/{block_id}/").json()
    assert (status["completed"], status["last_score"]) == (True, None)

    twice = _api(client, "complete", {"token": session_token})
    assert twice.status_code == 409
    # Reloading the lesson shows the recorded result, before any script runs.
    html = client.get(lesson.url).content.decode()
    assert 'data-state="completed"' in html and "Activity complete." in html and "Score:" not in html
    assert "Completion by the tool&#x27;s word" in html or "Completion by the tool's word" in html


def test_a_score_rule_without_an_lti_tool_is_refused(client, student):
    course, lesson, block_id = _course(rule="min_score", min_score=60)
    enrolled(student, course)
    client.force_login(student)
    session_token = _api(client, "validate-token", {"token": _launch(client, lesson, block_id)}).json()["session_token"]
    refused = _api(client, "complete", {"token": session_token})
    assert refused.status_code == 403 and "LTI" in refused.json()["detail"]
    assert not BlockCompletion.objects.exists()


def test_the_editor_refuses_a_score_rule_without_an_lti_tool():
    from wagtail.blocks.struct_block import StructBlockValidationError

    from blocks.ai_tool import AIToolBlock

    block = AIToolBlock()
    value = block.to_python(
        {"title": "T", "tool_url": "https://tool.example/app", "completion_rule": "min_score", "min_score": 60}
    )
    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(value)
    assert "lti_tool" in refused.value.block_errors


def test_bad_completion_input_is_refused(client, student):
    course, lesson, block_id = _course(permissions=())
    enrolled(student, course)
    client.force_login(student)
    session_token = _api(client, "validate-token", {"token": _launch(client, lesson, block_id)}).json()["session_token"]
    assert _api(client, "complete", {"token": session_token, "time_spent": -5}).status_code == 400
    assert _api(client, "complete", {"token": session_token, "score": 90}).status_code == 400
    assert AIToolSession.objects.get().status == "active"


def test_only_enrolled_students_can_launch(client, other_student):
    course, lesson, block_id = _course()
    client.force_login(other_student)
    response = client.get(f"/ai-tools/launch/{lesson.pk}/{block_id}/")
    assert response.status_code == 403
    assert not AIToolSession.objects.exists()


def test_the_old_browser_graded_demo_tool_is_gone(client):
    assert client.get("/ai-tools/demo/").status_code == 404


def test_the_lesson_frames_the_launch_in_a_sandbox(client, student):
    course, lesson, block_id = _course()
    enrolled(student, course)
    client.force_login(student)
    html = client.get(lesson.url).content.decode()
    assert f'src="/ai-tools/launch/{lesson.pk}/{block_id}/"' in html
    assert 'sandbox="allow-scripts allow-same-origin"' in html
    assert '"allowedOrigin": "http://testserver"' in html
