"""Issuing: once per completed enrollment however often the task runs, a stored PDF, one
email, and a snapshot that later renames do not rewrite."""

import pytest
from django.core.files.storage import storages

from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_revoke
from certificates.tasks import certificate_issue_task
from learners.enrollment.services import enrollment_create
from tests.certificates.helpers import complete_course
from tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(student, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = complete_course(student=student, title="Soil Science")
    return enrollment


def certificate_mail(outbox):
    """The certificate emails (the student also gets enrolled/completed notices)."""
    return [message for message in outbox if message.subject.startswith("Your certificate")]


def test_completing_a_course_issues_one_certificate_with_a_stored_pdf_and_an_email(issued, student, mailoutbox):
    certificate = Certificate.objects.get()
    assert certificate.enrollment == issued and certificate.user == student
    assert (certificate.student_name, certificate.course_title) == ("Sam Student", "Soil Science")
    assert storages["private"].exists(certificate.pdf.name)
    assert storages["private"].open(certificate.pdf.name).read(5) == b"%PDF-"
    assert certificate.notified_at is not None
    assert len(certificate_mail(mailoutbox)) == 1
    message = certificate_mail(mailoutbox)[0]
    assert message.to == [student.email]
    assert message.subject == "Your certificate for Soil Science"
    assert f"/certificates/{certificate.pk}/download/" in message.body
    assert certificate.display_code in message.body
    assert f"/certificates/verify/{certificate.display_code}/" in message.body


def test_running_the_task_again_changes_nothing(issued, mailoutbox, django_capture_on_commit_callbacks):
    first = Certificate.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_issue_task.delay(enrollment_id=issued.pk).get() == first.pk
        assert certificate_issue_task.delay(enrollment_id=issued.pk).get() == first.pk
    assert Certificate.objects.count() == 1
    again = Certificate.objects.get()
    assert (again.code, again.pdf.name) == (first.code, first.pdf.name)
    assert len(certificate_mail(mailoutbox)) == 1


def test_a_missing_pdf_is_rendered_again_by_the_next_run(issued):
    certificate = Certificate.objects.get()
    storages["private"].delete(certificate.pdf.name)
    certificate_issue(enrollment_id=issued.pk)
    certificate.refresh_from_db()
    assert storages["private"].open(certificate.pdf.name).read(5) == b"%PDF-"


def test_an_unsent_email_is_sent_by_the_next_run(issued, mailoutbox, django_capture_on_commit_callbacks):
    Certificate.objects.update(notified_at=None)  # as if the worker died after rendering
    with django_capture_on_commit_callbacks(execute=True):
        certificate_issue(enrollment_id=issued.pk)
    assert len(certificate_mail(mailoutbox)) == 2


def test_no_certificate_for_an_enrollment_that_is_not_completed(student):
    course = make_course(lessons=2)
    enrollment, _ = enrollment_create(user=student, course=course)
    assert certificate_issue(enrollment_id=enrollment.pk) is None
    assert certificate_issue(enrollment_id=999_999) is None
    assert not Certificate.objects.exists()


def test_a_revoked_certificate_is_not_silently_reissued_by_a_rerun(issued, admin_user):
    certificate = certificate_revoke(certificate=Certificate.objects.get(), by=admin_user, reason="Plagiarism")
    assert certificate_issue(enrollment_id=issued.pk).pk == certificate.pk
    assert Certificate.objects.count() == 1


def test_the_snapshot_keeps_what_was_true_at_issue_time(issued, student):
    certificate = Certificate.objects.get()
    course = issued.course
    course.title = "Soil Science, Revised"
    course.save_revision().publish()
    student.first_name = "Samuel"
    student.save()
    certificate.refresh_from_db()
    assert (certificate.student_name, certificate.course_title) == ("Sam Student", "Soil Science")
    from pypdf import PdfReader

    text = PdfReader(storages["private"].open(certificate.pdf.name)).pages[0].extract_text()
    assert "Soil Science" in text and "Revised" not in text and "Samuel" not in text


def test_hours_and_design_come_from_the_course_and_its_template(student, django_capture_on_commit_callbacks):
    from certificates.models import CertificateTemplate
    from tests.factories import text_lesson

    template = CertificateTemplate.objects.create(
        name="Gold", heading="Diploma", signer_name="Dr N. Dlamini", primary_colour="#b45309"
    )
    course = make_course(
        title="Pottery",
        certificate_template=template,
        sections=[
            ("Wheel", [text_lesson("Centering", estimated_minutes=45), text_lesson("Pulling", estimated_minutes=45)]),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        complete_course(student=student, course=course)
    certificate = Certificate.objects.get()
    assert str(certificate.hours) == "1.5"
    assert certificate.template == template
    assert certificate.design["heading"] == "Diploma" and certificate.design["signer_name"] == "Dr N. Dlamini"
