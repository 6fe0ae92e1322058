"""Page fragments rendered once per process (coursepages/templatetags/fragments.py): the text
outside the holes is reused only for the same keys and page generation, the holes are each
viewer's own, previews and requests without a generation are never cached, and with
FRAGMENT_CACHE_VERIFY (on in the test settings) a fragment that reads what its keys do not say
is caught rather than shown to the next viewer."""

import re

import pytest
from django.template import RequestContext, Template
from django.test import RequestFactory

from coursepages.templatetags import fragments
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from tests.factories import lessons_of, make_course, make_user

pytestmark = pytest.mark.django_db

PLAIN = Template('{% load fragments %}{% fragment "t" %}<p>{{ name }}</p>{% endfragment %}')
HOLED = Template(
    '{% load fragments %}{% fragment "t" kind %}<p>{{ kind }}:{% hole %}{{ name }}{% endhole %}</p>{% endfragment %}'
)


@pytest.fixture(autouse=True)
def empty():
    fragments.forget_all()
    yield
    fragments.forget_all()


@pytest.fixture
def generation(monkeypatch):
    current = {"value": "g1"}
    monkeypatch.setattr(fragments, "generation_read_in_request", lambda key: current["value"])
    return current


def _render(template, **values) -> str:
    request = RequestFactory().get("/")
    request.is_preview = values.pop("is_preview", False)
    return template.render(RequestContext(request, values))


def test_holes_are_rendered_per_request_and_the_rest_once_per_key(generation):
    assert _render(HOLED, kind="a", name="Ann") == "<p>a:Ann</p>"
    assert _render(HOLED, kind="a", name="Bob") == "<p>a:Bob</p>"
    assert len(fragments._entries) == 1  # the second was served from the first's text
    assert _render(HOLED, kind="b", name="<Cy>") == "<p>b:&lt;Cy&gt;</p>"
    assert len(fragments._entries) == 2


def test_a_value_outside_the_holes_that_is_not_a_key_is_caught(generation, settings):
    assert _render(PLAIN, name="Ann") == "<p>Ann</p>"
    with pytest.raises(fragments.FragmentMismatch):
        _render(PLAIN, name="Bob")
    settings.FRAGMENT_CACHE_VERIFY = False  # what production would show: why keys matter
    assert _render(PLAIN, name="Bob") == "<p>Ann</p>"


def test_a_new_generation_renders_anew(generation, settings):
    settings.FRAGMENT_CACHE_VERIFY = False
    assert _render(PLAIN, name="Ann") == "<p>Ann</p>"
    generation["value"] = "g2"  # a page was published, moved, or the settings changed
    assert _render(PLAIN, name="Bob") == "<p>Bob</p>"


def test_old_entries_are_not_served(generation, settings, monkeypatch):
    settings.FRAGMENT_CACHE_VERIFY = False
    assert _render(PLAIN, name="Ann") == "<p>Ann</p>"
    monkeypatch.setattr(fragments, "MAX_AGE", -1)
    assert _render(PLAIN, name="Bob") == "<p>Bob</p>"


def test_previews_and_requests_without_a_generation_are_not_cached(generation, settings):
    settings.FRAGMENT_CACHE_VERIFY = False
    assert _render(PLAIN, name="Draft", is_preview=True) == "<p>Draft</p>"
    assert not fragments._entries
    generation["value"] = None  # the cache is down: nothing can vouch for a kept text
    assert _render(PLAIN, name="Ann") == "<p>Ann</p>"
    assert not fragments._entries


def test_a_key_must_be_a_plain_value(generation):
    template = Template('{% load fragments %}{% fragment "t" user %}x{% endfragment %}')
    with pytest.raises(fragments.FragmentKeyError):
        _render(template, user=make_user())


def test_a_hole_outside_a_fragment_is_refused():
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        Template("{% load fragments %}{% hole %}x{% endhole %}")


