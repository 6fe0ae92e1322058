"""Zoom as a live-class provider, with Zoom's documented payloads (tests/live/fixtures/zoom,
see SOURCES.md) and outbound HTTP intercepted at the transport (`responses`):
Server-to-Server OAuth, the meeting created on approval, the host's start_url and the
student's join_url, the meeting deleted after a cancellation, and the signed webhook with
its URL-validation challenge. Credentials from the admin's settings or the environment."""

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.errors import status_for
from live import meetings
from live.models import LiveSession, LiveSettings, ZoomWebhookEvent
from live.services import (
    LiveError,
    session_approve,
    session_cancel,
    session_join,
    session_meeting_delete,
    session_request,
)
from tests.live.helpers import enrolled_student, next_weekday_at, teacher_with_course

FIXTURES = Path(__file__).parent / "fixtures" / "zoom"
TOKEN_URL = "https://zoom.us/oauth/token"
API = "https://api.zoom.us/v2"
SECRET_TOKEN = "fixture_webhook_secret_token"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def zoom(settings):
    cache.clear()
    settings.LIVE_PROVIDER = "zoom"
    settings.ZOOM_ACCOUNT_ID = "acct-123"
    settings.ZOOM_CLIENT_ID = "client-abc"
    settings.ZOOM_CLIENT_SECRET = "secret-xyz"
    settings.ZOOM_WEBHOOK_SECRET_TOKEN = SECRET_TOKEN
    settings.ZOOM_HOST_USER = "me"
    settings.ZOOM_TIMEOUT_SECONDS = 7
    yield settings
    cache.clear()


def _requested():
    teacher, course = teacher_with_course(tz="Europe/London")
    student = enrolled_student(course, first_name="Jane", last_name="Learner")
    session = session_request(
        student=student, course=course, teacher=teacher, starts_at=next_weekday_at("Europe/London", 0, 9)
    )
    return teacher, student, session


def _token_and_create():
    responses.add(responses.POST, TOKEN_URL, json=fixture("oauth-token.json"))
    responses.add(responses.POST, f"{API}/users/me/meetings", json=fixture("meeting-create-201.json"), status=201)


@pytest.mark.django_db
@responses.activate
def test_approval_creates_the_zoom_meeting_with_a_server_to_server_token(zoom):
    _token_and_create()
    teacher, student, session = _requested()
    session = session_approve(session=session, user=teacher)

    token_call, create_call = responses.calls[0], responses.calls[1]
    query = parse_qs(urlsplit(token_call.request.url).query)
    assert query == {"grant_type": ["account_credentials"], "account_id": ["acct-123"]}
    assert token_call.request.headers["Authorization"] == "Basic " + base64.b64encode(b"client-abc:secret-xyz").decode()
    assert create_call.request.headers["Authorization"] == "Bearer " + fixture("oauth-token.json")["access_token"]
    body = json.loads(create_call.request.body)
    assert body["type"] == 2 and body["timezone"] == "UTC" and body["duration"] == session.minutes
    assert body["start_time"] == session.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["settings"]["waiting_room"] is True and body["settings"]["join_before_host"] is False
    assert create_call.request.req_kwargs["timeout"] == 7

    assert (session.status, session.provider, session.zoom_meeting_id) == ("approved", "zoom", "92674392836")
    assert session.zoom_join_url == fixture("meeting-create-201.json")["join_url"]
    assert "zak=" not in session.zoom_join_url  # the host's link is never stored

    # A second approval reuses the cached token: one token call in all.
    _, _, other = _requested_other(teacher, session)
    session_approve(session=other, user=teacher)
    assert [call.request.url.split("?")[0] for call in responses.calls].count(TOKEN_URL) == 1


def _requested_other(teacher, session):
    student = enrolled_student(session.course, first_name="Tom", last_name="Other")
    other = session_request(
        student=student,
        course=session.course,
        teacher=teacher,
        starts_at=session.starts_at + timedelta(hours=1),
    )
    return teacher, student, other


@pytest.mark.django_db
@responses.activate
def test_join_links_per_role(zoom):
    _token_and_create()
    teacher, student, session = _requested()
    session = session_approve(session=session, user=teacher)
    LiveSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now(), ends_at=timezone.now() + timedelta(hours=1)
    )
    session.refresh_from_db()
    meeting = fixture("meeting-create-201.json")
    responses.add(responses.GET, f"{API}/meetings/92674392836", json=meeting)

    assert session_join(session=session, user=student) == meeting["join_url"]
    assert session_join(session=session, user=teacher) == meeting["start_url"]  # fetched fresh, at join
    assert responses.calls[-1].request.url == f"{API}/meetings/92674392836"


