"""Server grading of Fill in the Blanks, Drag the Words, Mark the Words and Question Set, with
real statements (shared fixtures and tests/learners/interactive/xapi/) posted through the API:
the recorded score is the server's, a forged claim changes nothing."""

import copy
import json
import uuid
from pathlib import Path

import pytest

from learners.interactive.grading import GRADING_VERSION, h5p_grading, h5p_grading_of, mark_the_words_words
from learners.interactive.xapi import activity_iri
from learners.models import BlockCompletion, H5PAttempt, XAPIStatement
from tests.learners.interactive.interactive_helpers import (
    enrolled,
    h5p_course,
    repackaged,
    stored_package,
    xapi_fixture,
)

pytestmark = pytest.mark.django_db

LOCAL_XAPI = Path(__file__).parent / "xapi"

# The H5P example "fill-in-the-blanks-837" whose statement H5P's Moodle plugin keeps (the
# statement's description is this text with each blank replaced by "__________").
BERRIES = {
    "text": "<p>Insert the missing words in this text about berries found in Norwegian forests and mountainous "
    "regions.</p>\n",
    "questions": [
        "<p>Bilberries <em>(Vaccinium myrtillus)</em>,&nbsp;also known as *blue*berries are edible, nearly black "
        "berries found in nutrient-poor soils.</p>\n",
        "<p>*Cloud*berries <em>(Rubus chamaemorus)</em>&nbsp;are edible orange berries similar to raspberries or "
        "blackberries found in alpine and arctic tundra.&nbsp;</p>\n",
        "<p>Redcurrant <em>(Ribes rubrum) </em>are red translucent berries with a diameter of 8–10 mm, and are "
        "closely related to its black colored relative *black:Think of a colour*currant.&nbsp;</p>\n",
    ],
    "behaviour": {"caseSensitive": False, "acceptSpellingErrors": False, "enableRetry": True},
}

# The text of the Mark the Words statement in the shared fixtures (its choices, in order).
SUBJUNTIVO = {
    "taskDescription": "Seleccione la forma apropiada",
    "textField": "<p>Si nosotros tendríamos / *tuviéramos* dinero, nos *compraríamos* / compráramos un coche "
    "nuevo.</p>\n<p>*Iría* / fuera al supermercado si sería / *fuera* absolutamente necesario.</p>\n"
    "<p>Si yo tendría / *tuviera* tiempo, te *ayudaría* / ayudara.</p>",
    "behaviour": {"enableRetry": True},
}

DRAG = {
    "taskDescription": "Drag the words into the correct boxes",
    "textField": "Oslo is the capital of *Norway:A Nordic country*.\nCopenhagen is the capital of *Denmark\\+Yes!*."
    "\nSweden's capital is *Stockholm*.",
    "distractors": "*Helsinki*",
    "behaviour": {"enableRetry": True},
}


def _local(name: str) -> dict:
    return json.loads((LOCAL_XAPI / name).read_text())


def _post(client, block_id, statement):
    return client.post(f"/api/v1/h5p/{block_id}/xapi/", json.dumps(statement), content_type="application/json")


def _statement(base: dict, lesson, block_id, attempt, *, response: str, sub_content: str = "", claim=None) -> dict:
    """`base` as our player would send it for `attempt` (a child when `sub_content` is set)."""
    statement = copy.deepcopy(base)
    iri = activity_iri(lesson_id=lesson.pk, block_id=block_id)
    statement["id"] = str(uuid.uuid4())
    statement["object"]["id"] = f"{iri}?subContentId={sub_content}" if sub_content else iri
    context = statement.setdefault("context", {})
    context["registration"] = str(attempt.pk)
    if sub_content:
        context.setdefault("contextActivities", {})["parent"] = [{"id": iri, "objectType": "Activity"}]
    result = statement.setdefault("result", {})
    result["response"] = response
    if claim is not None:
        result["score"] = {"min": 0, "max": claim, "raw": claim, "scaled": 1}
        result["success"] = True
    return statement


def _course(student, package, completion="passed"):
    course, lesson, block_id = h5p_course(package, completion=completion)
    enrolled(student, course)
    return lesson, block_id, H5PAttempt.objects.create(user=student, lesson=lesson, block_id=block_id)


def test_mark_the_words_splits_the_text_as_the_library_does():
    """Our reading of the text gives exactly the choices and correct pattern the real
    H5P.MarkTheWords statement carries."""
    statement = xapi_fixture("h5p-markthewords-answered_libretexts-adapt.json")
    words = mark_the_words_words(SUBJUNTIVO["textField"])
    definition = statement["object"]["definition"]
    assert [word for word, _ in words] == [choice["description"]["en-US"] for choice in definition["choices"]]
    answers = "[,]".join(str(index) for index, (_, answer) in enumerate(words) if answer)
    assert answers == definition["correctResponsesPattern"][0]


