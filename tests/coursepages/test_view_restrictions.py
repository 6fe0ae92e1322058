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