@pytest.mark.django_db
@responses.activate
def test_an_expired_token_is_replaced_once(zoom):
    cache.set(meetings._zoom_token_key(meetings.provider_config()), "stale-token", 600)
    responses.add(responses.POST, f"{API}/users/me/meetings", json=fixture("invalid-token-401.json"), status=401)
    responses.add(responses.POST, TOKEN_URL, json=fixture("oauth-token.json"))
    responses.add(responses.POST, f"{API}/users/me/meetings", json=fixture("meeting-create-201.json"), status=201)
    teacher, student, session = _requested()
    session = session_approve(session=session, user=teacher)
    assert session.zoom_meeting_id == "92674392836"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer stale-token"
    assert responses.calls[2].request.headers["Authorization"].endswith(fixture("oauth-token.json")["access_token"])


@pytest.mark.django_db
@responses.activate
def test_refused_credentials_or_meeting_leave_the_request_waiting(zoom):
    responses.add(
        responses.POST,
        TOKEN_URL,
        json={"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
        status=400,
    )
    teacher, student, session = _requested()
    with pytest.raises(LiveError) as refused:
        session_approve(session=session, user=teacher)
    assert refused.value.code == "zoom_auth_failed" and status_for(refused.value) == 502
    session.refresh_from_db()
    assert session.status == "requested" and session.zoom_meeting_id == ""

    responses.replace(responses.POST, TOKEN_URL, json=fixture("oauth-token.json"))
    responses.add(
        responses.POST,
        f"{API}/users/me/meetings",
        json={"code": 1001, "message": "User does not exist: me."},
        status=404,
    )
    with pytest.raises(LiveError) as refused:
        session_approve(session=session, user=teacher)
    assert refused.value.code == "zoom_1001"
    responses.replace(responses.POST, f"{API}/users/me/meetings", body=requests.exceptions.ConnectTimeout("timed out"))
    with pytest.raises(LiveError) as refused:
        session_approve(session=session, user=teacher)
    assert refused.value.code == "meeting_unavailable"
    session.refresh_from_db()
    assert session.status == "requested"


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_cancellation_deletes_the_meeting_once(zoom):
    _token_and_create()
    teacher, student, session = _requested()
    session = session_approve(session=session, user=teacher)
    responses.add(responses.DELETE, f"{API}/meetings/92674392836", status=204)
    session_cancel(session=session, user=student, reason="Ill")
    session.refresh_from_db()
    assert session.status == "cancelled" and session.zoom_deleted_at is not None
    deletes = [call for call in responses.calls if call.request.method == "DELETE"]
    assert len(deletes) == 1
    # Running the task again changes nothing and calls nobody.
    assert session_meeting_delete(session_id=session.pk) is False
    assert len([call for call in responses.calls if call.request.method == "DELETE"]) == 1


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_failed_deletion_keeps_the_cancellation_and_is_retried(zoom):
    _token_and_create()
    teacher, student, session = _requested()
    session = session_approve(session=session, user=teacher)
    responses.add(responses.DELETE, f"{API}/meetings/92674392836", json={"code": 500, "message": "oops"}, status=500)
    session_cancel(session=session, user=teacher, reason="Away")
    session.refresh_from_db()
    assert session.status == "cancelled" and session.zoom_deleted_at is None
    # The retry finds the meeting already gone (404, code 3001): that counts as deleted.
    responses.replace(
        responses.DELETE, f"{API}/meetings/92674392836", json=fixture("meeting-not-found-404.json"), status=404
    )
    assert session_meeting_delete(session_id=session.pk) is True
    session.refresh_from_db()
    assert session.zoom_deleted_at is not None


# --- webhooks ---------------------------------------------------------------------------


def _signed(client, body: bytes, *, secret=SECRET_TOKEN, timestamp=None, signature=None):
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    expected = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("live:zoom_webhook"),
        body,
        content_type="application/json",
        HTTP_X_ZM_REQUEST_TIMESTAMP=timestamp,
        HTTP_X_ZM_SIGNATURE=signature if signature is not None else expected,
    )


@pytest.mark.django_db
def test_the_url_validation_challenge_is_answered(client, zoom):
    body = (FIXTURES / "webhook-url-validation.json").read_bytes()
    answer = _signed(client, body)
    assert answer.status_code == 200
    plain = "qgg8vlvZRS6UYooatFL8Aw"
    assert answer.json() == {
        "plainToken": plain,
        "encryptedToken": hmac.new(SECRET_TOKEN.encode(), plain.encode(), hashlib.sha256).hexdigest(),
    }


