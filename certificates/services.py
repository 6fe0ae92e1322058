"""Issuing, rendering, revoking and reissuing certificates (docs/architecture.md §5).

`certificate_issue` is what the Celery task runs: it is safe to run twice or at the same
time as a twin. The partial unique index "one valid certificate per enrollment" is the
arbiter; a second run finds the existing row, re-renders a missing PDF, and sends the
email only if it was never sent."""

import logging
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.errors import DomainError
from coursepages.structure import course_minutes
from learners.models import Enrollment

from .codes import code_generate
from .models import Certificate, CertificateTemplate
from .pdf import render_certificate_pdf

logger = logging.getLogger(__name__)


class CertificateError(DomainError):
    """A refused certificate action; `code` is a machine code for the API and admin."""

    default_code = "certificate_refused"


def certificate_issue_on_completion(*, enrollment_id: int) -> None:
    """COURSE_COMPLETED_HOOKS entry (after commit): issue the certificate in the background."""
    from outbox.services import task_send

    from .tasks import certificate_issue_task

    task_send(task=certificate_issue_task, kwargs={"enrollment_id": enrollment_id})


def certificates_issue_missing(*, completed_before: datetime, limit: int = 500) -> int:
    """The sweep (celery beat): send the issue task again for every enrollment completed
    before `completed_before` that has no certificate, or whose valid certificate lacks its
    PDF or email. Catches a message lost on the way (a broker that restarted without its
    data, a process that died between commit and send). A revoked certificate is left
    alone, as `certificate_issue` does. Returns how many tasks were sent."""
    from outbox.services import task_send

    from .tasks import certificate_issue_task

    any_certificate = Certificate.objects.filter(enrollment=OuterRef("pk"))
    unfinished = any_certificate.filter(revoked_at__isnull=True).filter(Q(pdf="") | Q(notified_at__isnull=True))
    missing = (
        Enrollment.objects.filter(status=Enrollment.Status.COMPLETED, completed_at__lt=completed_before)
        .filter(~Exists(any_certificate) | Exists(unfinished))
        .order_by("completed_at")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for enrollment_id in missing:
        task_send(task=certificate_issue_task, kwargs={"enrollment_id": enrollment_id})
        count += 1
    if count:
        logger.warning("certificate sweep: %s completed enrollments had no finished certificate", count)
    return count


def _design_snapshot(template: CertificateTemplate) -> dict:
    return {
        "template_name": template.name,
        "heading": template.heading,
        "body": template.body,
        "signer_name": template.signer_name,
        "signer_title": template.signer_title,
        "primary_colour": template.primary_colour,
        "accent_colour": template.accent_colour,
        "logo_id": template.logo_id,
        "signature_image_id": template.signature_image_id,
    }


def _course_hours(course) -> Decimal:
    """The estimated time of the course's lessons (coursepages.structure), in hours."""
    minutes = course_minutes(course)
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _snapshot(enrollment: Enrollment) -> dict:
    """What the certificate will say, as true right now."""
    user, course = enrollment.user, enrollment.course
    template = CertificateTemplate.for_course(course)
    completed_at = enrollment.completed_at or timezone.now()
    return {
        "user": user,
        "course": course,
        "template": template if template.pk else None,
        "student_name": user.get_full_name() or user.email,
        "course_title": course.title,
        "hours": _course_hours(course),
        "completed_on": timezone.localtime(completed_at, user.tzinfo).date(),
        "design": _design_snapshot(template),
    }


def _valid_certificate_for(enrollment: Enrollment) -> Certificate | None:
    return Certificate.objects.filter(enrollment=enrollment, revoked_at__isnull=True).first()


def _create_certificate(*, enrollment: Enrollment, replaces: Certificate | None = None) -> Certificate:
    """Insert the certificate row; a concurrent twin's row wins the unique index and is returned."""
    fields = _snapshot(enrollment)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    enrollment=enrollment, code=code_generate(), replaces=replaces, **fields
                )
        except IntegrityError:
            existing = _valid_certificate_for(enrollment)
            if existing:
                return existing
            # Otherwise the random code collided (1 in 2^75): draw another.
    raise CertificateError("Could not allocate a verification code.", "code_collision")


