"""Reads: a user's certificates and the public lookup by code."""

from django.db.models import QuerySet

from .codes import is_well_formed, normalize_code
from .models import Certificate


def certificates_for(*, user) -> QuerySet[Certificate]:
    """The user's own certificates, newest first (revoked ones included, marked as such)."""
    if not user.is_authenticated:
        return Certificate.objects.none()
    return Certificate.objects.filter(user=user).order_by("-issued_at", "-pk")


def dashboard_panel(*, user) -> dict:
    """The student dashboard's certificates (learners.dashboard.panels; CertificatesConfig.ready),
    and each completed course's valid certificate by course id (shown beside the course)."""
    certificates = list(certificates_for(user=user))
    by_course: dict[int, Certificate] = {}
    for certificate in reversed(certificates):  # oldest first, so the newest valid one wins
        if certificate.course_id and not certificate.is_revoked:
            by_course[certificate.course_id] = certificate
    return {"certificates": certificates, "certificate_by_course": by_course}


def finish_panel(*, user, course) -> dict:
    """The course-complete page's certificate (learners.finish.finish_panels): the newest valid
    one for this course, or None while the issuing task has not run yet."""
    certificate = (
        Certificate.objects.filter(user=user, course=course, revoked_at__isnull=True)
        .order_by("-issued_at", "-pk")
        .first()
    )
    return {"certificate": certificate}


def certificate_by_code(*, code: str) -> Certificate | None:
    """Match a typed code ignoring case, spaces and dashes."""
    normalized = normalize_code(code)
    if not is_well_formed(normalized):
        return None
    return Certificate.objects.filter(code=normalized).select_related("replaced_by").first()
