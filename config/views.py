"""Site-wide plumbing views."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    cache.set("healthz", "ok", 5)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was written")


def _check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def bare(request):
    """The benchmark baseline: a Django view that does nothing (bench/load.py)."""
    return HttpResponse("ok", content_type="text/plain")


def bare_signed_in(request):
    """The signed-in baseline: a view that only loads its user from the session (one Redis
    read, one query), what every signed-in page pays before doing anything (bench/load.py)."""
    return HttpResponse(f"ok {request.user.pk or ''}", content_type="text/plain")


def _run_checks() -> dict[str, str]:
    checks = {}
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        try:
            checks[name] = check() or "ok"
        except Exception as exc:  # any failure of a dependency is reported, not raised
            checks[name] = f"error: {exc.__class__.__name__}"
    return checks


@never_cache
def healthz(request):
    """The status report: database, cache and broker; 200 when all answer, 503 otherwise."""
    checks = _run_checks()
    healthy = not any(value.startswith("error") for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


@never_cache
def healthz_live(request):
    """Liveness: the process answers. Touches nothing else, so a dependency's outage never
    gets the process restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
def healthz_ready(request):
    """Readiness: 503 only when this instance cannot serve (no database). The cache and the
    broker are reported, but while Redis restarts pages keep serving (the cache turns errors
    into misses, tasks wait in the outbox), so the load balancer keeps every instance."""
    checks = _run_checks()
    ready = not checks["database"].startswith("error")
    degraded = [name for name, value in checks.items() if value.startswith("error")]
    status = "error" if not ready else ("degraded" if degraded else "ok")
    return JsonResponse({"status": status, "checks": checks}, status=200 if ready else 503)
