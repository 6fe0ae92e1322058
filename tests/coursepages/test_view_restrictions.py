"""The view-restriction shortcut must never let a restricted page through: adding a
restriction is enforced on the next request."""

import pytest
from wagtail.models import PageViewRestriction

from coursepages.models import CourseIndexPage


@pytest.mark.django_db
def test_a_new_password_restriction_is_enforced_at_once(client):
    catalog = CourseIndexPage.objects.get()
    assert client.get("/courses/").status_code == 200  # caches "no restrictions"
    PageViewRestriction.objects.create(page=catalog, restriction_type=PageViewRestriction.PASSWORD, password="s")
    response = client.get("/courses/")
    assert response.status_code == 200 and 'name="password"' in response.content.decode()
    PageViewRestriction.objects.all().delete()
    assert 'name="password"' not in client.get("/courses/").content.decode()


@pytest.mark.django_db
def test_without_restrictions_the_pages_answer_is_empty_and_evaluated(django_assert_num_queries):
    """No restriction anywhere: the serve hook's iteration builds no query, and what the admin
    chains from the answer (its privacy views order and ask `exists()`) is still empty."""
    catalog = CourseIndexPage.objects.get()
    catalog.get_view_restrictions()  # reads and keeps the "any restriction?" flag
    with django_assert_num_queries(0):
        restrictions = catalog.get_view_restrictions()
        assert list(restrictions) == []
        assert restrictions.order_by("-page__depth").exists() is False
        assert list(restrictions.filter(restriction_type=PageViewRestriction.PASSWORD)) == []