@pytest.mark.django_db
def test_unsigned_forged_or_stale_webhooks_are_refused(client, zoom):
    body = (FIXTURES / "webhook-url-validation.json").read_bytes()
    # An unsigned challenge gets no answer: it would sign any text for an attacker.
    assert _signed(client, body, signature="").status_code == 401
    assert _signed(client, body, secret="not-the-secret").status_code == 401
    assert _signed(client, body, timestamp=str(int(time.time()) - 3600)).status_code == 401
    assert _signed(client, body, timestamp="yesterday").status_code == 401
    assert _signed(client, b"not json").status_code == 400
    assert _signed(client, b'{"event": "meeting.started"}').status_code == 400
    assert client.get(reverse("live:zoom_webhook")).status_code == 405
    zoom.ZOOM_WEBHOOK_SECRET_TOKEN = ""
    assert _signed(client, body).status_code == 404


@pytest.mark.django_db
@responses.activate
def test_meeting_events_record_the_class_times_once(client, zoom):
    _token_and_create()
    teacher, student, session = _requested()
    session = session_approve(session=session, user=teacher)
    body = (FIXTURES / "webhook-meeting-started.json").read_bytes()
    assert _signed(client, body).status_code == 204
    assert _signed(client, body).status_code == 204  # Zoom's retry of the same delivery
    session.refresh_from_db()
    assert session.meeting_started_at.timestamp() == pytest.approx(1626230691.572)
    assert ZoomWebhookEvent.objects.count() == 1
    ended = json.loads(body)
    ended.update(event="meeting.ended", event_ts=1626234291572)
    assert _signed(client, json.dumps(ended).encode()).status_code == 204
    session.refresh_from_db()
    assert session.meeting_ended_at > session.meeting_started_at


# --- settings in the admin ----------------------------------------------------------------


@pytest.mark.django_db
@responses.activate
def test_admin_settings_override_the_environment(settings):
    cache.clear()
    settings.LIVE_PROVIDER = "jitsi"
    settings.ZOOM_ACCOUNT_ID = settings.ZOOM_CLIENT_ID = settings.ZOOM_CLIENT_SECRET = ""
    stored = LiveSettings.load()
    stored.provider = "zoom"
    stored.zoom_account_id, stored.zoom_client_id, stored.zoom_client_secret = "acct-123", "client-abc", "secret-xyz"
    stored.save()
    _token_and_create()
    teacher, student, session = _requested()
    session = session_approve(session=session, user=teacher)
    assert session.provider == "zoom"
    assert (
        responses.calls[0].request.headers["Authorization"]
        == "Basic " + base64.b64encode(b"client-abc:secret-xyz").decode()
    )
    cache.clear()


@pytest.mark.django_db
def test_the_admin_settings_page_keeps_secrets_write_only(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@example.com", password="pw-for-tests-1")
    client.force_login(admin)
    stored = LiveSettings.load()
    stored.zoom_client_secret = "kept-secret"
    stored.save()
    url = reverse("wagtailsettings:edit", args=["live", "livesettings", stored.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Zoom (Server-to-Server OAuth)" in html and "kept-secret" not in html
    answer = client.post(
        url,
        {
            "provider": "zoom",
            "zoom_account_id": "acct-9",
            "zoom_client_id": "client-9",
            "zoom_client_secret": "",
            "zoom_webhook_secret_token": "whsec-9",
            "zoom_host_user": "teacher@example.com",
            "bbb_url": "",
            "bbb_secret": "",
            "jitsi_app_id": "",
            "jitsi_app_secret": "",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    stored = LiveSettings.objects.get()
    assert (stored.provider, stored.zoom_account_id, stored.zoom_client_secret) == ("zoom", "acct-9", "kept-secret")
    assert stored.zoom_webhook_secret_token == "whsec-9"
    config = meetings.provider_config()
    assert (config.zoom_host_user, config.zoom_webhook_secret_token) == ("teacher@example.com", "whsec-9")


@pytest.mark.django_db
@responses.activate
def test_a_failed_approval_deletes_the_meeting_zoom_made(zoom, monkeypatch):
    _token_and_create()
    responses.add(responses.DELETE, f"{API}/meetings/92674392836", status=204)
    teacher, student, session = _requested()

    def broken_invitation(**kwargs):
        raise RuntimeError("mail template missing")

    monkeypatch.setattr("live.services.session_ics", broken_invitation)
    with pytest.raises(RuntimeError):
        session_approve(session=session, user=teacher)
    session.refresh_from_db()
    assert session.status == "requested" and session.zoom_meeting_id == ""
    assert [call.request.method for call in responses.calls][-1] == "DELETE"