def test_fill_in_the_blanks_is_graded_from_the_typed_answers(client, student):
    package = repackaged("H5P.Blanks 1.12", BERRIES)
    assert h5p_grading(package) == {"graded": True, "reason": "", "version": GRADING_VERSION}
    lesson, block_id, attempt = _course(student, package)
    client.force_login(student)
    real = _local("h5p-blanks-answered_h5p-moodle-plugin-review.json")
    assert real["result"]["response"] == "blue[,]jeje[,]black" and real["result"]["score"]["raw"] == 2

    forged = _statement(real, lesson, block_id, attempt, response="blue[,]jeje[,]black", claim=3)
    body = _post(client, block_id, forged).json()
    assert (body["result"]["score_raw"], body["result"]["score_max"], body["activity_completed"]) == (2, 3, False)
    assert XAPIStatement.objects.get(statement_id=forged["id"]).statement["result"]["score"]["raw"] == 3

    # Case does not matter in this task; the tip after ":" is not part of the answer.
    right = _statement(real, lesson, block_id, attempt, response=" Blue [,]cloud[,]BLACK")
    body = _post(client, block_id, right).json()
    assert (body["result"]["score_raw"], body["result"]["success"], body["activity_completed"]) == (3, True, True)


def test_blanks_respect_case_alternatives_and_spelling_tolerance(client, student):
    content = {
        "questions": ["<p>*Colour/Color* and *Mediterranean*.</p>"],
        "behaviour": {"caseSensitive": True, "acceptSpellingErrors": True},
    }
    lesson, block_id, attempt = _course(student, repackaged("H5P.Blanks 1.12", content))
    client.force_login(student)
    real = _local("h5p-blanks-answered_h5p-moodle-plugin-review.json")
    cases = [
        ("Color[,]Mediterranean", 2),
        ("color[,]Mediteranean", 2),  # one edit (a letter's case, a missing letter) is tolerated
        ("COLOR[,]Mediterranean", 1),  # case matters here: four edits away
        ("Color[,]Mediteranaen", 2),  # two edits on a 13-letter word: accepted (> 9 letters, ≤ 2)
        ("Color[,]Meditaranaen", 1),  # three edits: wrong
        ("Colr[,]Medi", 1),  # "Colr" is one edit from "Color" (> 3 letters)
        ("Color", 0),  # not one text per blank: not this task's response
    ]
    for response, raw in cases:
        body = _post(client, block_id, _statement(real, lesson, block_id, attempt, response=response, claim=2)).json()
        assert body["result"]["score_raw"] == raw, response


def test_drag_the_words_is_graded_from_the_dropped_words(client, student):
    lesson, block_id, attempt = _course(student, repackaged("H5P.DragText 1.8", DRAG))
    client.force_login(student)
    base = _local("h5p-blanks-answered_h5p-moodle-plugin-review.json")
    base["context"]["contextActivities"]["category"][0]["id"] = "http://h5p.org/libraries/H5P.DragText-1.8"
    cases = [
        ("Norway[,]Helsinki[,]", 1),  # a distractor and an empty zone
        ("Norway[,]Norway[,]Stockholm", 0),  # "Norway" is offered once: a made-up response
        ("Oslo[,]Denmark[,]Stockholm", 0),  # a word the task never offered
        ("Norway[,]Denmark[,]Stockholm", 3),  # tip and feedback are not part of the answers
    ]
    for response, raw in cases:
        body = _post(client, block_id, _statement(base, lesson, block_id, attempt, response=response, claim=3)).json()
        assert (body["result"]["score_raw"], body["result"]["score_max"]) == (raw, 3), response
    assert BlockCompletion.objects.get(block_id=block_id).score_percent == 100


def test_mark_the_words_is_graded_from_the_selected_words(client, student):
    lesson, block_id, attempt = _course(student, repackaged("H5P.MarkTheWords 1.9", SUBJUNTIVO))
    client.force_login(student)
    real = xapi_fixture("h5p-markthewords-answered_libretexts-adapt.json")
    body = _post(client, block_id, _statement(real, lesson, block_id, attempt, response="4", claim=6)).json()
    assert (body["result"]["score_raw"], body["result"]["score_max"], body["activity_completed"]) == (1, 6, False)
    # Two right, one wrong: 2 − 1; selecting every word gives nothing.
    body = _post(client, block_id, _statement(real, lesson, block_id, attempt, response="4[,]7[,]2")).json()
    assert body["result"]["score_raw"] == 1
    everything = "[,]".join(str(index) for index in range(34))
    body = _post(client, block_id, _statement(real, lesson, block_id, attempt, response=everything)).json()
    assert body["result"]["score_raw"] == 0
    right = "4[,]7[,]13[,]21[,]28[,]31"
    body = _post(client, block_id, _statement(real, lesson, block_id, attempt, response=right)).json()
    assert (body["result"]["score_raw"], body["activity_completed"]) == (6, True)


