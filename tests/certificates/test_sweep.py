"""The certificate sweep (celery beat): a completed enrollment whose issue task was lost
still gets exactly one certificate; revoked ones and fresh completions are left alone."""

from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_revoke, certificates_issue_missing
from certificates.tasks import certificates_issue_missing_task
from learners.enrollment.services import enrollment_create
from learners.models import Enrollment
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


def completed_without_certificate(*, minutes_ago: int) -> Enrollment:
    """A completed enrollment whose issue task never ran (the message was lost)."""
    enrollment, _ = enrollment_create(user=make_user(), course=make_course(lessons=1))
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=Enrollment.Status.COMPLETED, completed_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return enrollment


def test_the_sweep_issues_lost_certificates_once_and_leaves_fresh_and_revoked_ones(
    admin_user, settings, django_capture_on_commit_callbacks
):
    settings.CERTIFICATE_SWEEP_GRACE_SECONDS = 600
    lost = completed_without_certificate(minutes_ago=30)
    fresh = completed_without_certificate(minutes_ago=1)  # its own task may still be on the way
    revoked = completed_without_certificate(minutes_ago=30)
    certificate_revoke(certificate=certificate_issue(enrollment_id=revoked.pk), by=admin_user, reason="Plagiarism")
    half_done = completed_without_certificate(minutes_ago=30)
    Certificate.objects.filter(pk=certificate_issue(enrollment_id=half_done.pk).pk).update(pdf="")  # died mid-way

    with django_capture_on_commit_callbacks(execute=True):
        assert certificates_issue_missing_task.delay().get() == 2
    assert Certificate.objects.filter(enrollment=lost, revoked_at__isnull=True).count() == 1
    assert storages["private"].exists(Certificate.objects.get(enrollment=half_done).pdf.name)
    assert not Certificate.objects.filter(enrollment=fresh).exists()
    assert Certificate.objects.filter(enrollment=revoked).get().is_revoked  # not silently re-issued

    assert certificates_issue_missing(completed_before=timezone.now() - timedelta(minutes=10)) == 0
    assert Certificate.objects.count() == 3
