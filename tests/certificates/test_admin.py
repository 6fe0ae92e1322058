"""Admins list, filter and search certificates in the Wagtail admin, and revoke or reissue
them with a reason; both actions are logged in the certificate's history."""

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from certificates.models import Certificate
from tests.certificates.helpers import complete_course

pytestmark = pytest.mark.django_db


def test_index_lists_filters_and_searches(
    client, admin_user, other_student, certificate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complete_course(student=other_student, title="Weaving")
    client.force_login(admin_user)
    url = reverse("certificate:index")
    body = client.get(url).content.decode()
    assert "Soil Science" in body and "Weaving" in body and certificate.display_code in body
    assert "Add certificate" not in body
    results = reverse("certificate:index_results")  # the table alone (the filter form lists course titles)
    body = client.get(results, {"q": "weav"}).content.decode()
    assert "Weaving" in body and "Soil Science" not in body
    Certificate.objects.filter(course_title="Weaving").update(revoked_at="2026-01-01T00:00:00Z")
    body = client.get(results, {"status": "revoked"}).content.decode()
    assert "Weaving" in body and "Soil Science" not in body
    body = client.get(results, {"status": "valid"}).content.decode()
    assert "Soil Science" in body and "Weaving" not in body


def test_revoke_needs_a_reason_and_is_logged(client, admin_user, certificate):
    client.force_login(admin_user)
    url = reverse("certificate:revoke", args=[certificate.pk])
    assert "Reason" in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    certificate.refresh_from_db()
    assert not certificate.is_revoked
    response = client.post(url, {"reason": "Completed by someone else"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_reason == "Completed by someone else"
    assert certificate.revoked_by == admin_user
    entry = ModelLogEntry.objects.get(action="certificates.revoke")
    assert entry.object_id == str(certificate.pk) and entry.user == admin_user
    assert entry.data["reason"] == "Completed by someone else"
    history = client.get(reverse("certificate:history", args=[certificate.pk])).content.decode()
    assert "Revoked: Completed by someone else" in history
    # Revoking twice is refused with a clear message.
    response = client.post(url, {"reason": "again"})
    assert "already revoked" in response.content.decode()


def test_reissue_revokes_the_old_code_and_issues_a_new_certificate(
    client, admin_user, student, certificate, mailoutbox, django_capture_on_commit_callbacks
):
    student.first_name = "Samuel"
    student.save()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificate:reissue", args=[certificate.pk]), {"reason": "Name misspelt"})
    new = Certificate.objects.exclude(pk=certificate.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/inspect/{new.pk}/")
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_reason == "Reissued: Name misspelt"
    assert new.replaces == certificate and not new.is_revoked and new.code != certificate.code
    assert new.student_name == "Samuel Student" and new.pdf.name != certificate.pdf.name
    assert new.enrollment == certificate.enrollment
    assert mailoutbox[-1].subject == "Your certificate for Soil Science" and new.display_code in mailoutbox[-1].body
    log = ModelLogEntry.objects.get(action="certificates.reissue")
    assert log.object_id == str(new.pk)
    assert log.data == {"reason": "Name misspelt", "replaces": certificate.display_code, "client_ip": "127.0.0.1"}
    # The replaced certificate cannot be reissued a second time.
    response = client.post(reverse("certificate:reissue", args=[certificate.pk]), {"reason": "again"})
    assert "already reissued" in response.content.decode()
    assert Certificate.objects.count() == 2


def test_inspect_page_offers_the_actions(client, admin_user, certificate):
    client.force_login(admin_user)
    body = client.get(reverse("certificate:inspect", args=[certificate.pk])).content.decode()
    assert certificate.display_code in body
    assert reverse("certificate:revoke", args=[certificate.pk]) in body
    assert reverse("certificate:reissue", args=[certificate.pk]) in body


def test_students_and_instructors_cannot_revoke(client, student, instructor, certificate):
    for user in (student, instructor):
        client.force_login(user)
        response = client.post(reverse("certificate:revoke", args=[certificate.pk]), {"reason": "x"})
        assert response.status_code in (302, 403)
    certificate.refresh_from_db()
    assert not certificate.is_revoked
