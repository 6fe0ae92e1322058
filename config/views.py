"""Site-wide plumbing views."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from core.dbrouter import replica_status


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


def admin_login(request):
    """/admin/login/ → the site's sign-in (allauth, with its second factor), then back."""
    from urllib.parse import urlencode

    from django.shortcuts import redirect
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/admin/"
    return redirect(f"{settings.WAGTAILADMIN_LOGIN_URL}?{urlencode({'next': target})}")


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
    """Readiness: 503 only when this instance cannot serve (no database). The read replica
    (state, lag in seconds), the cache and the broker are reported, but while Redis restarts
    pages keep serving (the cache turns errors into misses, tasks wait in the outbox), so the
    load balancer keeps every instance."""
    checks = _run_checks()
    ready = not checks["database"].startswith("error")
    degraded = [name for name, value in checks.items() if value.startswith("error")]
    status = "error" if not ready else ("degraded" if degraded else "ok")
    # The read replica's state and lag: a replica that is down or behind is skipped (its
    # reads go to the primary), so it never makes the instance unready.
    return JsonResponse(
        {"status": status, "checks": checks, "database_replica": replica_status()}, status=200 if ready else 503
    )


# Error pages in the site's layout (handler400/403/404/500 in config/urls.py), with the reason
# the server gave when it gave one for people (a PermissionDenied or BadRequest sentence).
ERROR_PAGES = {
    400: ("The request could not be understood", "Check what you typed and try again."),
    403: ("You cannot open this page", "If you think you should, sign in with the right account or ask support."),
    404: ("Page not found", "The address may be mistyped, or the page was moved or unpublished."),
    500: ("Something went wrong on our side", "The error has been logged. Try again in a minute."),
}


def _reason(exception) -> str:
    if exception is None:
        return ""
    first = exception.args[0] if getattr(exception, "args", None) else ""
    if not isinstance(first, str):  # Django's resolver detail (tried patterns): not for people
        return ""
    message = first
    if "matches the given query" in message:  # get_object_or_404's model name: not for people
        return ""
    return message[:300]


def error_page(request, status: int, exception=None):
    from django.shortcuts import render

    title, advice = ERROR_PAGES[status]
    context = {"status": status, "title": title, "advice": advice, "reason": _reason(exception)}
    try:
        return render(request, "errors/page.html", context, status=status)
    except Exception:  # the layout needs the database; a bare page when that is what failed
        if status != 500:
            raise
        from django.template import loader

        return HttpResponse(loader.get_template("500.html").render(), status=500)


def bad_request(request, exception=None):
    return error_page(request, 400, exception)


def permission_denied(request, exception=None):
    return error_page(request, 403, exception)


def page_not_found(request, exception=None):
    return error_page(request, 404, exception)


def server_error(request):
    return error_page(request, 500)
