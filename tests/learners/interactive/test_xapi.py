"""xAPI from the H5P player, with the real statements in the shared fixtures: stored raw,
results applied, the block's completion rule respected, child statements never completing
the activity, and the checks on activity, enrollment and score bounds."""

import copy
import json
import uuid

import pytest

from learners.interactive.xapi import activity_iri
from learners.models import BlockCompletion, H5PAttempt, H5PResult, LessonProgress, XAPIStatement
from tests.learners.interactive.interactive_helpers import enrolled, h5p_course, stored_package, xapi_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def package():
    return stored_package("H5P.TrueFalse.h5p")


def _for_block(statement: dict, lesson, block_id, user=None) -> dict:
    """The fixture statement as our player would send it: our activity IRI as object id and,
    for `user`, an attempt the server opened as its registration."""
    statement = copy.deepcopy(statement)
    if user is not None:
        attempt = H5PAttempt.objects.create(user=user, lesson=lesson, block_id=block_id)
        statement.setdefault("context", {})["registration"] = str(attempt.pk)
    iri = activity_iri(lesson_id=lesson.pk, block_id=block_id)
    old = statement["object"]["id"].split("?")[0]
    statement["object"]["id"] = statement["object"]["id"].replace(old, iri)
    for parent in statement.get("context", {}).get("contextActivities", {}).get("parent", []):
        parent["id"] = iri
    return statement


def _post(client, block_id, statement):
    return client.post(f"/api/v1/h5p/{block_id}/xapi/", json.dumps(statement), content_type="application/json")


def test_answered_statement_is_stored_and_completes_under_the_completed_rule(client, student, package):
    course, lesson, block_id = h5p_course(package, completion="completed")
    enrolled(student, course)
    client.force_login(student)
    statement = _for_block(xapi_fixture("h5p-truefalse-answered_h5p-php-report.json"), lesson, block_id, student)

    response = _post(client, block_id, statement)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["activity_completed"] is True and body["lesson_completed"] is True
    assert body["result"] == {"score_raw": 0, "score_max": 1, "score_scaled": 0, "success": False, "completion": True}
    stored = XAPIStatement.objects.get()
    assert stored.statement == statement and stored.verb.endswith("/answered") and not stored.is_child
    assert BlockCompletion.objects.get(block_id=block_id).score_percent == 0
    assert LessonProgress.objects.get(lesson=lesson).status == "completed"


def test_the_passed_rule_waits_for_success(client, student, package):
    course, lesson, block_id = h5p_course(package, completion="passed")
    enrolled(student, course)
    client.force_login(student)

    failed = _post(
        client,
        block_id,
        _for_block(xapi_fixture("h5p-truefalse-answered_h5p-php-report.json"), lesson, block_id, student),
    ).json()
    assert failed["activity_completed"] is False
    assert not BlockCompletion.objects.exists()

    right = _for_block(xapi_fixture("h5p-truefalse-answered_h5p-php-report.json"), lesson, block_id, student)
    right["result"]["response"] = "true"  # the package's right answer: the server grades it 1 of 1
    passed = _post(client, block_id, right).json()
    assert passed["activity_completed"] is True
    result = H5PResult.objects.get(user=student, block_id=block_id)
    assert (result.success, result.score_raw, result.best_score_scaled, result.attempts) == (True, 1, 1, 2)
    assert BlockCompletion.objects.get(block_id=block_id).score_percent == 100


def test_a_completed_statement_without_success_completes_only_the_completed_rule(client, student):
    package = stored_package("H5P.Accordion.h5p")  # not graded by the server: its claimed score stands
    course, lesson, block_id = h5p_course(package, completion="passed")
    enrolled(student, course)
    client.force_login(student)
    statement = _for_block(xapi_fixture("h5p-completed-2015_h5p-org-blog.json"), lesson, block_id, student)
    body = _post(client, block_id, statement).json()
    assert body["activity_completed"] is False
    # Accordion is completion only: the claimed 2 of 3 is kept in the statement, not recorded.
    assert body["result"]["score_raw"] is None and body["result"]["success"] is None
    assert XAPIStatement.objects.get().statement["result"]["score"]["raw"] == 2


