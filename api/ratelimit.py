"""Rate limits for the API, raise-style: `rate_limit(...)` answers 429 with Retry-After when
over (the counter is core/ratelimit.py; the rates are settings.API_RATE_LIMITS)."""

from django.conf import settings

from core.client_ip import client_ip
from core.ratelimit import rate_hit

from .errors import ApiError

__all__ = ["client_ip", "rate_limit"]


def rate_limit(*, scope: str, key: str, rate: str | None = None):
    """Count one hit for (scope, key); over the limit → ApiError 429 with Retry-After."""
    retry_after = rate_hit(scope=scope, key=key, rate=rate or settings.API_RATE_LIMITS[scope])
    if retry_after:
        raise ApiError(
            429, "Too many requests; try again later.", "rate_limited", headers={"Retry-After": str(retry_after)}
        )
