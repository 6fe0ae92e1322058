"""Search inside a course respects access: an enrolled student sees highlighted snippets that
link to the block; a visitor who may not open the lesson sees that a result exists there and
why it is locked, but not its text; a free-preview lesson is open to everyone."""

import pytest

from coursepages.passages import passages_rebuild
from learners.enrollment.services import enrollment_create
from tests.factories import lessons_of, make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor):
    course = make_course(
        title="Accounting",
        instructor=instructor,
        pricing="one_time",
        price_cents=49900,
        sections=[
            (
                "Basics",
                [
                    ("Ledgers", [("rich_text", "<p>Every debit has a matching credit in the ledger.</p>")], {}),
                    ("Welcome", [("rich_text", "<p>A free look at the debit side.</p>")], {"free_preview": True}),
                ],
            )
        ],
    )
    passages_rebuild(course=course)
    return course


def test_a_visitor_sees_that_a_locked_lesson_matches_but_not_its_text(client, course):
    response = client.get(f"/learn/courses/{course.pk}/search/?q=credit")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ledgers" in html and "Found in a locked lesson" in html and "Buy this course" in html
    assert "matching credit" not in html and "<mark>" not in html


def test_free_preview_results_show_their_snippet_to_everyone(client, course):
    html = client.get(f"/learn/courses/{course.pk}/search/?q=debit").content.decode()
    assert "free look at the <mark>debit</mark> side" in html
    assert "matching credit" not in html  # the paid lesson's text stays hidden


def test_an_enrolled_student_gets_snippets_linking_to_the_block(client, course):
    student = make_user()
    enrollment_create(user=student, course=course)
    client.force_login(student)
    ledgers = lessons_of(course)[0]
    html = client.get(f"/learn/courses/{course.pk}/search/?q=credit").content.decode()
    assert "matching <mark>credit</mark> in the ledger" in html
    assert f'href="{ledgers.url}#at-{ledgers.body[0].id}"' in html
    lesson_html = client.get(ledgers.url).content.decode()
    assert f'id="at-{ledgers.body[0].id}"' in lesson_html


def test_no_query_and_no_match(client, course):
    assert "result" not in client.get(f"/learn/courses/{course.pk}/search/").content.decode().split("<main")[1]
    assert (
        "Nothing in this course matches" in client.get(f"/learn/courses/{course.pk}/search/?q=zebra").content.decode()
    )
