"""Times on the site are shown in the signed-in person's own timezone (their profile's), not
the server's: Django's current timezone is theirs for the request."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import UserTimezoneMiddleware
from accounts.services import user_update_profile
from live.models import LiveSession
from tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(student, instructor):
    course = make_course(instructor=instructor, lessons=1)
    starts = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
    return LiveSession.objects.create(
        course=course, teacher=instructor, student=student, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )


@pytest.mark.parametrize(
    ("zone", "shown"), [("Africa/Johannesburg", "09:00–10:00"), ("America/New_York", "02:00–03:00")]
)
def test_a_live_class_shows_in_the_viewers_timezone(client, student, session, zone, shown):
    user_update_profile(user=student, timezone=zone)
    client.force_login(student)
    html = client.get(reverse("live:detail", args=[session.pk])).content.decode()
    assert f"Monday 1 March 2027, {shown} ({zone})" in html


def test_visitors_get_the_sites_timezone(rf, settings):
    seen = []
    middleware = UserTimezoneMiddleware(
        lambda request: seen.append(timezone.get_current_timezone_name()) or HttpResponse()
    )
    request = rf.get("/")
    request.user = AnonymousUser()
    middleware(request)
    assert seen == [settings.TIME_ZONE]
