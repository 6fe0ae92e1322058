"""Interoperability: a tool built with pylti1p3 (a tool-side LTI 1.3 library written by
others) obtains an AGS access token from this platform with its signed client assertion and
posts a grade that completes the AI-tool block. Its HTTP calls reach the site through the
Django test client (a requests transport adapter), so both sides really talk."""

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from django.test import Client
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector

from learners.interactive.lti import SCORE_SCOPE, lti_user_id
from learners.models import BlockCompletion, LessonProgress, LTIScore
from tests.learners.interactive.interactive_helpers import enrolled
from tests.learners.interactive.test_lti_ags import OTHER_KEY, TOOL_KEY, _course, _tool

pytestmark = pytest.mark.django_db


class DjangoTransport(requests.adapters.BaseAdapter):
    """Sends a requests call to the Django test client and hands back its answer."""

    def __init__(self):
        super().__init__()
        self.client = Client()

    def send(self, request, **kwargs):
        url = requests.utils.urlparse(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        extra = {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in request.headers.items()
            if name.lower() not in ("content-type", "content-length")
        }
        answer = self.client.generic(
            request.method,
            path,
            data=request.body or b"",
            content_type=request.headers.get("Content-Type", ""),
            **extra,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers.update(dict(answer.items()))
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def _pylti1p3_tool(private_key) -> ServiceConnector:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    registration = (
        Registration()
        .set_issuer("http://testserver")
        .set_client_id("tutor")
        .set_auth_token_url("http://testserver/lti/token/")
        .set_tool_private_key(pem)
    )
    session = requests.Session()
    session.mount("http://testserver", DjangoTransport())
    return ServiceConnector(registration, requests_session=session)


def _grade(user, given: float) -> Grade:
    return (
        Grade()
        .set_score_given(given)
        .set_score_maximum(100)
        .set_timestamp("2026-12-03T10:00:00+00:00")
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(lti_user_id(user=user))
    )


def test_a_pylti1p3_tool_posts_a_grade_that_completes_the_lesson(student):
    tool = _tool()
    course, lesson, block_id = _course(tool, min_score=70)
    enrolled(student, course)
    lineitem = f"http://testserver/lti/ags/{lesson.pk}/{block_id}/lineitem"
    ags = AssignmentsGradesService(_pylti1p3_tool(TOOL_KEY), {"scope": [SCORE_SCOPE], "lineitem": lineitem})
    answer = ags.put_grade(_grade(student, 85))
    assert answer["body"] == {"recorded": True, "activity_completed": True}
    assert BlockCompletion.objects.get(block_id=block_id).score_percent == 85
    assert LessonProgress.objects.get(lesson=lesson).status == "completed"
    assert LTIScore.objects.get().tool == tool


def test_a_pylti1p3_tool_with_the_wrong_key_is_refused(student):
    tool = _tool()
    course, lesson, block_id = _course(tool)
    enrolled(student, course)
    lineitem = f"http://testserver/lti/ags/{lesson.pk}/{block_id}/lineitem"
    ags = AssignmentsGradesService(_pylti1p3_tool(OTHER_KEY), {"scope": [SCORE_SCOPE], "lineitem": lineitem})
    with pytest.raises(LtiServiceException) as refused:
        ags.put_grade(_grade(student, 100))
    assert refused.value.response.status_code == 401
    assert not BlockCompletion.objects.exists()
