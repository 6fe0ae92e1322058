"""Fixed-window rate limits on the shared cache (Redis in production, so every app process
counts together). Raise-style: `rate_limit(...)` answers 429 with Retry-After when over."""

import time

from django.conf import settings
from django.core.cache import cache

from .errors import ApiError


def parse_rate(rate: str) -> tuple[int, int]:
    """'5/m' → (5, 60); units s, m, h, d, optionally with a count: '10/5m'."""
    count, period = rate.split("/")
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number = int(period[:-1] or 1)
    return int(count), number * units[period[-1]]


def rate_limit(*, scope: str, key: str, rate: str | None = None):
    """Count one hit for (scope, key); over the limit → ApiError 429 with Retry-After."""
    limit, window = parse_rate(rate or settings.API_RATE_LIMITS[scope])
    now = int(time.time())
    bucket = now // window
    cache_key = f"rl:{scope}:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 1)
        hits = 1
    if hits > limit:
        retry_after = (bucket + 1) * window - now
        raise ApiError(429, "Too many requests; try again later.", "rate_limited",
                       headers={"Retry-After": str(max(1, retry_after))})


def client_ip(request) -> str:
    # Behind the load balancer the first X-Forwarded-For hop is the client (set only when
    # USE_X_FORWARDED_FOR is on, so a client cannot forge it on a direct connection).
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")
