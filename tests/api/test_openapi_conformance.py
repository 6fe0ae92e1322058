"""Property-based conformance of the whole API to its own OpenAPI document (schemathesis).

Every operation of /api/v1/openapi.json is called with generated inputs as a signed-in
admin who also teaches and takes a seeded course (so most endpoints get past 401/403), with
path ids drawn from the seeded objects as well as at random. Each response must not be a
server error and must match the document: a documented status code, the documented content
type and headers, and a body valid against the documented schema.

Bounded and repeatable: EXAMPLES generated inputs per operation (SCHEMATHESIS_EXAMPLES to
change it), a fixed seed. Deselected from the normal run; run it with `pytest -m schema`
(CI does, after the suite; see .ci/run)."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tokens import token_pair_issue
from discussions.services import post_reply, thread_create
from learners.assessments.assignments import assignment_submit
from learners.assessments.quiz import quiz_attempt_start
from learners.enrollment.services import enrollment_create
from messaging.services import conversation_start
from tests.factories import make_course, make_user
from tests.learners.assessments.assessment_helpers import assignment_value, quiz_value

pytestmark = [pytest.mark.schema, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

# Ids of the objects the current test seeded, by path or query parameter name; a name may be
# narrowed to one kind of path ("/quizzes/:block_id"). Filled by the `world` fixture.
WORLD: dict[str, list] = {}


def _seeded(path: str, name: str) -> list:
    for key, ids in WORLD.items():
        prefix, _, param = key.rpartition(":")
        if param == name and (not prefix or prefix in path):
            return ids
    return []


def _mixed(path: str, values: dict) -> st.SearchStrategy:
    """Each value as generated, or one of the seeded ids for that name."""
    return st.fixed_dictionaries(
        {name: st.sampled_from([value, *_seeded(path, name)]) for name, value in (values or {}).items()}
    )


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _mixed(context.operation.path, path_parameters)


@schema.hook
def flatmap_query(context, query):
    return _mixed(context.operation.path, query)


@schema.hook
def flatmap_body(context, body):
    return _mixed(context.operation.path, body) if isinstance(body, dict) else st.just(body)


@pytest.fixture
def world(admin_user, settings):
    """An admin who owns a course with text, quiz and assignment lessons, is enrolled in it
    with a student, and has a conversation with that student; every gateway configured
    (with test keys), so webhooks answer their signature checks rather than 503."""
    settings.PAYSTACK_SECRET_KEY = "sk_test_schema"
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_schema", "whsec_schema"
    settings.PAYFAST_MERCHANT_ID, settings.PAYFAST_MERCHANT_KEY = "10000100", "schema"
    settings.PAYFAST_CHECK_SOURCE = settings.PAYFAST_VALIDATE_WITH_SERVER = False
    settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET, settings.PAYPAL_WEBHOOK_ID = "id", "secret", "WH-schema"
    settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET = "rzp_test_schema", "schema"
    settings.RAZORPAY_WEBHOOK_SECRET = "whsec_schema"
    course = make_course(
        title="World",
        instructor=admin_user,
        sections=[
            (
                "Part one",
                [
                    ("Reading", [("rich_text", "<p>Read this.</p>")], {}),
                    ("Quiz", [("quiz", quiz_value())], {}),
                    ("Essay", [("assignment", assignment_value())], {}),
                ],
            )
        ],
    )
    reading, quiz, essay = course.lessons()
    student = make_user(first_name="Stu", last_name="Dent")
    for user in (admin_user, student):
        enrollment_create(user=user, course=course)
    quiz_block, essay_block = quiz.body[0].id, essay.body[0].id
    attempt = quiz_attempt_start(user=admin_user, block_id=quiz_block)
    submission = assignment_submit(user=student, block_id=essay_block, text="My essay.")
    conversation, _ = conversation_start(student=student, teacher=admin_user, course=course, body="Hello")
    thread = thread_create(user=student, course=course, lesson=reading, kind="question", title="Why?", body="Asking")
    reply = post_reply(user=student, thread=thread, body="More detail")
    WORLD.clear()
    WORLD.update(
        {
            "course_id": [course.pk],
            "course": [course.pk],
            "lesson_id": [reading.pk, quiz.pk, essay.pk],
            "/quizzes/:block_id": [quiz_block],
            "/assignments/:block_id": [essay_block],
            "submission_id": [submission.pk],
            "attempt_id": [attempt.pk],
            "conversation_id": [conversation.pk],
            "thread_id": [thread.pk],
            "post_id": [reply.pk, thread.posts.first().pk],
            "user_id": [student.pk],
            "teacher_id": [admin_user.pk],
        }
    )
    # As Django's test client does: the calls run inside this test's transaction, so the end
    # of a request must not close the database connection (it would on PostgreSQL).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"token": token_pair_issue(user=admin_user).access}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        WORLD.clear()


def test_the_run_covers_every_operation():
    """A schema that lost its operations (or could not express one) must fail, not pass empty."""
    results = list(schema.get_all_operations())
    assert [result.err() for result in results if isinstance(result, Err)] == []
    assert len(results) >= 62  # the endpoints of the API page and a few more


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_api_conforms_to_its_schema(case, world):
    case.call_and_validate(headers={"Authorization": f"Bearer {world['token']}"}, checks=CHECKS)