def _question_set(pass_percentage=60) -> dict:
    return {
        "passPercentage": pass_percentage,
        "questions": [
            {"library": "H5P.TrueFalse 1.6", "subContentId": "tf", "params": {"correct": "false"}},
            {
                "library": "H5P.MultiChoice 1.14",
                "subContentId": "mc",
                "params": {"answers": [{"correct": False}, {"correct": True}], "behaviour": {"singlePoint": False}},
            },
            {"library": "H5P.Blanks 1.12", "subContentId": "blanks", "params": BERRIES},
            {"library": "H5P.DragText 1.8", "subContentId": "drag", "params": DRAG},
            {"library": "H5P.MarkTheWords 1.9", "subContentId": "mark", "params": SUBJUNTIVO},
        ],
    }


def test_a_question_set_is_graded_from_its_childrens_answers(client, student):
    package = repackaged("H5P.QuestionSet 1.17", _question_set())
    assert h5p_grading(package)["graded"] is True
    lesson, block_id, attempt = _course(student, package)
    client.force_login(student)
    child = _local("h5p-blanks-answered_h5p-moodle-plugin-review.json")
    answers = {
        "tf": "true",  # wrong: 0/1
        "mc": "1",  # 1/1
        "blanks": "blue[,]cloud[,]red",  # 2/3
        "drag": "Norway[,]Denmark[,]Stockholm",  # 3/3
        "mark": "4[,]7[,]13",  # 3/6
    }
    for sub_content, response in answers.items():
        statement = _statement(child, lesson, block_id, attempt, response=response, sub_content=sub_content, claim=9)
        assert _post(client, block_id, statement).status_code == 201
    assert BlockCompletion.objects.count() == 0  # children never complete the activity
    completed = xapi_fixture("h5p-completed-2015_h5p-org-blog.json")
    parent = _statement(completed, lesson, block_id, attempt, response="", claim=14)
    body = _post(client, block_id, parent).json()
    # 9 of 14 = 64 %, at least the set's 60 %: passed, whatever the statement claimed.
    assert (body["result"]["score_raw"], body["result"]["score_max"], body["result"]["success"]) == (9, 14, True)
    assert body["activity_completed"] is True


def test_a_question_set_below_its_pass_percentage_fails_and_unanswered_questions_score_nothing(client, student):
    lesson, block_id, attempt = _course(student, repackaged("H5P.QuestionSet 1.17", _question_set(70)))
    client.force_login(student)
    child = _local("h5p-blanks-answered_h5p-moodle-plugin-review.json")
    statement = _statement(
        child, lesson, block_id, attempt, response="Norway[,]Denmark[,]Stockholm", sub_content="drag"
    )
    _post(client, block_id, statement)
    other_attempt = H5PAttempt.objects.create(user=student, lesson=lesson, block_id=block_id)
    earlier = _statement(child, lesson, block_id, other_attempt, response="false", sub_content="tf")
    _post(client, block_id, earlier)  # another attempt's answer does not count in this one
    parent = _statement(xapi_fixture("h5p-completed-2015_h5p-org-blog.json"), lesson, block_id, attempt, response="")
    body = _post(client, block_id, parent).json()
    assert (body["result"]["score_raw"], body["result"]["success"], body["activity_completed"]) == (3, False, False)


def test_types_the_server_cannot_grade_are_completion_only_with_a_reason():
    # The hub's example set: its first Multiple Choice marks no answer correct; it also holds
    # a Drag and Drop question.
    fixture_set = stored_package("H5P.QuestionSet.h5p")
    assert h5p_grading(fixture_set) == {
        "graded": False,
        "reason": "its H5P.MultiChoice question gives nothing to grade",
        "version": GRADING_VERSION,
    }
    dragging = {"questions": [{"library": "H5P.DragQuestion 1.13", "subContentId": "x", "params": {}}]}
    assert h5p_grading_of(library="H5P.QuestionSet 1.17", content=dragging) == {
        "graded": False,
        "reason": "it contains H5P.DragQuestion, which the server cannot grade",
        "version": GRADING_VERSION,
    }
    assert h5p_grading(stored_package("H5P.Accordion.h5p"))["graded"] is False
    assert h5p_grading(stored_package("H5P.TrueFalse.h5p"))["graded"] is True
    pooled = {**_question_set(), "poolSize": 2}
    assert "random pool" in h5p_grading_of(library="H5P.QuestionSet 1.17", content=pooled)["reason"]
    assert h5p_grading_of(library="H5P.Blanks 1.12", content={"questions": ["no blanks"]})["graded"] is False


def test_a_verdict_kept_by_older_graders_is_worked_out_again():
    package = repackaged("H5P.Blanks 1.12", BERRIES)
    package.metadata["grading"] = {"graded": False, "reason": "older graders did not know Blanks"}
    package.save()
    assert h5p_grading(package)["graded"] is True
    package.refresh_from_db()
    assert package.metadata["grading"]["version"] == GRADING_VERSION and package.grading_label == "graded by the server"
