"""Fixed-window rate limits on the shared cache (Redis in production, so every app process
counts together). The one counter behind the API's limits (api/ratelimit.py) and the public
certificate lookups (certificates/ratelimit.py). The address they key on is core/client_ip.py."""

import re
import time

from django.core.cache import cache

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'5/m' → (5, 60); '30/10m' → (30, 600). Units s, m, h, d."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", rate or "")
    if not match:
        raise ValueError(f"Bad rate {rate!r}: write it like 30/10m")
    count, amount, unit = match.groups()
    return int(count), int(amount or 1) * _UNITS[unit]


def rate_hit(*, scope: str, key: str, rate: str) -> int:
    """Count one hit for (scope, key). Returns 0 when it is within `rate`, else the seconds
    until the window ends (for Retry-After)."""
    limit, window = parse_rate(rate)
    now = int(time.time())
    bucket = now // window
    cache_key = f"rl:{scope}:{key}:{bucket}"
    if hasattr(cache, "count_in_window"):  # Redis (core/cache.py): one round trip
        hits = cache.count_in_window(cache_key, timeout=window + 1)
    else:
        cache.add(cache_key, 0, timeout=window + 1)
        try:
            hits = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window + 1)
            hits = 1
    if hits > limit:
        return max(1, (bucket + 1) * window - now)
    return 0
