"""LTI Advantage grades (AGS): a registered tool gets an access token with a JWT assertion
signed by its own key and posts a score that completes the AI-tool block by its rule. The
refusals: wrong key, expired assertion, replayed assertion, a score for another tool's block,
an unknown user, and a student's session or API token posting a score."""

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts.tokens import token_pair_issue
from learners.interactive.lti import SCORE_SCOPE, lti_user_id
from learners.models import AIToolSession, BlockCompletion, LessonProgress, LTIScore, LTITool
from tests.factories import make_course
from tests.learners.interactive.interactive_helpers import enrolled

pytestmark = pytest.mark.django_db

TOKEN_URL = "http://testserver/lti/token/"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _rsa():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


TOOL_KEY, OTHER_KEY = _rsa(), _rsa()


def _pem(private) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _tool(client_id="tutor", key=TOOL_KEY) -> LTITool:
    return LTITool.objects.create(
        name=client_id,
        client_id=client_id,
        login_url="https://tool.example/login",
        launch_url="https://tool.example/launch",
        public_key_pem=_pem(key),
    )


def _course(tool, rule="min_score", min_score=60):
    course = make_course(
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
                                    "title": "Tutor",
                                    "tool_url": "/demotool/launch/",
                                    "lti_tool": tool.pk,
                                    "completion_rule": rule,
                                    "min_score": min_score,
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


def _assertion(client_id="tutor", key=TOOL_KEY, issued=None, lifetime=300, jti=None) -> str:
    issued = int(time.time()) if issued is None else issued
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": TOKEN_URL,
        "iat": issued,
        "exp": issued + lifetime,
        "jti": jti or uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm="RS256")


def _token(client, assertion: str):
    return client.post(
        "/lti/token/",
        {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            "scope": SCORE_SCOPE,
        },
    )


def _score(client, lesson, block_id, body, token=None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(
        f"/lti/ags/{lesson.pk}/{block_id}/lineitem/scores",
        json.dumps(body),
        content_type="application/vnd.ims.lis.v1.score+json",
        **headers,
    )


def _body(user, given=80, maximum=100, activity="Completed", grading="FullyGraded") -> dict:
    return {
        "userId": lti_user_id(user=user),
        "scoreGiven": given,
        "scoreMaximum": maximum,
        "activityProgress": activity,
        "gradingProgress": grading,
        "timestamp": "2026-12-03T10:00:00Z",
    }


def test_a_tool_with_its_registered_key_posts_a_score_that_completes_the_block(client, student):
    tool = _tool()
    course, lesson, block_id = _course(tool, min_score=60)
    enrolled(student, course)
    granted = _token(client, _assertion())
    assert granted.status_code == 200, granted.content
    assert granted.json()["token_type"] == "Bearer" and granted.json()["scope"] == SCORE_SCOPE
    token = granted.json()["access_token"]
    low = _score(client, lesson, block_id, _body(student, given=5, maximum=10), token=token)
    assert low.status_code == 200 and low.json()["activity_completed"] is False  # 50% < 60%
    assert not BlockCompletion.objects.exists()
    high = _score(client, lesson, block_id, _body(student, given=9, maximum=10), token=token)
    assert high.status_code == 200 and high.json()["activity_completed"] is True
    assert BlockCompletion.objects.get(block_id=block_id).score_percent == 90
    assert LessonProgress.objects.get(lesson=lesson).status == "completed"
    assert list(LTIScore.objects.values_list("score_given", flat=True).order_by("pk")) == [5, 9]
    # Reloading the lesson shows the recorded result.
    client.force_login(student)
    assert "Activity complete. Score: 90%." in client.get(lesson.url).content.decode()


def test_the_complete_rule_needs_the_tool_to_say_completed(client, student):
    tool = _tool()
    course, lesson, block_id = _course(tool, rule="complete")
    enrolled(student, course)
    token = _token(client, _assertion()).json()["access_token"]
    started = _score(client, lesson, block_id, _body(student, given=None, activity="InProgress"), token=token)
    assert started.json()["activity_completed"] is False
    done = _score(client, lesson, block_id, _body(student, given=None, activity="Completed"), token=token)
    assert done.json()["activity_completed"] is True and BlockCompletion.objects.get().score_percent is None


@pytest.mark.parametrize(
    "assertion, code",
    [
        (lambda: _assertion(key=OTHER_KEY), "invalid_client"),  # signed by a key that is not the tool's
        (lambda: _assertion(issued=int(time.time()) - 3600), "invalid_client"),  # expired
        (lambda: _assertion(client_id="nobody"), "invalid_client"),  # not registered
        (lambda: _assertion(lifetime=86400), "invalid_client"),  # a day-long assertion
        (lambda: "not-a-jwt", "invalid_client"),
    ],
)
def test_a_bad_client_assertion_gets_no_token(client, assertion, code):
    _tool()
    refused = _token(client, assertion())
    assert refused.status_code == 401 and refused.json()["code"] == code


def test_a_replayed_assertion_gets_no_second_token(client):
    _tool()
    assertion = _assertion(jti="once")
    assert _token(client, assertion).status_code == 200
    replayed = _token(client, assertion)
    assert replayed.status_code == 401 and replayed.json()["code"] == "token_used"


def test_a_tool_cannot_score_another_tools_block_or_an_unknown_user(client, student, other_student):
    tool, other = _tool(), _tool("other", key=OTHER_KEY)
    course, lesson, block_id = _course(other)
    enrolled(student, course)
    token = _token(client, _assertion()).json()["access_token"]
    foreign = _score(client, lesson, block_id, _body(student), token=token)
    assert foreign.status_code == 403 and foreign.json()["code"] == "forbidden"
    other_token = _token(client, _assertion("other", key=OTHER_KEY)).json()["access_token"]
    stranger = _score(client, lesson, block_id, {**_body(student), "userId": "made-up"}, token=other_token)
    assert stranger.status_code == 404
    not_enrolled = _score(client, lesson, block_id, _body(other_student), token=other_token)
    assert not_enrolled.status_code in (402, 403)
    assert _score(client, lesson, "no-such-block", _body(student), token=other_token).status_code == 404
    assert not BlockCompletion.objects.exists() and tool.pk != other.pk


def test_a_students_session_or_api_token_cannot_post_a_score(client, student):
    tool = _tool()
    course, lesson, block_id = _course(tool)
    enrolled(student, course)
    client.force_login(student)
    session = _score(client, lesson, block_id, _body(student, given=100))
    assert session.status_code == 401 and session.json()["code"] == "invalid_token"
    api_token = token_pair_issue(user=student).access
    bearer = _score(client, lesson, block_id, _body(student, given=100), token=api_token)
    assert bearer.status_code == 401
    assert not BlockCompletion.objects.exists() and not LTIScore.objects.exists()


def test_the_old_launch_token_path_grants_nothing_for_an_lti_block(client, student):
    """The issue's forgery: launch, validate the token the browser holds, 'complete' with 100.
    A block naming an LTI tool gives out no launch token, and the old completion takes no score."""
    tool = _tool()
    course, lesson, block_id = _course(tool)
    enrolled(student, course)
    client.force_login(student)
    launched = client.get(f"/ai-tools/launch/{lesson.pk}/{block_id}/")
    assert launched.status_code == 403
    assert not AIToolSession.objects.exists()
    forged = client.post(
        "/api/v1/ai-tools/complete/",
        json.dumps({"token": "a" * 43, "score": 100}),
        content_type="application/json",
    )
    assert forged.status_code == 400
    assert not BlockCompletion.objects.exists()
