"""403, 404 and 500 pages in the site's layout (navigation, footer) with the reason the server
gave, not a bare "403 Forbidden"."""

import pytest

pytestmark = pytest.mark.django_db


def test_403_shows_the_layout_and_the_reason(client, student):
    client.force_login(student)
    response = client.get("/payments/earnings/")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="site-header"' in body and "/courses/" in body
    assert "Earnings are for instructors." in body
    assert 'data-status="403"' in body


def test_404_shows_the_layout_and_no_resolver_detail(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'class="site-header"' in body and "Page not found" in body
    assert "tried" not in body and "URLconf" not in body


def test_500_shows_the_layout(rf):
    from django.contrib.auth.models import AnonymousUser

    from config import urls, views

    assert urls.handler500 == "config.views.server_error"
    request = rf.get("/anything/")
    request.user = AnonymousUser()
    response = views.server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and 'class="site-header"' in body
