"""The anonymous page cache (coursepages.page_cache): anonymous visitors get the catalog and
published course pages from the cache without a query; a publish, unpublish or price change
shows at once; nothing of a signed-in user ever reaches another visitor, nor the cache."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.middleware.csrf import get_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from wagtail.models import PageViewRestriction

from coursepages.models import Category, CoursePage, PlatformSettings
from coursepages.page_cache import GENERATION_KEY, page_cache_invalidate
from coursepages.services import category_update
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from tests.coursepages.editor import edit_url, editor_data, post_edit
from tests.factories import lessons_of, make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor):
    return make_course(
        title="Cached course", instructor=instructor, lessons=3, pricing=CoursePage.Pricing.ONE_TIME, price_cents=49900
    )


def _cache_state(response):
    return response.headers.get("X-Page-Cache")


def _html(response):
    return response.content.decode()


def test_an_anonymous_repeat_is_served_from_the_cache_without_a_query(course, django_assert_num_queries):
    visitor = Client()
    first = visitor.get(course.url)
    assert first.status_code == 200 and _cache_state(first) == "miss"
    with django_assert_num_queries(0):
        second = visitor.get(course.url)
    assert second.status_code == 200 and _cache_state(second) == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    # Another anonymous visitor (a new browser, no cookies) shares the same copy.
    with django_assert_num_queries(0):
        assert _cache_state(Client().get(course.url)) == "hit"


def test_the_catalog_is_cached_per_query_string(course, django_assert_num_queries):
    other = make_course(title="Advanced topics", difficulty=CoursePage.Difficulty.ADVANCED, lessons=1)
    visitor = Client()
    everything = visitor.get("/courses/")
    advanced = visitor.get("/courses/?difficulty=advanced")
    assert _cache_state(everything) == _cache_state(advanced) == "miss"
    with django_assert_num_queries(0):
        everything_again = visitor.get("/courses/")
        advanced_again = visitor.get("/courses/?difficulty=advanced")
    assert _cache_state(everything_again) == _cache_state(advanced_again) == "hit"
    assert course.title in _html(everything_again) and other.title in _html(everything_again)
    assert other.title in _html(advanced_again) and course.title not in _html(advanced_again)
    # Parameters the catalog does not know (tracking tags…) would make unbounded keys: not stored.
    for _ in range(2):
        response = visitor.get("/courses/?utm_source=newsletter")
        assert response.status_code == 200 and _cache_state(response) is None


def test_publishing_an_edit_in_the_editor_shows_at_once_and_a_draft_does_not(course, admin_user):
    visitor = Client()
    assert _cache_state(visitor.get(course.url)) == "miss"
    assert _cache_state(visitor.get("/courses/")) == "miss"
    editor = Client()
    editor.force_login(admin_user)

    # Saving a draft changes nothing that visitors see: the cached copies stay valid.
    response = post_edit(editor, course, {"title": "Draft title"})
    assert response.status_code == 302
    page = visitor.get(course.url)
    assert _cache_state(page) == "hit" and "Draft title" not in _html(page)

    response = post_edit(editor, course, {"title": "Renamed course"}, action="action-publish")
    assert response.status_code == 302
    assert CoursePage.objects.get(pk=course.pk).title == "Renamed course"
    page, catalog = visitor.get(course.url), visitor.get("/courses/")
    assert _cache_state(page) == _cache_state(catalog) == "miss"
    assert "<h1>Renamed course</h1>" in _html(page) and ">Cached course<" not in _html(page)
    assert ">Renamed course<" in _html(catalog) and ">Cached course<" not in _html(catalog)


def test_a_preview_of_a_draft_never_reaches_the_cache(course, admin_user):
    visitor = Client()
    visitor.get(course.url)
    editor = Client()
    editor.force_login(admin_user)
    data = editor_data(editor, edit_url(course), {"title": "Previewed title"})
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=(course.pk,))
    assert editor.post(preview_url, dict(data.lists())).json()["is_valid"]
    preview = editor.get(preview_url)
    assert preview.status_code == 200 and "Previewed title" in _html(preview)
    assert _cache_state(preview) is None
    page = visitor.get(course.url)
    assert _cache_state(page) == "hit" and "Previewed title" not in _html(page)


def test_unpublishing_gives_404_at_once(course, admin_user):
    visitor = Client()
    visitor.get(course.url)
    assert _cache_state(visitor.get(course.url)) == "hit"
    assert course.title in _html(visitor.get("/courses/"))
    editor = Client()
    editor.force_login(admin_user)
    response = editor.post(reverse("wagtailadmin_pages:unpublish", args=(course.pk,)))
    assert response.status_code == 302
    assert not CoursePage.objects.get(pk=course.pk).live
    assert visitor.get(course.url).status_code == 404
    catalog = visitor.get("/courses/")
    assert _cache_state(catalog) == "miss" and course.title not in _html(catalog)


def test_a_price_change_shows_at_once(course):
    visitor = Client()
    assert "R499.00 incl. VAT" in _html(visitor.get(course.url))
    assert "R499.00 incl. VAT" in _html(visitor.get("/courses/"))
    assert _cache_state(visitor.get(course.url)) == "hit"
    course.price_cents = 59900
    course.save_revision().publish()
    page, catalog = visitor.get(course.url), visitor.get("/courses/")
    for response in (page, catalog):
        assert _cache_state(response) == "miss"
        assert "R599.00 incl. VAT" in _html(response) and "R499.00" not in _html(response)


def test_a_new_review_a_renamed_category_and_platform_settings_show_at_once(course, student, instructor):
    category = Category.add_root(name="Data")
    course.category = category
    course.save_revision().publish()
    visitor = Client()
    visitor.get(course.url)
    visitor.get("/courses/")

    enrollment_create(user=student, course=course)
    reviewer = Client()
    reviewer.force_login(student)
    reviewer.post(reverse("learners:course_review", args=(course.pk,)), {"rating": "4", "body": "Clear and useful."})
    page = visitor.get(course.url)
    assert _cache_state(page) == "miss" and "Clear and useful." in _html(page)

    visitor.get("/courses/")
    category_update(category=category, name="Data science", parent=None)
    assert "Data science" in _html(visitor.get("/courses/"))

    visitor.get(course.url)
    platform = PlatformSettings.load()
    platform.site_name = "Renamed Academy"
    platform.save()
    assert "Renamed Academy" in _html(visitor.get(course.url))


def test_a_signed_in_user_never_gets_the_anonymous_copy(course, student):
    visitor = Client()
    visitor.get(course.url)
    assert _cache_state(visitor.get(course.url)) == "hit"

    browser = Client()
    browser.force_login(student)
    response = browser.get(course.url)
    assert response.status_code == 200 and _cache_state(response) is None
    assert response.context["user"] == student  # rendered for them, not taken from the cache
    assert "Sign out" in _html(response) and "Sign in to" not in _html(response)
    assert "private" in response["Cache-Control"] and "Cookie" in response["Vary"]


def test_nothing_of_a_signed_in_student_reaches_anyone_else(course, django_assert_num_queries):
    alice = make_user(first_name="Alice", last_name="Aardvark", email="alice@example.test")
    bob = make_user(first_name="Bob", last_name="Bateleur", email="bob@example.test")
    enrollment_create(user=alice, course=course)
    lesson_complete(context=learning_context_for(user=alice, lesson=lessons_of(course)[0]))

    alice_browser = Client()
    alice_browser.force_login(alice)
    alice_page = alice_browser.get(course.url)
    alice_html = _html(alice_page)
    assert _cache_state(alice_page) is None
    assert "1 of 3 lessons done" in alice_html and "Sign out" in alice_html
    csrf_token = alice_browser.cookies["csrftoken"].value if "csrftoken" in alice_browser.cookies else None

    # An anonymous visitor after Alice: the anonymous page, rendered for them, then cached.
    anonymous = Client().get(course.url)
    html = _html(anonymous)
    assert _cache_state(anonymous) == "miss"
    for secret in (
        "Alice",
        "Aardvark",
        "alice@example.test",
        "1 of 3 lessons done",
        "Sign out",
        "csrfmiddlewaretoken",
        "Dashboard",
    ):
        assert secret not in html
    if csrf_token:
        assert csrf_token not in html
    assert "Sign in to enroll" not in html  # a paid course: the buy button, same for everyone
    assert "Buy this course" in html
    with django_assert_num_queries(0):
        assert "Alice" not in _html(Client().get(course.url))

    # Two students each see their own page, never the other's nor the anonymous copy.
    bob_browser = Client()
    bob_browser.force_login(bob)
    bob_page, alice_again = bob_browser.get(course.url), alice_browser.get(course.url)
    assert bob_page.context["user"] == bob and alice_again.context["user"] == alice
    assert _cache_state(bob_page) is None and _cache_state(alice_again) is None
    assert "Buy this course" in _html(bob_page) and "lessons done" not in _html(bob_page)
    assert "1 of 3 lessons done" in _html(alice_again) and "Buy this course" not in _html(alice_again)


def test_pending_messages_are_shown_not_cached_and_never_replaced_by_a_cached_copy(course, student):
    browser = Client()
    browser.get(course.url)
    assert _cache_state(browser.get(course.url)) == "hit"
    browser.force_login(student)
    browser.post(reverse("account_logout"))  # allauth: "You have signed out." for the next page
    response = browser.get(course.url)
    assert _cache_state(response) is None and "You have signed out." in _html(response)
    after = browser.get(course.url)
    assert _cache_state(after) == "hit" and "You have signed out." not in _html(after)


def test_a_page_that_sets_a_cookie_is_never_stored(course, monkeypatch):
    """Were a form with a CSRF token ever added to the anonymous course page, the CSRF cookie it
    sets keeps the page out of the cache (a cached token would belong to another visitor)."""
    original = CoursePage.get_context

    def with_csrf_token(self, request, *args, **kwargs):
        context = original(self, request, *args, **kwargs)
        context["token"] = get_token(request)
        return context

    monkeypatch.setattr(CoursePage, "get_context", with_csrf_token)
    visitor = Client()
    for _ in range(2):
        response = visitor.get(course.url)
        assert response.status_code == 200 and _cache_state(response) is None
        assert "csrftoken" in response.cookies


def test_a_response_that_varies_on_more_than_the_cookie_is_never_stored(course, monkeypatch):
    """The key is the URL for every anonymous visitor: a page in the visitor's language (or
    compressed for them) must not be handed to the next one."""
    original = CoursePage.serve

    def serve_in_their_language(self, request, *args, **kwargs):
        response = original(self, request, *args, **kwargs)
        patch_vary_headers(response, ["Accept-Language"])
        return response

    monkeypatch.setattr(CoursePage, "serve", serve_in_their_language)
    visitor = Client()
    for _ in range(2):
        assert _cache_state(visitor.get(course.url)) is None


def test_the_anonymous_course_page_has_no_csrf_token_and_sets_no_cookie(course):
    for url in (course.url, "/courses/", "/"):
        response = Client().get(url)
        assert _cache_state(response) == "miss", url
        assert "csrfmiddlewaretoken" not in _html(response) and not response.cookies
        assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
        assert "Cookie" in response["Vary"]


def test_a_restricted_page_is_never_stored(course):
    restriction = PageViewRestriction.objects.create(page=course, restriction_type="password", password="sesame")
    visitor = Client()
    form = visitor.get(course.url)
    assert form.status_code == 200 and _cache_state(form) is None
    response = visitor.post(
        reverse("wagtailcore_authenticate_with_password", args=(restriction.pk, course.pk)),
        {"password": "sesame", "return_url": course.url},
    )
    assert response.status_code == 302
    unlocked = visitor.get(course.url)  # the session remembers the password
    assert "Cached course summary" in _html(unlocked) and _cache_state(unlocked) is None
    stranger = Client().get(course.url)
    assert _cache_state(stranger) is None and "Cached course summary" not in _html(stranger)


def test_posts_are_never_served_from_the_cache(course):
    visitor = Client()
    visitor.get(course.url)
    response = visitor.post(course.url)
    assert _cache_state(response) is None
    assert _cache_state(visitor.get(course.url)) == "hit"


def test_a_zero_lifetime_switches_the_cache_off(course, settings):
    settings.PAGE_CACHE_SECONDS = 0
    visitor = Client()
    visitor.get(course.url)
    with CaptureQueriesContext(connection) as captured:
        response = visitor.get(course.url)
    assert response.status_code == 200 and _cache_state(response) is None
    assert len(captured.captured_queries) > 0  # rendered again


def test_invalidation_is_repeated_when_the_transaction_commits(django_capture_on_commit_callbacks):
    """A request that read the rows before the publish committed may store its page after the
    first bump; the second bump, after the commit, makes that copy stale too."""
    page_cache_invalidate()
    before = cache.get(GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        page_cache_invalidate()
        during = cache.get(GENERATION_KEY)
        assert during != before
    assert cache.get(GENERATION_KEY) not in (before, during)
