"""The client's address behind proxies (core/client_ip.py): counted from the right of
X-Forwarded-For by TRUSTED_PROXY_HOPS, so a forged left entry changes nothing, and clients
behind the load balancer do not share its address in the sign-in limits."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from core.client_ip import client_ip
from tests.factories import make_user

LB = "10.0.0.5"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def request(remote="10.0.0.5", xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("hops", "remote", "xff", "expected"),
    [
        (0, "198.51.100.7", "1.2.3.4", "198.51.100.7"),  # reached directly: header ignored
        (1, LB, "198.51.100.7", "198.51.100.7"),
        (1, LB, "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # forged left entry ignored
        (2, LB, "1.2.3.4, 198.51.100.7, 10.0.0.9", "198.51.100.7"),  # CDN then LB
        (1, LB, None, LB),
        (1, LB, "not-an-address", LB),
        (1, LB, "[2001:db8::1]:443", "2001:db8::1"),
        (2, LB, "198.51.100.7", "198.51.100.7"),  # fewer entries than hops: all trusted
    ],
)
def test_client_ip_counts_trusted_hops_from_the_right(settings, hops, remote, xff, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    assert client_ip(request(remote, xff)) == expected


@pytest.mark.django_db
def test_web_sign_in_failures_by_one_client_do_not_lock_out_another_behind_the_balancer(client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    make_user(email="a@example.test", password="a-long-pass-phrase")
    make_user(email="b@example.test", password="b-long-pass-phrase")
    for n in range(6):
        client.post(
            "/accounts/login/",
            {"login": f"x{n}@example.test", "password": "wrong"},
            REMOTE_ADDR=LB,
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    response = client.post(
        "/accounts/login/",
        {"login": "b@example.test", "password": "b-long-pass-phrase"},
        REMOTE_ADDR=LB,
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_web_sign_in_limit_is_not_defeated_by_a_rotating_forged_header(client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    make_user(email="b@example.test", password="b-long-pass-phrase")
    for n in range(6):
        response = client.post(
            "/accounts/login/",
            {"login": f"x{n}@example.test", "password": "wrong"},
            REMOTE_ADDR=LB,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7",
        )
    assert "Too many failed login attempts" in response.content.decode()
    response = client.post(
        "/accounts/login/",
        {"login": "b@example.test", "password": "b-long-pass-phrase"},
        REMOTE_ADDR=LB,
        HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7",
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_api_sign_in_limit_holds_against_a_rotating_forged_header_and_separates_clients(client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "login_ip": "3/m"}
    codes = []
    for n in range(4):
        response = client.post(
            "/api/v1/auth/login/",
            {"email": f"x{n}@example.test", "password": "wrong-password"},
            content_type="application/json",
            REMOTE_ADDR=LB,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7",
        )
        codes.append(response.status_code)
    assert codes[-1] == 429
    other = client.post(
        "/api/v1/auth/login/",
        {"email": "y@example.test", "password": "wrong-password"},
        content_type="application/json",
        REMOTE_ADDR=LB,
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert other.status_code != 429


@pytest.mark.django_db
def test_the_audit_log_records_the_clients_address_not_the_balancers_nor_a_forged_one(client, settings):
    """A moderator's decision made behind the load balancer is logged with the client's
    address, read by the same trusted hops as every rate limit."""
    from django.contrib.auth.models import Group
    from wagtail.models import ModelLogEntry

    from accounts.models import User
    from learners.enrollment.services import enrollment_create, review_save
    from tests.factories import make_course

    settings.TRUSTED_PROXY_HOPS = 1
    moderator = make_user(role=User.Role.INSTRUCTOR)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    student = make_user()
    course = make_course(lessons=1)
    enrollment_create(user=student, course=course)
    review, _ = review_save(user=student, course=course, rating=1, body="spam")
    client.force_login(moderator)
    response = client.post(
        f"/admin/reviews/edit/{review.pk}/",
        {"moderation": "hidden", "moderation_note": ""},
        REMOTE_ADDR=LB,
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )
    assert response.status_code == 302
    entry = ModelLogEntry.objects.get(action="lectern.moderation_hide")
    assert entry.data["client_ip"] == "198.51.100.7"
