"""Encryption at rest for instructors' bank details (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from EARNINGS_ENCRYPTION_KEY (production refuses to start without it). It may
list several comma-separated keys: the first encrypts, all decrypt, so a key can be rotated
by putting the new one first and re-saving the details."""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class BankDetailsUnreadable(Exception):
    """Stored details cannot be decrypted with the configured keys (wrong or rotated-out key)."""


def _keys() -> list[bytes]:
    configured = [key.strip() for key in (getattr(settings, "EARNINGS_ENCRYPTION_KEY", "") or "").split(",")]
    configured = [key for key in configured if key]
    if configured:
        return [key.encode() for key in configured]
    # Development and tests only: with no key configured, derive a stable one from
    # SECRET_KEY so a fresh clone works. This is NOT for production — rotating SECRET_KEY
    # would make stored details unreadable — and config.settings.production requires
    # EARNINGS_ENCRYPTION_KEY to be set.
    if not settings.SECRET_KEY:
        raise ImproperlyConfigured("EARNINGS_ENCRYPTION_KEY (or at least SECRET_KEY) must be set.")
    digest = hashlib.sha256(b"lectern-earnings-bank-details:" + settings.SECRET_KEY.encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "EARNINGS_ENCRYPTION_KEY must be Fernet keys (python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from exc


def encrypt_json(data: dict) -> str:
    return _fernet().encrypt(json.dumps(data, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise BankDetailsUnreadable("The stored bank details cannot be decrypted with the configured key.") from exc


def mask_account_number(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isalnum())
    return "•••• " + digits[-4:] if len(digits) > 4 else "••••"
