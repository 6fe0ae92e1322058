"""Downloads go through a view that checks ownership (or staff); the list page and the
API list show only the user's own certificates."""

import pytest
from django.core.files.storage import storages

from certificates.services import certificate_revoke
from tests.certificates.helpers import complete_course

pytestmark = pytest.mark.django_db


def _download(client, certificate):
    return client.get(f"/certificates/{certificate.pk}/download/")


def test_owner_downloads_the_pdf(client, student, certificate):
    client.force_login(student)
    response = _download(client, certificate)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and "soil-science" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_student_cannot_download(client, other_student, certificate):
    client.force_login(other_student)
    assert _download(client, certificate).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, certificate):
    response = _download(client, certificate)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_staff_may_download_and_owner_may_not_once_revoked(client, student, admin_user, certificate):
    certificate_revoke(certificate=certificate, by=admin_user, reason="Issued in error")
    client.force_login(admin_user)
    assert _download(client, certificate).status_code == 200
    client.force_login(student)
    assert _download(client, certificate).status_code == 404


def test_download_rerenders_a_lost_pdf(client, student, certificate):
    storages["private"].delete(certificate.pdf.name)
    client.force_login(student)
    response = _download(client, certificate)
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_list_page_shows_own_certificates_with_download_links(client, student, other_student, certificate):
    client.force_login(student)
    body = client.get("/certificates/").content.decode()
    assert "Soil Science" in body and f"/certificates/{certificate.pk}/download/" in body
    assert certificate.display_code in body
    client.force_login(other_student)
    body = client.get("/certificates/").content.decode()
    assert "Soil Science" not in body and "No certificates yet" in body
    client.logout()
    assert client.get("/certificates/").status_code == 302


def test_api_list_requires_sign_in_and_pages_own_certificates(
    client, student, other_student, certificate, django_capture_on_commit_callbacks
):
    assert client.get("/api/v1/certificates/").status_code == 401
    with django_capture_on_commit_callbacks(execute=True):
        complete_course(student=student, title="Pottery")
        complete_course(student=other_student, title="Weaving")
    client.force_login(student)
    data = client.get("/api/v1/certificates/?page_size=1").json()
    assert data["count"] == 2 and data["previous"] is None and "page=2" in data["next"]
    assert [r["course_title"] for r in data["results"]] == ["Pottery"]
    result = data["results"][0]
    assert result["pdf_url"].endswith(f"/certificates/{result['id']}/download/")
    assert result["verification_url"].endswith(f"/certificates/verify/{result['code']}/")
    second = client.get(data["next"]).json()
    assert [r["course_title"] for r in second["results"]] == ["Soil Science"] and second["next"] is None
    assert client.get("/api/v1/certificates/?page=0").json()["code"] == "invalid"


def test_dashboard_panel_include_and_selector(rf, student, certificate):
    from django.template.loader import render_to_string

    from certificates.selectors import certificates_for

    request = rf.get("/dashboard/")
    request.user = student
    html = render_to_string(
        "certificates/_dashboard_panel.html", {"certificates": certificates_for(user=student)}, request=request
    )
    assert "Soil Science" in html and certificate.get_download_url() in html and "/certificates/" in html
