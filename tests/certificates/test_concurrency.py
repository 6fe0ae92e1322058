"""On PostgreSQL: twins of the issue task racing in threads make exactly one certificate,
and a real Celery worker on Redis issues the certificate when a course is completed."""

import threading
import time

import pytest
from django.db import connection

from certificates.models import Certificate
from certificates.services import certificate_issue
from learners.enrollment.services import course_complete, enrollment_create
from learners.models import Enrollment
from tests.factories import make_course


# Transactional tests run after a flush; tests/conftest.py rebuilds the migrated site tree.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issue_tasks_make_exactly_one_certificate(postgres, student, mailoutbox):
    course = make_course(title="Race Conditions", lessons=1)
    enrollment, _ = enrollment_create(user=student, course=course)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED)
    barrier = threading.Barrier(6)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(certificate_issue(enrollment_id=enrollment.pk).pk)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    certificate = Certificate.objects.get()
    assert results == [certificate.pk] * 6
    assert certificate.pdf.storage.exists(certificate.pdf.name)
    assert [m.subject for m in mailoutbox if m.subject.startswith("Your certificate")] == [
        "Your certificate for Race Conditions"
    ]


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_issues_the_certificate_when_the_course_completes(celery_worker, student, mailoutbox):
    course = make_course(title="Distributed Systems", lessons=1)
    enrollment, _ = enrollment_create(user=student, course=course)
    course_complete(enrollment=enrollment)  # autocommit: the hook enqueues the task on Redis at once
    deadline = time.monotonic() + 60
    issued = Certificate.objects.filter(enrollment=enrollment, notified_at__isnull=False)
    while time.monotonic() < deadline and not issued.exists():
        time.sleep(0.2)
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.course_title == "Distributed Systems"
    assert certificate.pdf.storage.open(certificate.pdf.name).read(5) == b"%PDF-"
    assert certificate.notified_at is not None
    # A second delivery of the same message (acks_late redelivery) changes nothing.
    from certificates.tasks import certificate_issue_task

    assert certificate_issue_task.delay(enrollment_id=enrollment.pk).get(timeout=60) == certificate.pk
    assert Certificate.objects.filter(enrollment=enrollment).count() == 1
