"""The client's address, in one place: every rate limit, the PayFast source check, the
sign-in limits (allauth, through accounts.adapter) and the audit log (core/audit.py) read it here.

Behind proxies, each proxy appends the address it saw to X-Forwarded-For, so only the
rightmost `TRUSTED_PROXY_HOPS` entries were written by machines we trust; everything to
their left was written by the client and may be forged. With N trusted hops the client is
the N-th entry from the right. With 0 (the default: the app is reached directly) the header
is ignored and the direct connection's address is the client.
"""

import ipaddress

from django.conf import settings


def _clean(value: str) -> str:
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return ""


def client_ip(request) -> str:
    """The client's address as a normalised string ("" when none can be read)."""
    remote = _clean(request.META.get("REMOTE_ADDR", ""))
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0)
    if hops <= 0:
        return remote
    entries = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not entries:
        return remote
    # Fewer entries than trusted hops: every entry was written by a trusted proxy, so the
    # leftmost is the farthest address known.
    candidate = entries[-hops] if len(entries) >= hops else entries[0]
    return _clean(candidate) or remote