def test_students_reading_the_same_lesson_each_see_their_own_page(client, instructor):
    course = make_course(instructor=instructor, lessons=4)
    lessons = lessons_of(course)
    ahead, behind = make_user(), make_user()
    for user in (ahead, behind):
        enrollment_create(user=user, course=course)
    for lesson in lessons[:2]:
        lesson_complete(context=learning_context_for(user=ahead, lesson=lesson))
    pages = {}
    for user in (behind, ahead, behind):
        client.force_login(user)
        response = client.get(lessons[3].url)
        assert response.status_code == 200
        pages.setdefault(user.pk, []).append(response.content.decode())
    assert fragments._entries  # the lesson and the header were kept
    kept = len(fragments._entries)
    assert "2 of 4 lessons done" in pages[ahead.pk][0] and 'data-lessons-done="2"' in pages[ahead.pk][0]
    assert "0 of 4 lessons done" in pages[behind.pk][1] and 'data-lessons-done="0"' in pages[behind.pk][1]
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.findall(pages[ahead.pk][0]) and token.findall(pages[behind.pk][1])
    # Each page is a full render's (FRAGMENT_CACHE_VERIFY compared them); the second visit of the
    # student behind was served from kept text, and nothing new was kept for it.
    client.force_login(behind)
    client.get(lessons[3].url)
    assert len(fragments._entries) == kept


def test_a_publish_shows_in_the_next_page(client, instructor):
    course = make_course(instructor=instructor, lessons=2)
    lesson = lessons_of(course)[1]
    student = make_user()
    enrollment_create(user=student, course=course)
    client.force_login(student)
    assert "Renamed lesson" not in client.get(lesson.url).content.decode()
    lesson.title = "Renamed lesson"
    lesson.save_revision(user=instructor).publish()
    assert '<h1 id="lesson-title">Renamed lesson' in client.get(lesson.url).content.decode()


def test_each_request_gets_its_own_csrf_token_without_a_hole(generation):
    from django.template import engines

    engine = engines["django"].engine
    included = engine.from_string("<form>{% csrf_token %}</form>")
    outer = engine.from_string(
        '{% load fragments %}{% fragment "t" %}<i>{% csrf_token %}</i>{% include inner %}{% endfragment %}'
    )
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    pages = [outer.render(RequestContext(RequestFactory().get("/"), {"inner": included})) for _ in range(2)]
    assert len(fragments._entries) == 1  # the second page came from the kept text
    first, second = token.findall(pages[0]), token.findall(pages[1])
    assert len(first) == len(second) == 2  # the fragment's own and the included template's
    assert first[0] != second[0] and "csrfmark" not in pages[0] + pages[1]  # each request's own token


def test_the_lesson_discussion_panel_is_kept_and_shows_new_threads(client, instructor):
    from discussions.models import Thread

    course = make_course(instructor=instructor, lessons=2)
    lesson = lessons_of(course)[1]
    student = make_user()
    enrollment_create(user=student, course=course)
    client.force_login(student)
    for _ in range(2):
        page = client.get(lesson.url).content.decode()
        assert "No threads on this lesson yet." in page and f'name="lesson" value="{lesson.pk}"' in page
    assert any(key[3:7] == ("testserver", lesson.url, lesson.pk, course.pk) for key in fragments._entries)
    Thread.objects.create(course=course, lesson=lesson, author=student, title="Why does step two fail?")
    from discussions.pages import lesson_threads_changed

    lesson_threads_changed(lesson_id=lesson.pk)
    page = client.get(lesson.url).content.decode()
    assert "Why does step two fail?" in page and "No threads on this lesson yet." not in page


def test_the_block_walk_of_a_fragment_is_remembered_and_given_as_a_copy():
    """`{% extends %}` asks the parent for its blocks on every render: a fragment answers from
    its first walk (its nodes never change), each caller getting its own list."""
    from django.template.loader_tags import BlockNode

    template = Template(
        '{% load fragments %}{% fragment "t" %}{% block a %}A{% endblock %}'
        "{% hole %}{% block b %}B{% endblock %}{% endhole %}{% endfragment %}"
    )
    node = next(node for node in template.nodelist if isinstance(node, fragments.FragmentNode))
    first = node.get_nodes_by_type(BlockNode)
    assert [block.name for block in first] == ["a", "b"]
    first.clear()
    assert [block.name for block in node.get_nodes_by_type(BlockNode)] == ["a", "b"]
    assert node.get_nodes_by_type(fragments.HoleNode) == node.holes
