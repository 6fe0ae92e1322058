"""An admin sets Zoom as the live-class provider in the Wagtail admin (Settings → Live
classes), with its Server-to-Server OAuth credentials; the secrets are never shown back and
an empty secret box keeps the stored one."""

import pytest

from live import meetings
from live.models import LiveSettings
from tests.e2e.conftest import sign_in
from tests.factories import make_user
from tests.learners.interactive.interactive_helpers import ensure_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_sets_zoom_credentials_in_the_admin(page, screenshot):
    ensure_site_tree()
    admin = make_user(email="root@example.test", is_staff=True, is_superuser=True)
    sign_in(page, admin.email)
    page.goto("/admin/settings/live/livesettings/")
    page.select_option("select[name=provider]", "zoom")
    page.fill("input[name=zoom_account_id]", "acct-e2e")
    page.fill("input[name=zoom_client_id]", "client-e2e")
    page.fill("input[name=zoom_client_secret]", "secret-e2e")
    page.fill("input[name=zoom_webhook_secret_token]", "whsec-e2e")
    with page.expect_navigation():
        page.locator("form button[type=submit]").filter(has_text="Save").first.click()
    stored = LiveSettings.objects.get()
    assert (stored.provider, stored.zoom_client_id, stored.zoom_client_secret) == ("zoom", "client-e2e", "secret-e2e")
    assert "secret-e2e" not in page.content() and "whsec-e2e" not in page.content()
    assert page.locator("input[name=zoom_client_secret]").get_attribute("placeholder").startswith("••••")
    screenshot("live-settings-zoom")

    # Saving again with the secret boxes left empty keeps the secrets.
    page.fill("input[name=zoom_host_user]", "teacher@example.test")
    with page.expect_navigation():
        page.locator("form button[type=submit]").filter(has_text="Save").first.click()
    config = meetings.provider_config()
    assert (config.provider, config.zoom_client_secret, config.zoom_webhook_secret_token) == (
        "zoom",
        "secret-e2e",
        "whsec-e2e",
    )
    assert config.zoom_host_user == "teacher@example.test"
