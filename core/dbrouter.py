"""Read replica routing: the reads that tolerate a little lag go to a PostgreSQL streaming
replica, everything else to the primary.

Nothing goes to the replica unless all of these hold:

- a replica is configured (`DATABASE_REPLICA_URL`, which sets `DATABASE_REPLICA_READS`);
- the code asked for it: the read runs inside `reads_from_replica()` (a context manager and a
  decorator, used by the catalog and course pages, analytics, CSV exports, the instructor's
  student lists and certificate verification). There is no "every read" rule;
- the default connection is not inside a transaction (a read in `atomic()` sees its writes);
- this request has not written (a statement that changes or locks rows, seen by an execute
  wrapper on the primary, pins the rest of the request to it; outside requests any
  `db_for_write` call does), and the browser or user did not write in the last `DATABASE_REPLICA_PIN_SECONDS`
  (a signed cookie, and a cache marker per user for API clients without cookies, both set by
  `ReplicaPinMiddleware` on the response of a request that wrote): a student never sees their
  own progress go backwards;
- the replica answered its last check (every `DATABASE_REPLICA_CHECK_SECONDS`, per process)
  with a lag under `DATABASE_REPLICA_MAX_LAG_SECONDS`, and its connection opens. A replica
  that is down or behind is skipped until a later check finds it well.
"""

import contextlib
import contextvars
import functools
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.signing import BadSignature
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "lectern_wrote"

# Per request (gunicorn threads and asyncio tasks each have their own context).
_replica_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_wanted", default=False)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("wrote", default=False)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("pinned", default=False)
# The request, for the per-user marker: checked lazily, on the first replica read only.
_request: contextvars.ContextVar[object | None] = contextvars.ContextVar("request", default=None)
_replica_verified: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_verified", default=False)
# Inside a request the primary connection reports what it actually writes (see _note_writes);
# outside one (a task, a shell), asking for the write database counts as writing.
_in_request: contextvars.ContextVar[bool] = contextvars.ContextVar("in_request", default=False)
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "MERGE")
# Rows that cache something for every visitor, not the visitor's own data: writing one does not
# pin the request's later reads (the catalog's first view of a course image makes its rendition).
CACHE_ROW_INSERTS = ('INSERT INTO "wagtailimages_rendition"',)


def replica_enabled() -> bool:
    return getattr(settings, "DATABASE_REPLICA_READS", False) and REPLICA in settings.DATABASES


class reads_from_replica:  # noqa: N801 - used like a function
    """Reads in this block may go to the replica, when it is safe. As a decorator of a view it
    also renders a lazy (template) response inside the block, so the template's queries count."""

    def __enter__(self):
        self._tokens = [*getattr(self, "_tokens", []), _replica_wanted.set(True)]
        return self

    def __exit__(self, *exc):
        _replica_wanted.reset(self._tokens.pop())
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            token = _replica_wanted.set(True)
            try:
                result = function(*args, **kwargs)
                if callable(getattr(result, "render", None)) and getattr(result, "is_rendered", True) is False:
                    result.render()
                return result
            finally:
                _replica_wanted.reset(token)

        return wrapper


# --- replica health: one check per process every DATABASE_REPLICA_CHECK_SECONDS -------------

LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() IS NOT NULL
       AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


