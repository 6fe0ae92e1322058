"""Absolute links name the address people use: the request's where there is one, else the
default Wagtail Site's (which `make run PORT=…` / `manage.py site_address` set), never a
hard-coded 127.0.0.1:8000."""

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from wagtail.models import Site

from accounts.demo import print_logins
from core.notify import notify
from core.site_url import absolute_url, site_address_set, site_root_url


@pytest.mark.django_db
def test_without_a_request_links_use_the_default_wagtail_site():
    site_address_set(url="http://127.0.0.1:8101")
    assert site_root_url() == "http://127.0.0.1:8101"
    assert absolute_url("/certificates/verify/X/") == "http://127.0.0.1:8101/certificates/verify/X/"
    site_address_set(url="https://learn.example.org")
    assert (Site.objects.get(is_default_site=True).hostname, Site.objects.get(is_default_site=True).port) == (
        "learn.example.org",
        443,
    )
    assert absolute_url("/x/") == "https://learn.example.org/x/"


@pytest.mark.django_db
def test_with_a_request_links_use_the_address_the_person_reached():
    site_address_set(url="http://127.0.0.1:8101")
    request = RequestFactory().get("/", HTTP_HOST="localhost:9000")
    assert absolute_url("/dashboard/", request=request) == "http://localhost:9000/dashboard/"
    assert absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"


@pytest.mark.django_db
def test_site_address_command_sets_the_site_from_its_argument_or_site_url(monkeypatch):
    out = io.StringIO()
    call_command("site_address", "http://127.0.0.1:8101/", stdout=out)
    assert "http://127.0.0.1:8101" in out.getvalue() and site_root_url() == "http://127.0.0.1:8101"
    monkeypatch.setenv("SITE_URL", "http://lectern.test:8202")
    call_command("site_address", stdout=io.StringIO())
    assert site_root_url() == "http://lectern.test:8202"
    with pytest.raises(CommandError):
        call_command("site_address", "ftp://nope", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_email_links_and_the_demo_banner_name_the_sites_port(student):
    site_address_set(url="http://127.0.0.1:8101")
    notify(user=student, kind="grade", title="Graded", body="8/10", url="/dashboard/", email_template="generic")
    (message,) = mail.outbox
    assert "http://127.0.0.1:8101/dashboard/" in message.body
    assert 'href="http://127.0.0.1:8101/dashboard/"' in message.alternatives[0][0]
    assert "127.0.0.1:8000" not in message.body
    out = io.StringIO()
    print_logins(stdout=out)
    assert "Demo logins (http://127.0.0.1:8101/accounts/login/)" in out.getvalue()
