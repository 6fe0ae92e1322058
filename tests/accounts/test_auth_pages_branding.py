"""allauth's pages use the site's layout and button styles, and its emails carry the site's
name and public address (the Wagtail Site), never "Hello from 127.0.0.1:8101!"."""

import re

import pytest
from django.core import mail

from core.site_url import site_address_set

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/accounts/confirm-email/"]
)
def test_sign_in_pages_use_the_site_layout_and_buttons(client, url):
    html = client.get(url).content.decode()
    assert '<main id="main" class="container auth-main">' in html
    assert "css/auth.css" in html
    if "confirm-email" not in url:
        assert re.search(r'<form class="auth-form" method="post"', html)
        assert re.search(r'<button class="button[^"]*"\s+type="submit"', html)
        assert '<div class="field' in html and "<label for=" in html


def test_the_verification_email_is_branded_with_the_sites_name_and_address(client):
    site_address_set(url="http://127.0.0.1:8101")
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.test",
            "first_name": "Naledi",
            "last_name": "M",
            "password1": "correct-horse-battery",
            "password2": "correct-horse-battery",
        },
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject.startswith("[Lectern] ")
    assert message.body.startswith("Hello Naledi,")
    assert "Welcome to Lectern!" in message.body and "/accounts/confirm-email/" in message.body
    assert "Hello from" not in message.body and "The Lectern team\nhttp://testserver/" in message.body


def test_the_password_reset_email_is_branded(client, student):
    client.post("/accounts/password/reset/", {"email": student.email})
    (message,) = mail.outbox
    assert message.subject.startswith("[Lectern] ") and "Hello from" not in message.body
    assert "/accounts/password/reset/key/" in message.body and "The Lectern team" in message.body
