"""The site's default certificate template."""

from .models import CertificateTemplate


def seed(*, stdout):
    _, created = CertificateTemplate.objects.get_or_create(
        name="Lectern default",
        defaults={"is_default": True, "signer_name": "Ayanda Admin", "signer_title": "Head of Academy"},
    )
    if created:
        stdout.write("created the default certificate template")
