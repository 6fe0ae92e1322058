"""Per-IP limit on certificate lookups (web page and API), on Django's cache so every app
process shares the count. A fixed window: `CERTIFICATE_VERIFY_RATE` lookups per period."""

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0


def parse_rate(rate: str) -> tuple[int, int]:
    """"30/10m" → (30 lookups, 600 seconds)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", rate or "")
    if not match:
        raise ValueError(f"Bad rate {rate!r}: write it like 30/10m")
    count, amount, unit = match.groups()
    return int(count), int(amount or 1) * _UNITS[unit]


def client_ip(request) -> str:
    """The client's address, honouring allauth's trusted-proxy settings like the login limiter."""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import PermissionDenied

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"


def verify_lookup_allowed(request) -> RateDecision:
    """Count one lookup from this request's IP; refuse once the window's budget is spent."""
    limit, period = parse_rate(getattr(settings, "CERTIFICATE_VERIFY_RATE", "30/10m"))
    now = int(time.time())
    window = now // period
    key = f"certificates:verify:{client_ip(request)}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=period + 5)
        count = 1
    if count > limit:
        return RateDecision(False, retry_after=max(1, (window + 1) * period - now))
    return RateDecision(True)