def test_child_statements_are_stored_but_do_not_complete_the_activity(client, student):
    package = stored_package("H5P.SingleChoiceSet.h5p")
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    report = xapi_fixture("h5p-singlechoiceset-getXAPIData_h5p-php-report.json")
    for child in report["children"]:
        response = _post(client, block_id, _for_block(child["statement"], lesson, block_id, student))
        assert response.status_code == 201 and response.json()["activity_completed"] is False
    assert XAPIStatement.objects.filter(is_child=True).count() == 3
    assert not BlockCompletion.objects.exists() and not H5PResult.objects.exists()

    parent = _post(client, block_id, _for_block(report["statement"], lesson, block_id, student)).json()
    assert parent["activity_completed"] is True
    assert parent["result"]["score_max"] == 3


def test_a_statement_about_another_activity_is_refused(client, student, package):
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    statement = xapi_fixture("h5p-multichoice-answered_libretexts-adapt.json")  # studio.libretexts.org IRI
    response = _post(client, block_id, statement)
    assert response.status_code == 400 and response.json()["code"] == "activity_mismatch"
    other = _for_block(statement, lesson, "00000000-0000-0000-0000-000000000000")
    assert _post(client, block_id, other).json()["code"] == "activity_mismatch"
    assert not XAPIStatement.objects.exists()


def test_scores_outside_their_bounds_are_refused(client, student, package):
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    statement = _for_block(xapi_fixture("h5p-multichoice-answered_libretexts-adapt.json"), lesson, block_id, student)
    statement["result"]["score"]["raw"] = 5
    response = _post(client, block_id, statement)
    assert response.status_code == 400 and response.json()["code"] == "score_out_of_bounds"
    statement["result"]["score"].update(raw=1, scaled=3)
    assert _post(client, block_id, statement).json()["code"] == "score_out_of_bounds"
    assert not XAPIStatement.objects.exists() and not BlockCompletion.objects.exists()


def test_only_enrolled_students_may_post(client, student, other_student, package):
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    statement = _for_block(xapi_fixture("h5p-multichoice-answered_libretexts-adapt.json"), lesson, block_id, student)
    assert _post(client, block_id, statement).status_code == 401
    client.force_login(other_student)
    response = _post(client, block_id, statement)
    assert response.status_code == 403 and response.json()["code"] == "not_enrolled"
    assert not XAPIStatement.objects.exists()


def test_a_statement_with_an_id_is_applied_once(client, student, package):
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    statement = _for_block(xapi_fixture("h5p-multichoice-answered_libretexts-adapt.json"), lesson, block_id, student)
    statement["id"] = "4f0a2bd2-2a5c-4a8e-9f3d-3b4a1c2d5e6f"
    assert _post(client, block_id, statement).status_code == 201
    assert _post(client, block_id, statement).status_code == 200
    assert XAPIStatement.objects.count() == 1 and H5PResult.objects.get().attempts == 1


def test_state_is_saved_and_given_back_to_the_player(client, student, package):
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    url = f"/api/v1/h5p/{block_id}/state/"
    saved = client.put(
        url, json.dumps({"lesson_id": lesson.pk, "state": '{"answer":true}'}), content_type="application/json"
    )
    assert saved.status_code == 200 and saved.json()["state"] == '{"answer":true}'
    assert client.get(url, {"lesson_id": lesson.pk}).json()["state"] == '{"answer":true}'
    html = client.get(lesson.url).content.decode()
    assert '"state": "{\\"answer\\":true}"' in html  # preloaded into the player's contentUserData
    bad = client.put(url, json.dumps({"lesson_id": lesson.pk, "state": "{not json"}), content_type="application/json")
    assert bad.status_code == 400


def test_the_server_grades_true_false_and_ignores_a_forged_full_score(client, student, package):
    course, lesson, block_id = h5p_course(package, completion="passed")
    enrolled(student, course)
    client.force_login(student)
    forged = _for_block(xapi_fixture("h5p-truefalse-answered_h5p-php-report.json"), lesson, block_id, student)
    forged["result"].update(
        {"score": {"min": 0, "max": 1, "raw": 1, "scaled": 1}, "success": True, "response": "false"}
    )
    body = _post(client, block_id, forged).json()
    assert body["activity_completed"] is False
    assert (body["result"]["score_raw"], body["result"]["success"]) == (0, False)
    assert XAPIStatement.objects.get().statement["result"]["score"]["raw"] == 1  # the claim, kept for the record
    forged_passed = _for_block(xapi_fixture("h5p-completed-2015_h5p-org-blog.json"), lesson, block_id, student)
    forged_passed["verb"]["id"] = "http://adlnet.gov/expapi/verbs/passed"
    assert _post(client, block_id, forged_passed).json()["activity_completed"] is False
    assert not BlockCompletion.objects.exists()


