"""Plans and coupons in the admin take their amounts in currency units ("149.00"), stored in cents."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html

from payments.models import Coupon, Plan

pytestmark = pytest.mark.django_db


def _form(client, url, **values):
    data = querydict_from_html(client.get(url).content.decode(), form_id=None)
    data.pop("csrfmiddlewaretoken", None)
    for key, value in values.items():
        data[key] = value
    return data


def test_a_plan_price_is_typed_in_units(client, admin_user):
    client.force_login(admin_user)
    plan = Plan.objects.create(name="Monthly", slug="monthly", price_cents=14900)
    edit = reverse("money_plans:edit", args=[plan.pk])
    assert 'value="149.00"' in client.get(edit).content.decode()
    data = _form(client, edit, price_cents="199.99")
    assert client.post(edit, data).status_code == 302
    plan.refresh_from_db()
    assert plan.price_cents == 19999


def test_a_fixed_coupon_amount_is_typed_in_units_and_a_percent_coupon_has_none(client, admin_user):
    client.force_login(admin_user)
    add = reverse("money_coupons:add")
    fixed = {
        "code": "FIFTY",
        "kind": "fixed",
        "amount_off_cents": "50.00",
        "currency": "ZAR",
        "is_active": "on",
        "max_per_user": "1",
    }
    response = client.post(add, fixed)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Coupon.objects.get(code="FIFTY").amount_off_cents == 5000
    percent = {
        "code": "TEN",
        "kind": "percent",
        "percent_off": "10",
        "currency": "ZAR",
        "is_active": "on",
        "max_per_user": "1",
    }
    assert client.post(add, percent).status_code == 302
    assert Coupon.objects.get(code="TEN").amount_off_cents is None
    edit = reverse("money_coupons:edit", args=[Coupon.objects.get(code="FIFTY").pk])
    assert 'value="50.00"' in client.get(edit).content.decode()
