""" "Completion only" is visible where instructors decide and read grades: the package list,
the package form and the chooser label in the Wagtail admin, and the gradebook (a column of a
type the server does not grade shows "completion only", never a score)."""

import copy
import csv
import io
import json
import uuid

import pytest
from django.urls import reverse

from learners.interactive.xapi import activity_iri
from learners.models import H5PAttempt
from tests.factories import make_course
from tests.learners.interactive.interactive_helpers import enrolled, stored_package, xapi_fixture

pytestmark = pytest.mark.django_db


def _answer(client, student, lesson, block_id, name: str, response: str | None = None):
    statement = copy.deepcopy(xapi_fixture(name))
    attempt = H5PAttempt.objects.create(user=student, lesson=lesson, block_id=block_id)
    statement["id"] = str(uuid.uuid4())
    statement["object"]["id"] = activity_iri(lesson_id=lesson.pk, block_id=block_id)
    statement.setdefault("context", {})["registration"] = str(attempt.pk)
    if response is not None:
        statement["result"]["response"] = response
    client.force_login(student)
    reply = client.post(f"/api/v1/h5p/{block_id}/xapi/", json.dumps(statement), content_type="application/json")
    assert reply.status_code == 201, reply.content


def test_the_gradebook_shows_the_servers_score_or_completion_only(client, student, other_student, instructor):
    true_false = stored_package("H5P.TrueFalse.h5p", title="Is it true")
    accordion = stored_package("H5P.Accordion.h5p", title="Read the accordion")
    course = make_course(
        instructor=instructor,
        sections=[
            (
                "S",
                [
                    ("Graded", [("h5p", {"title": "Is it true", "package": true_false.pk})], {}),
                    ("Reading", [("h5p", {"title": "Accordion", "package": accordion.pk})], {}),
                ],
            )
        ],
    )
    for user in (student, other_student):
        enrolled(user, course)
    graded, reading = (lesson.specific for lesson in course.lessons())
    # The TrueFalse fixture's right answer is "true"; the statement claims 0 with response "true".
    _answer(client, student, graded, graded.body[0].id, "h5p-truefalse-answered_h5p-php-report.json", "true")
    _answer(client, student, reading, reading.body[0].id, "h5p-completed-2015_h5p-org-blog.json")

    client.force_login(instructor)
    url = reverse("learners:gradebook", args=[course.pk])
    html = client.get(url).content.decode()
    assert "h5p · completion only · Reading" in html and "h5p · Graded" in html
    assert "100%" in html and "done · completion only" in html
    header, *lines = csv.reader(io.StringIO(client.get(url + "?format=csv").content.decode()))
    assert header[-2:] == ["Is it true (h5p)", "Accordion (h5p, completion only)"]
    rows = {line[1]: line[-2:] for line in lines}
    assert rows[student.email] == ["100%", "done · completion only"]
    assert rows[other_student.email] == ["", "completion only"]


def test_the_admin_says_which_packages_are_completion_only(client, admin_user):
    graded = stored_package("H5P.MultiChoice.h5p", title="Pick one")
    ungraded = stored_package("H5P.Accordion.h5p", title="Accordion")
    assert (graded.grading_label, ungraded.grading_label) == ("graded by the server", "completion only")
    assert (str(graded), str(ungraded)) == ("Pick one", "Accordion (completion only)")  # the chooser's label
    client.force_login(admin_user)
    listing = client.get(reverse("wagtailsnippets_coursepages_h5ppackage:list")).content.decode()
    assert "Grading" in listing and "graded by the server" in listing and "completion only" in listing
    form = client.get(reverse("wagtailsnippets_coursepages_h5ppackage:edit", args=[ungraded.pk])).content.decode()
    assert "Grading: completion only (the server cannot grade H5P.Accordion)" in form
