"""Who may download, revoke and reissue certificates. Built on the staff policy
(`accounts.permissions`, `coursepages.permissions`)."""

from accounts.permissions import is_platform_admin
from coursepages.permissions import user_is_course_staff


def certificate_may_download(*, user, certificate) -> bool:
    """The owner (while the certificate is valid) and staff (always): platform admins, and
    the staff of the certificate's course."""
    if not user.is_authenticated:
        return False
    if is_platform_admin(user):
        return True
    if certificate.course_id and certificate.course and user_is_course_staff(user=user, course=certificate.course):
        return True
    return certificate.user_id == user.pk and not certificate.is_revoked


def user_may_change_certificates(user) -> bool:
    """Revoke and reissue in the admin: holders of certificates.change_certificate (the
    Moderators group, superusers)."""
    return user.has_perm("certificates.change_certificate")
