"""Admins edit the platform settings in the Wagtail admin; the change is used at once (VAT,
payouts) and appears in Wagtail's audit log with who, what and when."""

from decimal import Decimal

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from core.money import format_units
from coursepages.models import PlatformSettings

pytestmark = pytest.mark.django_db


def _form_data(settings_obj, **changes):
    data = {
        "site_name": settings_obj.site_name,
        "logo": "",
        "brand_colour": settings_obj.brand_colour,
        "support_email": settings_obj.support_email,
        "currency": settings_obj.currency,
        "vat_rate": str(settings_obj.vat_rate),
        "vat_number": settings_obj.vat_number,
        "seller_name": settings_obj.seller_name,
        "seller_address": settings_obj.seller_address,
        "default_revenue_share": str(settings_obj.default_revenue_share),
        "hold_days": settings_obj.hold_days,
        "payout_threshold_cents": format_units(settings_obj.payout_threshold_cents),  # typed in rand
        "gateway_sandbox": "on",
        "subscription_pool_percent": str(settings_obj.subscription_pool_percent),
        "subscription_split_rule": settings_obj.subscription_split_rule,
        "renewal_retry_days": settings_obj.renewal_retry_days,
        "renewal_grace_days": settings_obj.renewal_grace_days,
    }
    data.update(changes)
    return data


def test_admin_edits_settings_and_the_edit_is_logged(client, admin_user):
    current = PlatformSettings.load()
    client.force_login(admin_user)
    url = reverse("wagtailsettings:edit", args=["coursepages", "platformsettings", current.pk])
    response = client.post(url, _form_data(current, vat_number="4123456789", hold_days=7))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = PlatformSettings.load()
    assert saved.vat_number == "4123456789" and saved.hold_days == 7
    entry = ModelLogEntry.objects.get(content_type__model="platformsettings", action="wagtail.edit")
    assert entry.user == admin_user and entry.timestamp is not None


def test_settings_form_refuses_a_vat_rate_over_one_and_keeps_the_old_value(client, admin_user):
    current = PlatformSettings.load()
    client.force_login(admin_user)
    url = reverse("wagtailsettings:edit", args=["coursepages", "platformsettings", current.pk])
    response = client.post(url, _form_data(current, vat_rate="1.5"))
    assert response.status_code == 200  # the form again, with the error
    assert PlatformSettings.load().vat_rate == Decimal("0.15")
    assert not ModelLogEntry.objects.filter(content_type__model="platformsettings").exists()


def test_instructors_cannot_open_or_change_platform_settings(client, instructor):
    current = PlatformSettings.load()
    client.force_login(instructor)
    url = reverse("wagtailsettings:edit", args=["coursepages", "platformsettings", current.pk])
    assert client.get(url).status_code in (302, 403)
    client.post(url, _form_data(current, vat_rate="0"))
    assert PlatformSettings.load().vat_rate == Decimal("0.15")


def test_pages_show_saved_settings_at_once(client):
    """Pages read the settings from the cache (PlatformSettings.load with a request); saving
    them must show on the next page."""
    client.get("/courses/?q=warm")  # caches the settings (a query string the page cache skips)
    settings = PlatformSettings.load()
    settings.site_name = "Khaya Academy"
    settings.save()
    assert "Khaya Academy" in client.get("/courses/?q=again").content.decode()


def test_the_payout_threshold_is_shown_and_typed_in_currency_units(client, admin_user):
    current = PlatformSettings.load()
    client.force_login(admin_user)
    url = reverse("wagtailsettings:edit", args=["coursepages", "platformsettings", current.pk])
    assert 'value="500.00"' in client.get(url).content.decode()  # the default, 50000 cents
    assert client.post(url, _form_data(current, payout_threshold_cents="750.50")).status_code == 302
    assert PlatformSettings.load().payout_threshold_cents == 75050
