"""A newcomer signs up, verifies their email from the console link, signs in and edits
their profile."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_verify_sign_in_and_edit_profile(page, screenshot):
    page.goto("/")
    page.click("text=Sign up")
    page.fill("input[name=email]", "newcomer@example.test")
    page.fill("input[name=first_name]", "Zanele")
    page.fill("input[name=last_name]", "Khumalo")
    page.fill("input[name=password1]", "correct-horse-battery")
    page.fill("input[name=password2]", "correct-horse-battery")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "verify" in page.content().lower() or "confirm" in page.content().lower()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto("/" + link.split("/", 3)[3])
    page.click("form button[type=submit]")
    page.wait_for_load_state()

    page.goto("/accounts/login/")
    page.fill("input[name=login]", "newcomer@example.test")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("form button[type=submit]")
    page.wait_for_url("**/dashboard/")
    assert "Zanele" in page.content()

    page.goto("/account/profile/")
    page.fill("textarea[name=bio]", "Here to learn Django.")
    page.select_option("select[name=timezone]", "Europe/London")
    page.click("text=Save profile")
    page.wait_for_load_state()
    assert "Your profile was saved" in page.content()
    screenshot("profile-saved")
    from accounts.models import User

    user = User.objects.get(email="newcomer@example.test")
    assert (user.bio, user.timezone) == ("Here to learn Django.", "Europe/London")
