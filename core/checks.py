"""Deployment checks (`manage.py check --deploy`) for settings that are dangerous in
production: DEBUG on, mail that never leaves the machine, no key for bank details, private
files that are not private. The
payment settings are checked by payments/checks.py."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

LOCAL_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(Tags.security, deploy=True)
def dangerous_settings(app_configs=None, **kwargs):
    problems = []
    if settings.DEBUG:
        problems.append(
            Error("DEBUG is on: error pages show settings and code to anyone.", hint="DEBUG=false", id="lectern.E001")
        )
    if settings.EMAIL_BACKEND in LOCAL_EMAIL_BACKENDS:
        problems.append(
            Warning(
                f"Email goes to {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]}, not to people: sign-up confirmations, "
                "password resets and receipts are never delivered.",
                hint="Set EMAIL_URL=smtp://user:pass@host:587/?tls=True",
                id="lectern.W002",
            )
        )
    if not getattr(settings, "EARNINGS_ENCRYPTION_KEY", ""):
        problems.append(
            Error(
                "EARNINGS_ENCRYPTION_KEY is not set: instructors' bank details cannot be stored encrypted.",
                hint="Generate one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`",
                id="lectern.E003",
            )
        )
    problems.extend(_private_storage_problems())
    return problems


def _private_storage_problems() -> list:
    """Private files (paid lessons' documents, submissions, attachments, certificates) must be
    private objects reached by signed, short-lived URLs only, and Wagtail's documents must be
    routed to them (core.storage.MediaStorage)."""
    problems = []
    private = settings.STORAGES.get("private", {})
    options = private.get("OPTIONS", {})
    if "s3" in private.get("BACKEND", "").lower():
        acl = options.get("default_acl", getattr(settings, "AWS_DEFAULT_ACL", None))
        signed = options.get("querystring_auth", getattr(settings, "AWS_QUERYSTRING_AUTH", True))
        if acl != "private" or not signed:
            problems.append(
                Error(
                    "The private storage writes objects others may read, or hands out unsigned URLs: "
                    "paid documents, submissions and attachments would be readable by anyone with the link.",
                    hint='STORAGES["private"]["OPTIONS"]: default_acl="private", querystring_auth=True',
                    id="lectern.E004",
                )
            )
    if settings.STORAGES.get("default", {}).get("BACKEND") != "core.storage.MediaStorage" or "documents/" not in (
        getattr(settings, "PRIVATE_MEDIA_FOLDERS", [])
    ):
        problems.append(
            Error(
                "Wagtail's documents (lesson PDFs, videos) are stored in public media.",
                hint='STORAGES["default"] = core.storage.MediaStorage with "documents/" in PRIVATE_MEDIA_FOLDERS',
                id="lectern.E005",
            )
        )
    return problems


@register(Tags.database)
def replica_settings(app_configs=None, **kwargs):
    """A browser that wrote reads from the primary for DATABASE_REPLICA_PIN_SECONDS: shorter
    than the lag the router accepts (plus the time between two lag checks) and a student
    could read their progress from a replica that has not caught up yet."""
    if not getattr(settings, "DATABASE_REPLICA_READS", False):
        return []
    needed = settings.DATABASE_REPLICA_MAX_LAG_SECONDS + settings.DATABASE_REPLICA_CHECK_SECONDS
    if settings.DATABASE_REPLICA_PIN_SECONDS < needed:
        return [
            Warning(
                f"DATABASE_REPLICA_PIN_SECONDS ({settings.DATABASE_REPLICA_PIN_SECONDS}) is shorter than "
                f"DATABASE_REPLICA_MAX_LAG_SECONDS + DATABASE_REPLICA_CHECK_SECONDS ({needed:g}): a user could "
                "read their own recent writes from a replica that has not replayed them yet.",
                hint=f"Set DATABASE_REPLICA_PIN_SECONDS to at least {needed:g}.",
                id="lectern.W020",
            )
        ]
    return []