class ReplicaHealth:
    """The replica's last measured state, shared by the threads of one process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = 0.0
        self.lag: float | None = None  # seconds; None when the replica did not answer
        self.error = ""

    def reset(self):
        with self.lock:
            self.checked_at, self.lag, self.error = 0.0, None, ""

    def measure(self) -> tuple[float | None, str]:
        """Ask the replica how far behind it is: (seconds, "") or (None, the error's name).
        PostgreSQL is asked on a connection of its own (not one of the pool's, which would wait
        for the pool's timeout when the replica is down): a refused connection answers at once."""
        connection = connections[REPLICA]
        if connection.vendor != "postgresql":  # a test mirror of the primary has no lag
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    return 0.0, ""
            except DatabaseError as exc:
                return None, exc.__class__.__name__
        import psycopg

        params = connection.get_connection_params()
        params.setdefault("connect_timeout", 2)
        try:
            with psycopg.connect(**params, autocommit=True) as direct:
                return float(direct.execute(LAG_SQL).fetchone()[0]), ""
        except psycopg.Error as exc:
            return None, exc.__class__.__name__

    def state(self, *, force=False) -> tuple[float | None, str]:
        interval = settings.DATABASE_REPLICA_CHECK_SECONDS
        now = time.monotonic()
        # One thread measures; the others go on with the last answer rather than wait for it.
        if (force or now - self.checked_at >= interval) and self.lock.acquire(blocking=force):
            try:
                if force or now - self.checked_at >= interval:
                    self.lag, self.error = self.measure()
                    self.checked_at = time.monotonic()
                    if self.lag is None:
                        logger.warning("read replica unavailable (%s): reads go to the primary", self.error)
                    elif self.lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
                        logger.warning("read replica %.1f s behind: reads go to the primary", self.lag)
            finally:
                self.lock.release()
        return self.lag, self.error

    def usable(self) -> bool:
        lag, _ = self.state()
        return lag is not None and lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS

    def mark_down(self, error: str):
        self.lag, self.error, self.checked_at = None, error, time.monotonic()


health = ReplicaHealth()


def replica_status() -> dict:
    """For /healthz/ready: whether reads go to the replica and how far behind it is."""
    if not replica_enabled():
        return {"replica": "none"}
    lag, error = health.state(force=True)
    if lag is None:
        return {"replica": f"error: {error}", "replica_lag_seconds": None}
    state = "ok" if lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS else "lagging"
    return {"replica": state, "replica_lag_seconds": round(lag, 3)}


# --- read-your-own-writes ----------------------------------------------------------------


def _user_marker_key(user_id) -> str:
    return f"dbrouter:wrote:{user_id}"


def _recently_wrote() -> bool:
    if _pinned.get() or _wrote.get():
        return True
    request = _request.get()
    if request is not None:
        _request.set(None)  # checked once per request
        token = _replica_wanted.set(False)  # loading the user reads the primary, and does not recurse
        try:
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
        finally:
            _replica_wanted.reset(token)
        if user_id is not None and cache.get(_user_marker_key(user_id)):
            _pinned.set(True)
            return True
    return False


def _replica_connects() -> bool:
    """Once per request, before the first replica read: the replica's connection opens (a
    kept one is health-checked, as CONN_HEALTH_CHECKS does). A replica stopped since the last
    check is marked down here, so the read goes to the primary instead of failing."""
    if _replica_verified.get():
        return True
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as exc:
        with contextlib.suppress(DatabaseError):
            connection.close()
        health.mark_down(exc.__class__.__name__)
        logger.warning("read replica connection failed (%s): reads go to the primary", exc.__class__.__name__)
        return False
    _replica_verified.set(True)
    return True


def _use_replica() -> bool:
    return (
        _replica_wanted.get()
        and replica_enabled()
        and not connections[PRIMARY].in_atomic_block
        and not _recently_wrote()
        and health.usable()
        and _replica_connects()
    )


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads as above, writes and migrations on the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if _use_replica() else PRIMARY

    def db_for_write(self, model, **hints):
        if not _in_request.get():
            _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def wrote_in_this_request() -> bool:
    return _wrote.get()


def _note_writes(execute, sql, params, many, context):
    """An execute wrapper on the primary: a statement that changes rows or locks them marks
    the request as having written. (A get_or_create that finds its row is a read: Wagtail's
    admin asks for the user's profile that way on every page. Nor is a cache row the page makes
    for everyone: an image rendition a course card needs the first time any visitor sees it.)"""
    head = sql.lstrip()[:7].upper()
    if head == "INSERT " and sql.lstrip().startswith(CACHE_ROW_INSERTS):
        return execute(sql, params, many, context)
    if (
        head.startswith(WRITE_VERBS)
        or " FOR UPDATE" in sql
        or (head.startswith("WITH") and any(verb in sql.upper() for verb in WRITE_VERBS))
    ):
        _wrote.set(True)
    return execute(sql, params, many, context)


class ReplicaPinMiddleware:
    """Starts each request unpinned, pins it when the browser's cookie or the user's marker
    says they wrote a moment ago, and sets both when this request wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_enabled():
            return self.get_response(request)
        window = settings.DATABASE_REPLICA_PIN_SECONDS
        try:
            pinned = bool(request.get_signed_cookie(PIN_COOKIE, default=None, max_age=window))
        except BadSignature:
            pinned = False
        tokens = [
            (_wrote, _wrote.set(False)),
            (_pinned, _pinned.set(pinned)),
            (_request, _request.set(request)),
            (_replica_verified, _replica_verified.set(False)),
            (_in_request, _in_request.set(True)),
        ]
        try:
            with connections[PRIMARY].execute_wrapper(_note_writes):
                response = self.get_response(request)
            if _wrote.get():
                self._remember_write(request, response, window)
            return response
        finally:
            for var, token in reversed(tokens):
                var.reset(token)

    @staticmethod
    def _remember_write(request, response, window):
        response.set_signed_cookie(
            PIN_COOKIE,
            "1",
            max_age=window,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        user = getattr(request, "user", None)  # signed in by this request, perhaps
        if user is not None and user.is_authenticated:
            cache.set(_user_marker_key(user.pk), 1, window)
