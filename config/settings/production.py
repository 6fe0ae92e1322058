"""Production: refuses to start without a secret key; HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_PGBOUNCER, DATABASES, database_pool, env

DEBUG = False
# Persistent connections by default (health-checked before each request reuses one): measured
# against a connection per request and psycopg's pool, bench/README.md "Connections".
# DATABASE_POOL=true for the pool instead; DATABASE_PGBOUNCER=true behind PgBouncer.
DATABASE_POOL = database_pool(DATABASES, default=False)
for _alias, _database in DATABASES.items():
    if (_alias == "default" and DATABASE_PGBOUNCER) or "pool" in _database.get("OPTIONS", {}):
        continue  # PgBouncer or the pool keeps the server connections
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Off only for a plain-HTTP loopback cluster test (bench/cluster.py); never in a real deployment.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
CSP_ENABLED = env.bool("CSP_ENABLED", default=True)
# The sandbox gateway hands out courses without money: off unless a test deployment asks for it
# (and then `check --deploy` says so, lectern.E010).
PAYMENTS_SANDBOX_ENABLED = env.bool("PAYMENTS_SANDBOX_ENABLED", default=False)
STORAGES["staticfiles"] = {"BACKEND": "core.static_storage.CachedURLManifestStaticFilesStorage"}  # noqa: F405
if not env("EARNINGS_ENCRYPTION_KEY", default=""):
    raise ImproperlyConfigured("EARNINGS_ENCRYPTION_KEY must be set in production (encrypts bank details).")
