"""LTI 1.3 launch: OIDC third-party login initiation, then the RS256 id_token with the LTI
claims, posted to the tool's launch URL; the nonce is single-use and the launch is the
signed-in student's own."""

import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest

from learners.interactive.lti import AGS_CLAIM, CLAIM, lti_user_id
from tests.learners.interactive.interactive_helpers import enrolled
from tests.learners.interactive.test_lti_ags import _course, _tool

pytestmark = pytest.mark.django_db


def _login(client, lesson, block_id) -> dict:
    started = client.get(f"/lti/launch/{lesson.pk}/{block_id}/")
    assert started.status_code == 302, started.content
    location = urlsplit(started["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://tool.example/login"
    return {name: values[0] for name, values in parse_qs(location.query).items()}


def _authorize(client, hints: dict, nonce="n-1", **overrides):
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": hints["client_id"],
        "redirect_uri": hints["target_link_uri"],
        "login_hint": hints["login_hint"],
        "lti_message_hint": hints["lti_message_hint"],
        "state": "state-1",
        "nonce": nonce,
        **overrides,
    }
    return client.get("/lti/authorize/?" + urlencode(params))


def _fields(response) -> dict:
    html = response.content.decode()
    return {name: unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', html)}


def test_a_launch_carries_the_lti_claims_signed_by_the_platform(client, student):
    tool = _tool()
    course, lesson, block_id = _course(tool)
    enrolled(student, course)
    client.force_login(student)
    hints = _login(client, lesson, block_id)
    assert hints["iss"] == "http://testserver" and hints["client_id"] == "tutor"
    assert hints["login_hint"] == lti_user_id(user=student) and hints["login_hint"] != str(student.pk)
    answer = _authorize(client, hints)
    assert answer.status_code == 200, answer.content
    assert 'action="https://tool.example/launch"' in answer.content.decode()
    assert "form-action https://tool.example" in answer["Content-Security-Policy"]
    fields = _fields(answer)
    assert fields["state"] == "state-1"
    keys = {key["kid"]: key for key in client.get("/lti/jwks/").json()["keys"]}
    token = fields["id_token"]
    claims = jwt.decode(
        token, jwt.PyJWK(keys[jwt.get_unverified_header(token)["kid"]]).key, algorithms=["RS256"], audience="tutor"
    )
    assert claims["nonce"] == "n-1" and claims["sub"] == hints["login_hint"]
    assert claims[CLAIM + "message_type"] == "LtiResourceLinkRequest" and claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "resource_link"]["id"] == f"{lesson.pk}:{block_id}"
    assert claims[CLAIM + "context"]["id"] == str(course.pk)
    assert claims[CLAIM + "roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    assert claims[AGS_CLAIM]["lineitem"] == f"http://testserver/lti/ags/{lesson.pk}/{block_id}/lineitem"
    assert "email" not in claims and "name" not in claims  # the registration does not send names


def test_a_replayed_nonce_or_another_users_launch_is_refused(client, student, other_student):
    tool = _tool()
    course, lesson, block_id = _course(tool)
    enrolled(student, course)
    client.force_login(student)
    hints = _login(client, lesson, block_id)
    assert _authorize(client, hints).status_code == 200
    replayed = _authorize(client, hints)
    assert replayed.status_code == 401 and replayed.json()["code"] == "token_used"
    foreign_redirect = _authorize(client, hints, nonce="n-2", redirect_uri="https://evil.example/launch")
    assert foreign_redirect.status_code == 403
    enrolled(other_student, course)
    client.force_login(other_student)
    assert _authorize(client, hints, nonce="n-3").status_code == 401  # the login hint is the student's


def test_only_an_enrolled_student_starts_a_launch(client, other_student):
    tool = _tool()
    course, lesson, block_id = _course(tool)
    client.force_login(other_student)
    assert client.get(f"/lti/launch/{lesson.pk}/{block_id}/").status_code in (402, 403)


def test_the_lesson_frames_the_lti_launch(client, student):
    tool = _tool()
    course, lesson, block_id = _course(tool)
    enrolled(student, course)
    client.force_login(student)
    html = client.get(lesson.url).content.decode()
    assert f'src="/lti/launch/{lesson.pk}/{block_id}/"' in html
    assert 'sandbox="allow-scripts allow-same-origin allow-forms"' in html
