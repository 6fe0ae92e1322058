"""The OpenAPI document: every endpoint of the API page is in it, every operation states the
refusals the framework gives, and no two response or request shapes share a name (two
classes with one name would silently overwrite each other in the document)."""

import inspect
import sys

import pytest
from ninja import Schema

from api.v1 import api

# The endpoints of docs/api.md: clients are written against these paths.
API_PAGE = """
post auth/register/ · post auth/verify-email/ · post auth/login/ · post auth/refresh/ · post auth/logout/
post auth/password-reset/ · post auth/password-reset-confirm/ · get me/ · patch me/ · delete me/ · get me/export/
get categories/ · get courses/ · get courses/{course_id}/ · get courses/{course_id}/sections/
post courses/{course_id}/enroll/ · get lessons/{lesson_id}/ · put lessons/{lesson_id}/progress/
post lessons/{lesson_id}/complete/ · get quizzes/{block_id}/ · post quizzes/{block_id}/attempts/
post quizzes/{block_id}/submit/ · get quizzes/{block_id}/attempts/ · get assignments/{block_id}/
post assignments/{block_id}/submit/ · get assignments/{block_id}/submissions/ · put submissions/{submission_id}/grade/
post h5p/{block_id}/xapi/ · post ai-tools/validate-token/ · post ai-tools/complete/ · post payments/initiate/
post payments/webhook/paystack/ · post payments/webhook/payfast/ · post payments/webhook/stripe/
get payments/history/ · post coupons/validate/ · get subscriptions/me/ · get instructor/courses/
get instructor/students/ · get instructor/analytics/ · get instructor/earnings/ · post instructor/payouts/request/
get admin/users/ · patch admin/users/{user_id}/ · get admin/payouts/pending/ · put admin/payouts/{payout_id}/approve/
put admin/payouts/{payout_id}/reject/ · get admin/analytics/ · get certificates/ · get certificates/verify/{code}/
get live/sessions/ · post live/sessions/ · put live/sessions/{session_id}/approve/
put live/sessions/{session_id}/reject/ · put live/sessions/{session_id}/cancel/ · get live/availability/{teacher_id}/
get conversations/ · post conversations/ · get conversations/{conversation_id}/messages/
post conversations/{conversation_id}/messages/ · get notifications/ · post notifications/{notification_id}/read/
"""


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema()


def test_every_endpoint_of_the_api_page_is_documented(document):
    documented = {
        (method, path.removeprefix("/api/v1/")) for path, methods in document["paths"].items() for method in methods
    }
    listed = {tuple(item.split()) for item in API_PAGE.replace("\n", " · ").split(" · ") if item.strip()}
    assert len(listed) == 62
    assert listed - documented == set()


def test_every_operation_states_the_framework_refusals(document):
    operation = document["paths"]["/api/v1/instructor/students/"]["get"]
    assert {200, 400, 401, 403, 404, 429} <= set(operation["responses"])
    assert "Retry-After" in operation["responses"][429]["headers"]
    public = document["paths"]["/api/v1/categories/"]["get"]
    assert set(public["responses"]) == {200}  # no input, no sign-in: nothing to refuse
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            if op.get("security"):
                assert {401, 429} <= set(op["responses"]), f"{method} {path}"


def test_no_two_schemas_share_a_name():
    classes = {}
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("api."):
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == name:
                classes.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: places for name, places in classes.items() if len(places) > 1} == {}
