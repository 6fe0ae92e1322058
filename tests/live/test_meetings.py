"""Jitsi JWT and BigBlueButton checksums against the worked examples in the fixtures; the
BBB create call over HTTP (intercepted with `responses`)."""

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import responses
from django.utils import timezone

from core.errors import status_for
from live import meetings
from live.models import LiveSession
from live.services import LiveError, session_approve, session_request
from tests.live.helpers import enrolled_student, next_weekday_at, teacher_with_course

FIXTURES = Path("/work/shared/fixtures/live")
if not FIXTURES.exists():
    FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "live"


def fixture(name):
    return (FIXTURES / name).read_text()


def test_jitsi_token_matches_the_worked_hs256_example():
    vector = json.loads(fixture("jitsi-jwt-hs256-vector_computed.json"))
    payload = vector["payload"]
    token = meetings.jitsi_token(
        app_id=payload["iss"],
        app_secret=vector["app_secret"],
        audience=payload["aud"],
        subject=payload["sub"],
        room=payload["room"],
        user_context=payload["context"]["user"],
        group=payload["context"]["group"],
        not_before=payload["nbf"],
        expires=payload["exp"],
    )
    assert token == vector["token"]
    assert jwt.decode(token, vector["app_secret"], algorithms=["HS256"], audience="jitsi") == payload


def test_jitsi_context_values_are_always_strings():
    token = meetings.jitsi_token(
        app_id="a",
        app_secret="s",
        room="r",
        subject="meet.example.org",
        user_context={"id": 42, "name": "N", "moderator": "true"},
        not_before=0,
        expires=4102444800,
    )
    user = jwt.decode(token, "s", algorithms=["HS256"], audience="jitsi")["context"]["user"]
    assert user == {"id": "42", "name": "N", "moderator": "true"}


@pytest.mark.parametrize(
    "vector",
    json.loads(fixture("bbb-checksum-vectors.json"))["vectors"],
    ids=lambda v: f"{v['call']}-{v['algorithm']}-{v['checksum'][:6]}",
)
def test_bbb_checksums_match_the_vectors(vector):
    secret = json.loads(fixture("bbb-checksum-vectors.json"))["shared_secret"]
    assert meetings.bbb_checksum(vector["call"], vector["query"], secret, vector["algorithm"]) == vector["checksum"]


def test_bbb_signed_url_reproduces_the_docs_create_url():
    secret = json.loads(fixture("bbb-checksum-vectors.json"))["shared_secret"]
    url = meetings.bbb_signed_url(
        "create",
        [("name", "Test Meeting"), ("meetingID", "abc123"), ("attendeePW", "111222"), ("moderatorPW", "333444")],
        base_url="https://bbb.example.com/bigbluebutton/",
        secret=secret,
        algorithm="sha1",
    )
    assert url == (
        "https://bbb.example.com/bigbluebutton/api/create?name=Test+Meeting&meetingID=abc123"
        "&attendeePW=111222&moderatorPW=333444&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    )


@pytest.fixture
def bbb(settings):
    settings.LIVE_PROVIDER = "bbb"
    settings.BBB_URL = "https://bbb.example.com/bigbluebutton/"
    settings.BBB_SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
    settings.BBB_CHECKSUM_ALGORITHM = "sha256"
    settings.BBB_TIMEOUT_SECONDS = 7
    return settings


def _requested(db_ready=True):
    teacher, course = teacher_with_course(tz="Europe/London")
    student = enrolled_student(course, first_name="Jane", last_name="Learner")
    session = session_request(
        student=student, course=course, teacher=teacher, starts_at=next_weekday_at("Europe/London", 0, 9)
    )
    return teacher, student, session


def _verify_checksum(url, call, secret, algorithm="sha256"):
    query = urlsplit(url).query
    unsigned, checksum = query.rsplit("&checksum=", 1)
    assert meetings.bbb_checksum(call, unsigned, secret, algorithm) == checksum
    return dict(parse_qsl(unsigned))


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_approval_creates_the_bbb_meeting_with_a_signed_call_and_a_timeout(bbb):
    calls = []

    def create(request):
        calls.append(request)
        return 200, {"Content-Type": "text/xml"}, fixture("bbb-create-response_docs.xml")

    responses.add_callback(responses.GET, "https://bbb.example.com/bigbluebutton/api/create", callback=create)
    teacher, student, session = _requested()
    session = session_approve(session=session, user=teacher)
    assert session.provider == "bbb" and session.bbb_create_time == "1531155809613"
    params = _verify_checksum(calls[0].url, "create", bbb.BBB_SECRET)
    assert params["meetingID"] == session.room_name and params["name"].startswith("Conversational Spanish")
    assert calls[0].req_kwargs["timeout"] == 7

    LiveSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now(), ends_at=timezone.now() + timedelta(hours=1)
    )
    session.refresh_from_db()
    join = meetings.meeting_join_url(session=session, user=student)
    assert join.startswith("https://bbb.example.com/bigbluebutton/api/join?")
    assert _verify_checksum(join, "join", bbb.BBB_SECRET) == {
        "fullName": "Jane Learner",
        "meetingID": session.room_name,
        "role": "VIEWER",
        "userID": str(student.pk),
        "createTime": "1531155809613",
        "redirect": "true",
    }
    assert (
        _verify_checksum(meetings.meeting_join_url(session=session, user=teacher), "join", bbb.BBB_SECRET)["role"]
        == "MODERATOR"
    )


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_refused_or_unreachable_bbb_server_leaves_the_request_waiting(bbb):
    responses.add(
        responses.GET,
        "https://bbb.example.com/bigbluebutton/api/create",
        body=fixture("bbb-checksum-error-response_docs.xml"),
        content_type="text/xml",
    )
    teacher, student, session = _requested()
    with pytest.raises(LiveError) as exc:
        session_approve(session=session, user=teacher)
    assert exc.value.code == "checksumError" and status_for(exc.value) == 502  # the API answers 502
    session.refresh_from_db()
    assert session.status == LiveSession.Status.REQUESTED and session.room_name == ""

    import requests

    responses.replace(
        responses.GET,
        "https://bbb.example.com/bigbluebutton/api/create",
        body=requests.exceptions.ConnectTimeout("timed out"),
    )
    with pytest.raises(LiveError) as exc:
        session_approve(session=session, user=teacher)
    assert exc.value.code == "meeting_unavailable" and status_for(exc.value) == 502
    session.refresh_from_db()
    assert session.status == LiveSession.Status.REQUESTED