def certificate_render_pdf(*, certificate: Certificate, force: bool = False) -> Certificate:
    """Render and store the PDF unless it is already stored (or `force`). The row lock keeps
    two workers from rendering the same certificate twice."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if not force and certificate.pdf and certificate.pdf.storage.exists(certificate.pdf.name):
            return certificate
        old_name = certificate.pdf.name if certificate.pdf else ""
        data = render_certificate_pdf(certificate)
        certificate.pdf.save(f"certificate-{certificate.code}.pdf", ContentFile(data), save=False)
        certificate.save(update_fields=["pdf"])
    if old_name and old_name != certificate.pdf.name:
        certificate.pdf.storage.delete(old_name)
    return certificate


def _notify_issued(certificate: Certificate) -> None:
    """Email the student once per certificate (a re-run after a crash still sends it once)."""
    from core.notify import notify

    from .pdf import verification_url

    with transaction.atomic():
        claimed = Certificate.objects.filter(pk=certificate.pk, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
        if not claimed:
            return
        notify(
            user=certificate.user,
            kind="certificate",
            title=f"Your certificate for {certificate.course_title}",
            body=f"Congratulations on completing {certificate.course_title}. Your certificate is ready to download.",
            url=certificate.get_download_url(),
            email_template="certificate_issued",
            context={
                "course_title": certificate.course_title,
                "student_name": certificate.student_name,
                "code": certificate.display_code,
                "download_path": certificate.get_download_url(),
                "verification_url": verification_url(certificate.code),
            },
            essential=True,
        )


def certificate_issue(*, enrollment_id: int) -> Certificate | None:
    """Issue the certificate of a completed enrollment: exactly one, however often it runs.

    Returns None when there is nothing to issue (no such enrollment, not completed, or
    refunded since). A certificate an admin revoked is not silently re-issued."""
    enrollment = Enrollment.objects.select_related("user", "course").filter(pk=enrollment_id).first()
    if enrollment is None or enrollment.status != Enrollment.Status.COMPLETED:
        return None
    certificate = _valid_certificate_for(enrollment) or Certificate.objects.filter(enrollment=enrollment).first()
    if certificate is None:
        certificate = _create_certificate(enrollment=enrollment)
    if certificate.is_revoked:
        return certificate
    certificate = certificate_render_pdf(certificate=certificate)
    _notify_issued(certificate)
    return certificate


def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Void a certificate: its code then verifies as revoked. Logged in the admin history."""
    from wagtail.log_actions import log

    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("Give a reason for revoking the certificate.", "reason_required")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.is_revoked:
            raise CertificateError("This certificate is already revoked.", "already_revoked")
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason
        certificate.revoked_by = by
        certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
        log(instance=certificate, action="certificates.revoke", user=by, data={"reason": reason})
    return certificate


def certificate_reissue(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Replace a certificate: the old one is revoked and a new one, with a new code, a fresh
    snapshot (current name, title and template) and a new PDF, is issued and emailed.

    This is how a misspelt name or a template fix reaches a student; the old code keeps
    verifying as revoked."""
    from wagtail.log_actions import log

    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("Give a reason for reissuing the certificate.", "reason_required")
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if Certificate.objects.filter(replaces=old).exists():
            raise CertificateError("This certificate was already reissued; reissue its replacement.", "replaced")
        enrollment = old.enrollment
        if enrollment is None or enrollment.status != Enrollment.Status.COMPLETED:
            raise CertificateError("The enrollment is no longer completed; it cannot be reissued.", "not_completed")
        if not old.is_revoked:
            old.revoked_at = timezone.now()
            old.revoked_reason = f"Reissued: {reason}"
            old.revoked_by = by
            old.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
            log(instance=old, action="certificates.revoke", user=by, data={"reason": old.revoked_reason})
        other = _valid_certificate_for(enrollment)
        if other:
            raise CertificateError("The enrollment already has another valid certificate.", "already_valid")
        new = _create_certificate(enrollment=enrollment, replaces=old)
        log(instance=new, action="certificates.reissue", user=by, data={"reason": reason, "replaces": old.display_code})
    new = certificate_render_pdf(certificate=new)
    _notify_issued(new)
    return new


def certificate_pdf_ensure(*, certificate: Certificate) -> Certificate:
    """Make sure the PDF exists before a download (it may have been lost from storage)."""
    return certificate_render_pdf(certificate=certificate)
