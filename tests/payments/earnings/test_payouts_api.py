"""The earnings API: /api/v1/instructor/earnings/, /payouts/request/ and the admin payout routes."""

import json

import pytest

from payments.models import PayoutRequest

pytestmark = pytest.mark.django_db


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _put(client, url, data):
    return client.put(url, json.dumps(data), content_type="application/json")


def test_earnings_returns_balances_courses_months_and_a_paginated_ledger(client, earning_instructor):
    client.force_login(earning_instructor)
    body = client.get("/api/v1/instructor/earnings/?page_size=1").json()
    assert body["balances"]["available"] == {"amount": 70000, "currency": "ZAR"}
    assert body["balances"]["pending"]["amount"] == 0
    assert body["payout_threshold"]["amount"] == 10000
    assert body["by_course"][0]["course_title"] == "Bookkeeping"
    assert len(body["by_month"]) == 12
    (row,) = body["ledger"]["results"]
    assert (row["gross"]["amount"], row["vat"]["amount"], row["net"]["amount"]) == (115000, 15000, 100000)
    assert (row["share_percent"], row["amount"]["amount"], row["status"]) == ("70.00", 70000, "available")
    assert body["ledger"]["count"] == 1 and body["ledger"]["next"] is None


def test_payout_request_201_and_400s(client, earning_instructor):
    client.force_login(earning_instructor)
    created = _post(client, "/api/v1/instructor/payouts/request/", {"amount": 60000})
    assert created.status_code == 201
    assert created.json()["amount"] == {"amount": 60000, "currency": "ZAR"}
    over = _post(client, "/api/v1/instructor/payouts/request/", {"amount": 10001})
    assert (over.status_code, over.json()["code"]) == (400, "over_available")
    under = _post(client, "/api/v1/instructor/payouts/request/", {"amount": 500})
    assert (under.status_code, under.json()["code"]) == (400, "below_threshold")
    assert "detail" in under.json()
    assert PayoutRequest.objects.count() == 1


def test_students_get_403_and_anonymous_401(client, student):
    assert client.get("/api/v1/instructor/earnings/").status_code == 401
    client.force_login(student)
    response = client.get("/api/v1/instructor/earnings/")
    assert (response.status_code, response.json()["code"]) == (403, "not_instructor")
    assert _post(client, "/api/v1/instructor/payouts/request/", {"amount": 10000}).status_code == 403
    assert client.get("/api/v1/admin/payouts/pending/").status_code == 403


def test_admin_lists_pending_and_approves_or_rejects(client, earning_instructor, admin_user):
    client.force_login(earning_instructor)
    first = _post(client, "/api/v1/instructor/payouts/request/", {"amount": 20000}).json()["id"]
    second = _post(client, "/api/v1/instructor/payouts/request/", {"amount": 30000}).json()["id"]
    own = _put(client, f"/api/v1/admin/payouts/{first}/approve/", {"reference": "x"})
    assert (own.status_code, own.json()["code"]) == (403, "not_allowed")
    client.force_login(admin_user)
    pending = client.get("/api/v1/admin/payouts/pending/").json()
    assert [p["id"] for p in pending["results"]] == [first, second]
    approved = _put(client, f"/api/v1/admin/payouts/{first}/approve/", {"reference": "EFT-1"})
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    rejected = _put(client, f"/api/v1/admin/payouts/{second}/reject/", {"reason": "Wrong account"})
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    again = _put(client, f"/api/v1/admin/payouts/{second}/approve/", {"reference": "EFT-2"})
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")
    assert client.get("/api/v1/admin/payouts/pending/").json()["count"] == 0
    assert _put(client, "/api/v1/admin/payouts/999999/approve/", {"reference": "x"}).status_code == 404
    client.force_login(earning_instructor)
    balances = client.get("/api/v1/instructor/earnings/").json()["balances"]
    assert (balances["available"]["amount"], balances["paid_out"]["amount"]) == (50000, 20000)
