"""The per-block retry switch: a finished activity shows the recorded result and a Retry
button only when the block allows another attempt; otherwise the server refuses a new attempt
(the player page) and any further result (the API), and the page shows no player."""

import copy
import json
import re
import uuid

import pytest

from learners.interactive.h5p import h5p_player_token
from learners.interactive.xapi import activity_iri
from learners.models import H5PAttempt, H5PResult, XAPIStatement
from tests.learners.interactive.interactive_helpers import enrolled, h5p_course, stored_package, xapi_fixture

pytestmark = pytest.mark.django_db


def _course(student, *, allow_retry: bool):
    course, lesson, block_id = h5p_course(stored_package("H5P.TrueFalse.h5p"))
    body = lesson.body
    body[0].value["allow_retry"] = allow_retry
    lesson.body = body
    lesson.save_revision().publish()
    enrolled(student, course)
    return lesson, block_id


def _answer(client, lesson, block_id, attempt_id, response: str):
    statement = copy.deepcopy(xapi_fixture("h5p-truefalse-answered_h5p-php-report.json"))
    statement["id"] = str(uuid.uuid4())
    statement["object"]["id"] = activity_iri(lesson_id=lesson.pk, block_id=block_id)
    statement["context"] = {"registration": str(attempt_id)}
    statement["result"]["response"] = response
    return client.post(f"/api/v1/h5p/{block_id}/xapi/", json.dumps(statement), content_type="application/json")


def _player(client, student, lesson, block_id):
    return client.get(f"/h5p/play/{h5p_player_token(user=student, lesson_id=lesson.pk, block_id=block_id)}/")


def test_one_attempt_blocks_refuse_a_second_attempt_and_a_second_answer(client, student):
    lesson, block_id = _course(student, allow_retry=False)
    client.force_login(student)
    page = client.get(lesson.url).content.decode()
    assert re.search(r'<iframe[^>]+\ssrc="/h5p/play/', page) and "data-h5p-retry" not in page  # not finished yet

    assert _player(client, student, lesson, block_id).status_code == 200
    attempt = H5PAttempt.objects.get(user=student)
    assert _answer(client, lesson, block_id, attempt.pk, "false").status_code == 201  # wrong: 0 of 1

    # H5P's own Retry inside the same attempt, and a new attempt: both refused, the 0 stands.
    again = _answer(client, lesson, block_id, attempt.pk, "true")
    assert (again.status_code, again.json()["code"]) == (409, "retry_not_allowed")
    player = _player(client, student, lesson, block_id)
    assert player.status_code == 409 and "allows one attempt" in player.content.decode()
    assert H5PAttempt.objects.filter(user=student).count() == 1
    forged_attempt = H5PAttempt.objects.create(user=student, lesson=lesson, block_id=block_id)
    assert _answer(client, lesson, block_id, forged_attempt.pk, "true").status_code == 409
    result = H5PResult.objects.get(user=student)
    assert (result.score_raw, result.attempts) == (0, 1)
    assert XAPIStatement.objects.filter(user=student).count() == 1

    page = client.get(lesson.url).content.decode()
    assert "Your recorded score: 0 of 1." in page and "This activity allows one attempt." in page
    assert "<iframe" not in page and "data-h5p-retry" not in page


def test_blocks_that_allow_retry_show_the_result_and_a_retry_button(client, student):
    lesson, block_id = _course(student, allow_retry=True)
    client.force_login(student)
    _player(client, student, lesson, block_id)
    first = H5PAttempt.objects.get(user=student)
    assert _answer(client, lesson, block_id, first.pk, "false").status_code == 201

    page = client.get(lesson.url).content.decode()
    assert "Your recorded score: 0 of 1." in page
    assert f'data-h5p-retry="{block_id}"' in page
    # The player waits for Retry: its address is held in data-src, the frame hidden.
    assert re.search(r'<iframe[^>]+data-src="/h5p/play/[^"]+"\s+hidden', page)

    assert _player(client, student, lesson, block_id).status_code == 200  # Retry opens a new attempt
    second = H5PAttempt.objects.exclude(pk=first.pk).get(user=student)
    assert _answer(client, lesson, block_id, second.pk, "true").status_code == 201
    result = H5PResult.objects.get(user=student)
    assert (result.score_raw, result.attempts, result.success) == (1, 2, True)


@pytest.mark.parametrize("allow_retry", [False, True])
def test_the_player_gets_h5p_s_own_retry_only_when_the_block_allows_another_attempt(client, student, allow_retry):
    lesson, block_id = _course(student, allow_retry=allow_retry)
    client.force_login(student)
    token = h5p_player_token(user=student, lesson_id=lesson.pk, block_id=block_id)
    served = client.get(f"/h5p/play/{token}/files/content/content.json")
    assert served.status_code == 200 and served["Content-Security-Policy"] == "sandbox; default-src 'none'"
    content = json.loads(b"".join(served.streaming_content) if served.streaming else served.content)
    assert content["behaviour"]["enableRetry"] is allow_retry  # the fixture's own setting is true
    assert content["correct"] == "true"  # the rest of the content as packaged


def test_retry_switches_are_turned_off_throughout_a_question_set():
    from learners.interactive.h5p import h5p_content_without_retry

    content = {
        "override": {"retryButton": "on", "checkButton": True},
        "questions": [{"params": {"behaviour": {"enableRetry": True, "enableSolutionsButton": True}}}],
        "texts": ["kept"],
    }
    assert h5p_content_without_retry(content) == {
        "override": {"retryButton": "off", "checkButton": True},
        "questions": [{"params": {"behaviour": {"enableRetry": False, "enableSolutionsButton": True}}}],
        "texts": ["kept"],
    }
    assert content["override"]["retryButton"] == "on"  # the stored content is not changed
