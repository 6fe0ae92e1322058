"""Per-IP limit on certificate lookups (web page and API): `CERTIFICATE_VERIFY_RATE` lookups
per window, counted by core/ratelimit.py on the shared cache."""

from dataclasses import dataclass

from django.conf import settings

from core.client_ip import client_ip
from core.ratelimit import rate_hit


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0


def verify_lookup_allowed(request) -> RateDecision:
    """Count one lookup from this request's IP; refuse once the window's budget is spent."""
    retry_after = rate_hit(
        scope="certificates:verify", key=client_ip(request), rate=getattr(settings, "CERTIFICATE_VERIFY_RATE", "30/10m")
    )
    return RateDecision(retry_after == 0, retry_after)
