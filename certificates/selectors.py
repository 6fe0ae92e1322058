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
    """The student dashboard's certificates (learners.dashboard.panels; CertificatesConfig.ready)."""
    return {"certificates": certificates_for(user=user)}


def certificate_by_code(*, code: str) -> Certificate | None:
    """Match a typed code ignoring case, spaces and dashes."""
    normalized = normalize_code(code)
    if not is_well_formed(normalized):
        return None
    return Certificate.objects.filter(code=normalized).select_related("replaced_by").first()


def certificate_may_download(*, user, certificate: Certificate) -> bool:
    """The owner (while the certificate is valid) and staff (always) may download it."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or getattr(user, "role", None) == "admin":
        return True
    if certificate.course_id:
        from learners.access import user_is_course_staff

        if certificate.course and user_is_course_staff(user=user, course=certificate.course):
            return True
    return certificate.user_id == user.pk and not certificate.is_revoked