def test_the_server_grades_multichoice_against_content_json(client, student):
    package = stored_package("H5P.MultiChoice.h5p")  # answer 0 is the only correct one
    course, lesson, block_id = h5p_course(package, completion="passed")
    enrolled(student, course)
    client.force_login(student)
    statement = _for_block(xapi_fixture("h5p-multichoice-answered_libretexts-adapt.json"), lesson, block_id, student)
    assert statement["result"]["response"] == "1" and statement["result"]["score"]["raw"] == 1
    wrong = _post(client, block_id, statement).json()
    assert (wrong["result"]["score_raw"], wrong["activity_completed"]) == (0, False)
    statement["id"], statement["result"]["response"] = str(uuid.uuid4()), "0"
    right = _post(client, block_id, statement).json()
    assert (right["result"]["score_raw"], right["result"]["score_max"], right["activity_completed"]) == (1, 1, True)


def test_a_statement_for_an_attempt_the_server_never_opened_is_refused(client, student, package):
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    statement = _for_block(xapi_fixture("h5p-truefalse-answered_h5p-php-report.json"), lesson, block_id)
    assert _post(client, block_id, statement).json()["code"] == "attempt_unknown"  # no registration
    statement["context"]["registration"] = str(uuid.uuid4())
    response = _post(client, block_id, statement)
    assert (response.status_code, response.json()["code"]) == (400, "attempt_unknown")
    assert not XAPIStatement.objects.exists() and not H5PResult.objects.exists()


def test_one_attempt_counts_once_however_often_its_statements_are_sent(client, student, package):
    course, lesson, block_id = h5p_course(package)
    enrolled(student, course)
    client.force_login(student)
    statement = _for_block(xapi_fixture("h5p-truefalse-answered_h5p-php-report.json"), lesson, block_id, student)
    for _ in range(3):  # H5P posts one answer's "answered" several times, each with a new id
        statement["id"] = str(uuid.uuid4())
        assert _post(client, block_id, statement).status_code == 201
    assert H5PResult.objects.get(user=student).attempts == 1


def test_the_server_grades_a_single_choice_set_from_its_attempts_answers(client, student):
    package = stored_package("H5P.SingleChoiceSet.h5p")
    course, lesson, block_id = h5p_course(package, completion="passed")
    enrolled(student, course)
    client.force_login(student)
    report = xapi_fixture("h5p-singlechoiceset-getXAPIData_h5p-php-report.json")
    attempt = H5PAttempt.objects.create(user=student, lesson=lesson, block_id=block_id)
    for child, response in zip(report["children"], ["0", "0", "2"], strict=True):
        statement = _for_block(child["statement"], lesson, block_id)
        statement.setdefault("context", {})["registration"] = str(attempt.pk)
        statement["result"]["response"] = response
        statement["result"]["score"] = {"min": 0, "max": 1, "raw": 1, "scaled": 1}  # every one claimed right
        assert _post(client, block_id, statement).status_code == 201
    parent = _for_block(report["statement"], lesson, block_id)
    parent.setdefault("context", {})["registration"] = str(attempt.pk)
    parent["result"]["score"] = {"min": 0, "max": 3, "raw": 3, "scaled": 1}
    body = _post(client, block_id, parent).json()
    assert (body["result"]["score_raw"], body["result"]["score_max"], body["activity_completed"]) == (2, 3, False)


def test_a_completion_only_type_completes_the_lesson_only_if_the_block_allows(client, student):
    package = stored_package("H5P.Accordion.h5p")
    course = h5p_course(package)[0]
    lesson = course.lessons().specific().get()
    body = lesson.body
    body[0].value["ungraded_completes"] = False
    lesson.body = body
    lesson.save_revision().publish()
    block_id = lesson.body[0].id
    enrolled(student, course)
    client.force_login(student)
    statement = _for_block(xapi_fixture("h5p-completed-2015_h5p-org-blog.json"), lesson, block_id, student)
    reply = _post(client, block_id, statement).json()
    assert reply["activity_completed"] is False and reply["result"]["completion"] is True
    assert not BlockCompletion.objects.exists()
