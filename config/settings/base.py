"""Settings shared by every environment. Everything comes from environment variables,
with embedded defaults that let a fresh clone run with no services at all (docs/architecture.md §6)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL

INSTALLED_APPS = [
    # Lectern's own apps
    "core",
    "accounts",
    "coursepages",
    "blocks",
    "learners",
    "payments",
    "certificates",
    "live",
    "messaging",
    "discussions",
    "api",
    "outbox",
    "demotool",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.github",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # runserver serves static files through WhiteNoise, as production does (its CORS header
    # lets the sandboxed H5P player, an opaque origin, load its fonts).
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "storages",
]

MIDDLEWARE = [
    "core.generations.GenerationSnapshotMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.dbrouter.ReplicaPinMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "core.badbytes.RejectNulBytesMiddleware",
    "core.audit.AuditClientAddressMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.security.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.mfa.RequireSecondFactorMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "coursepages.site_cache.CachedSiteMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "messaging.context_processors.unread_counts",
            ],
        },
    },
]

# Database: SQLite by default, PostgreSQL (psycopg 3) through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection is pinged before a request reuses it, so a database restart costs no
# failed request once it is back (bench/faults.py, the postgres drill).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server, a test worker and the seed command share
    # the file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
# Connections (README "Scaling", bench/README.md "Connections"): Django's persistent connections
# (CONN_MAX_AGE: production's default is 60 s, see production.py), or psycopg's pool in each
# process (DATABASE_POOL), or PgBouncer in transaction mode in front of
# the primary (DATABASE_PGBOUNCER: no server-side cursors, no prepared statements, no pool of
# our own). The replica is reached directly: behind PgBouncer a stopped replica makes queries
# wait (query_wait_timeout) instead of failing at once, and the router could not skip it.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)


def database_pool(databases: dict, *, default: bool) -> bool:
    """Give every PostgreSQL alias psycopg's pool when DATABASE_POOL (else `default`) says so.
    The replica's pool waits 2 s at most for a connection: its reads can go to the primary."""
    if not IS_POSTGRES or not env.bool("DATABASE_POOL", default=default):
        return False
    for alias, database in databases.items():
        if alias == "default" and DATABASE_PGBOUNCER:
            continue  # PgBouncer pools the primary's connections
        database["CONN_MAX_AGE"] = 0  # the pool keeps the connections, not Django
        timeout = env.float("DATABASE_POOL_TIMEOUT", default=10.0)
        database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=8),
            "timeout": min(timeout, 2.0) if alias == "replica" else timeout,
        }
    return not DATABASE_PGBOUNCER


if DATABASE_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
# A PostgreSQL streaming replica for the reads that tolerate a little lag (core/dbrouter.py,
# README "Scaling"). Unset: one database, nothing routed.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_READS = bool(DATABASE_REPLICA_URL)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    for key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        DATABASES["replica"][key] = DATABASES["default"][key]
    if DATABASE_PGBOUNCER:  # the primary's connections go through PgBouncer, the replica's not
        DATABASES["replica"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # A replica that does not answer is given up on quickly (its reads then go to the primary).
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
DATABASE_POOL = database_pool(DATABASES, default=False)
DATABASE_ROUTERS = ["core.dbrouter.ReplicaRouter"]
# Beyond this lag the replica is skipped; its state is re-checked this often (per process);
# a browser or user that wrote reads from the primary for this long (at least lag + check).
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=5.0)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=2.0)
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and sessions: local memory and the database by default, Redis through REDIS_URL.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, but a Redis outage means cache misses, not 500s (core/cache.py).
            "BACKEND": "core.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="lectern"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from the cache and written through to the database: no query per request
# for a signed-in user, and nothing lost when the cache restarts.
SESSION_ENGINE = "core.sessions"  # cached_db, reading the pages' generation with the session

# Celery: Redis (or CELERY_BROKER_URL) when configured, otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if (CELERY_BROKER_URL or "").startswith("redis://"):  # kombu's, one Redis client per pool (config/celery_broker.py)
    CELERY_BROKER_TRANSPORT = "config.celery_broker:Transport"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="lectern")
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}

# Files: local folders by default; S3 (or any S3-compatible server) when a bucket is set.
# Private files (assignment uploads, paid-course PDFs and H5P packages, certificates) live
# in their own storage that is never served by URL: a view checks access and streams them,
# or redirects to a short-lived signed S3 URL.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Folders of the default storage that really live in the private one (core.storage.MediaStorage):
# Wagtail's documents (lesson PDFs, uploaded videos, captions) are reached only through access checks.
PRIVATE_MEDIA_FOLDERS = ["documents/"]
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_S3_FILE_OVERWRITE = False
    AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)
    _s3 = "storages.backends.s3.S3Storage"
    STORAGES = {
        "default": {
            "BACKEND": "core.storage.MediaStorage",
            "OPTIONS": {"public_backend": _s3, "public_options": {"location": "public", "querystring_auth": False}},
        },
        "private": {
            "BACKEND": _s3,
            "OPTIONS": {
                "location": "private",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": AWS_QUERYSTRING_EXPIRE,
            },
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "core.storage.MediaStorage"},
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

# Email: console by default, SMTP through EMAIL_URL (smtp://user:pass@host:587/?tls=True).
EMAIL_URL = env("EMAIL_URL", default="consolemail://")
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Lectern <no-reply@lectern.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Accounts (django-allauth): email is the login and must be verified.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Two-factor sign-in (allauth.mfa, accounts/mfa.py): an authenticator app and recovery codes;
# required for admins and moderators, and for instructors before bank details and payouts.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Lectern")
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)
# The Wagtail admin signs in through allauth's form, so its second factor applies there too.
WAGTAILADMIN_LOGIN_URL = "/accounts/login/"
ACCOUNT_RATE_LIMITS = {
    # Brute-force protection on the login form (allauth's own rate limiter, on the cache).
    "login_failed": env("LOGIN_RATE_LIMIT", default="5/5m/ip,5/5m/key"),
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "5/m/ip,3/m/key",
}
LOGIN_REDIRECT_URL = "/dashboard/"
LOGIN_URL = "/accounts/login/"
SOCIALACCOUNT_PROVIDERS: dict = {}
for _provider, _prefix in (("google", "GOOGLE"), ("github", "GITHUB")):
    _client_id = env(f"{_prefix}_CLIENT_ID", default="")
    if _client_id:
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [{"client_id": _client_id, "secret": env(f"{_prefix}_CLIENT_SECRET"), "key": ""}]
        }
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-za"
TIME_ZONE = env("TIME_ZONE", default="Africa/Johannesburg")
USE_I18N = True
USE_TZ = True

# Wagtail
WAGTAIL_SITE_NAME = env("SITE_NAME", default="Lectern")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_WORKFLOW_ENABLED = True
# Admin avatars: an uploaded one or Wagtail's own image, never gravatar.com (no third-party
# requests, the CSP's img-src allows none, and the site works offline).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# One timezone preference per person: the profile page's (accounts.User.timezone), copied to
# the Wagtail profile at sign-in; Wagtail's own account page does not offer a second one.
WAGTAIL_USER_TIME_ZONES: list[str] = []
WAGTAIL_MODERATION_ENABLED = True
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_MAX_UPLOAD_SIZE = 50 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILEMBEDS_RESPONSIVE_HTML = True
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False

# Money (docs/architecture.md §4). Site-editable values (VAT rate, hold days, threshold) live in the
# PlatformSettings Wagtail setting; these are the defaults it starts from.
DEFAULT_CURRENCY = "ZAR"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail's own background tasks (search and reference index) log each run at INFO.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# The /bench/ baseline views (config/views.py): off unless a benchmark server asks for them
# (bench/cluster.py and bench/load.py set BENCH_VIEWS for the servers they start).
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)

# Steps that run (after commit) when an enrollment is created or a course is completed;
# each is a dotted path to a function taking enrollment_id.
ENROLLMENT_CREATED_HOOKS: list[str] = ["learners.enrollment.notifications.enrollment_created_notify"]
COURSE_COMPLETED_HOOKS: list[str] = ["learners.enrollment.notifications.course_completed_notify"]

# JSON API (api/): JWT signing key (defaults to SECRET_KEY) and rate limits ("count/period").
JWT_SIGNING_KEY = env("JWT_SIGNING_KEY", default="")
API_RATE_LIMITS = {
    "login_ip": env("API_RATE_LOGIN_IP", default="20/m"),
    "login_account": env("API_RATE_LOGIN_ACCOUNT", default="5/5m"),
    "password_reset_ip": env("API_RATE_PASSWORD_RESET_IP", default="5/m"),
    "password_reset_account": env("API_RATE_PASSWORD_RESET_ACCOUNT", default="3/h"),
    "user": env("API_RATE_USER", default="600/m"),
}
# The client's address (core/client_ip.py): how many proxies in front of the app append to
# X-Forwarded-For. 0 = reached directly (the header is ignored); 1 = one load balancer; …
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)

# Steps each app adds to account deletion (dotted paths taking user=): e.g. blanking free text.
ACCOUNT_DELETION_HOOKS: list[str] = []

# Analytics roll-up: revenue per course per day comes from these (dotted paths taking day=).
ANALYTICS_REVENUE_SOURCES: list[str] = ["payments.earnings.selectors.revenue_by_course_for_day"]
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["analytics-rollup"] = {
    "task": "learners.analytics.tasks.analytics_rollup_task",
    "schedule": crontab(hour=0, minute=30),
    "kwargs": {"days": 2},
}

# Content-Security-Policy (core/security.py): on in production, off by default elsewhere.
CSP_ENABLED = env.bool("CSP_ENABLED", default=False)
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
AI_TOOL_ALLOWED_ORIGINS = env.list("AI_TOOL_ALLOWED_ORIGINS", default=[])
# Origins of HLS streams that video blocks play through hls.js (CSP connect-src and media-src).
VIDEO_STREAM_ORIGINS = env.list("VIDEO_STREAM_ORIGINS", default=[])
MEDIA_CDN_ORIGIN = env("MEDIA_CDN_ORIGIN", default="")
# Nothing may frame the site, except views marked @xframe_options_sameorigin (Wagtail's
# preview panel, the self-hosted AI tools); the CSP's frame-ancestors follows the same rule.
X_FRAME_OPTIONS = "DENY"

# Certificates: COURSE_COMPLETED_HOOKS issues one (Celery); public lookups are rate-limited per IP.
COURSE_COMPLETED_HOOKS.append("certificates.services.certificate_issue_on_completion")
CERTIFICATE_VERIFY_RATE = env("CERTIFICATE_VERIFY_RATE", default="30/10m")

# Live classes (docs/live.md). Meetings run on Jitsi (a room with an unguessable name, with a
# signed JWT when JITSI_APP_ID/JITSI_APP_SECRET are set) or on BigBlueButton when BBB_URL and
# BBB_SECRET are set (or LIVE_PROVIDER says so).
JITSI_URL = env("JITSI_URL", default="https://meet.jit.si").rstrip("/")
JITSI_APP_ID = env("JITSI_APP_ID", default="")
JITSI_APP_SECRET = env("JITSI_APP_SECRET", default="")
JITSI_AUDIENCE = env("JITSI_AUDIENCE", default="jitsi")
BBB_URL = env("BBB_URL", default="")
BBB_SECRET = env("BBB_SECRET", default="")
BBB_CHECKSUM_ALGORITHM = env("BBB_CHECKSUM_ALGORITHM", default="sha256")
BBB_TIMEOUT_SECONDS = env.float("BBB_TIMEOUT_SECONDS", default=10)
# Zoom: a Server-to-Server OAuth app (Account ID, Client ID, Client Secret) and its
# event-subscription Secret Token; each may instead be set in the admin (Settings → Live classes).
ZOOM_ACCOUNT_ID = env("ZOOM_ACCOUNT_ID", default="")
ZOOM_CLIENT_ID = env("ZOOM_CLIENT_ID", default="")
ZOOM_CLIENT_SECRET = env("ZOOM_CLIENT_SECRET", default="")
ZOOM_WEBHOOK_SECRET_TOKEN = env("ZOOM_WEBHOOK_SECRET_TOKEN", default="")
ZOOM_HOST_USER = env("ZOOM_HOST_USER", default="me")
ZOOM_OAUTH_URL = env("ZOOM_OAUTH_URL", default="https://zoom.us/oauth/token")
ZOOM_API_URL = env("ZOOM_API_URL", default="https://api.zoom.us/v2").rstrip("/")
ZOOM_TIMEOUT_SECONDS = env.float("ZOOM_TIMEOUT_SECONDS", default=10)
ZOOM_WEBHOOK_MAX_AGE_SECONDS = env.int("ZOOM_WEBHOOK_MAX_AGE_SECONDS", default=300)
LIVE_PROVIDER = env(
    "LIVE_PROVIDER",
    default="bbb" if (BBB_URL and BBB_SECRET) else "zoom" if (ZOOM_ACCOUNT_ID and ZOOM_CLIENT_ID) else "jitsi",
)
LIVE_CANCEL_CUTOFF_HOURS = env.int("LIVE_CANCEL_CUTOFF_HOURS", default=12)
LIVE_BOOKING_NOTICE_HOURS = env.int("LIVE_BOOKING_NOTICE_HOURS", default=2)
LIVE_BOOKING_HORIZON_DAYS = env.int("LIVE_BOOKING_HORIZON_DAYS", default=28)
LIVE_JOIN_EARLY_MINUTES = env.int("LIVE_JOIN_EARLY_MINUTES", default=15)
# Scheduled publishing (a course or lesson with a go-live or expiry date in the editor's
# "Publishing schedule"): Wagtail's publish_scheduled, every minute by default.
CELERY_BEAT_SCHEDULE["publish-scheduled"] = {
    "task": "coursepages.tasks.publish_scheduled_task",
    "schedule": env.int("PUBLISH_SCHEDULED_EVERY_SECONDS", default=60),
}
CELERY_BEAT_SCHEDULE["live-reminders"] = {"task": "live.tasks.send_live_reminders", "schedule": 60.0}

# Messaging (docs/messaging.md): WebSockets through Django Channels; Redis carries events
# between processes when REDIS_URL is set, otherwise an in-memory layer (one process only).
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{env('CACHE_KEY_PREFIX', default='lectern')}:asgi"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
MESSAGING_ATTACHMENT_MAX_BYTES = env.int("MESSAGING_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
MESSAGING_DIGEST_DELAY_MINUTES = env.int("MESSAGING_DIGEST_DELAY_MINUTES", default=60)
CELERY_BEAT_SCHEDULE["messaging-unread-digest"] = {"task": "messaging.tasks.send_unread_digests", "schedule": 3600.0}

# Course discussions (docs/discussions.md): posts per user (threads and replies together), and
# the email digest of what a user was told about in-app, sent at least this long afterwards.
DISCUSSIONS_POST_RATE = env("DISCUSSIONS_POST_RATE", default="10/5m")
DISCUSSIONS_DIGEST_DELAY_MINUTES = env.int("DISCUSSIONS_DIGEST_DELAY_MINUTES", default=60)
CELERY_BEAT_SCHEDULE["discussions-digest"] = {"task": "discussions.tasks.send_discussion_digests", "schedule": 3600.0}
ACCOUNT_DELETION_HOOKS.append("discussions.services.discussions_account_delete")

# "Ask this course" (docs/search.md): the local embedding model's size, how much of a passage
# it reads, and the query budget: passages compared per question, and the seconds allowed
# before the answer falls back to full-text ranking alone.
ASK_EMBEDDING_DIM = env.int("ASK_EMBEDDING_DIM", default=256)
ASK_EMBED_MAX_CHARS = env.int("ASK_EMBED_MAX_CHARS", default=2000)
ASK_MAX_PASSAGES = env.int("ASK_MAX_PASSAGES", default=20000)
ASK_BUDGET_SECONDS = env.float("ASK_BUDGET_SECONDS", default=0.5)

# Instructor earnings (docs/earnings.md). Bank details are encrypted with this Fernet key
# (comma-separate several to rotate: the first encrypts); dev and tests derive one from
# SECRET_KEY when it is empty, production requires it.
EARNINGS_ENCRYPTION_KEY = env("EARNINGS_ENCRYPTION_KEY", default="")
CELERY_BEAT_SCHEDULE["earnings-release-due"] = {
    "task": "payments.earnings.tasks.earnings_release_due",
    "schedule": env.int("EARNINGS_RELEASE_EVERY_SECONDS", default=3600),
}

# Assessments (docs/assessments.md): work on a timed quiz is accepted this many seconds after
# its deadline (network latency); later, the attempt is submitted with the answers saved.
QUIZ_DEADLINE_GRACE_SECONDS = env.int("QUIZ_DEADLINE_GRACE_SECONDS", default=30)
CELERY_BEAT_SCHEDULE["quiz-attempts-expire-overdue"] = {
    "task": "learners.assessments.tasks.quiz_attempts_expire_overdue_task",
    "schedule": 300.0,
}

# Interactive content (docs/interactive.md): H5P package limits, AI-tool launch tokens,
# and the file types lesson documents and videos may have.
H5P_MAX_PACKAGE_BYTES = env.int("H5P_MAX_PACKAGE_MB", default=100) * 1024 * 1024
H5P_MAX_EXTRACTED_BYTES = env.int("H5P_MAX_EXTRACTED_MB", default=300) * 1024 * 1024
H5P_MAX_FILE_BYTES = env.int("H5P_MAX_FILE_MB", default=50) * 1024 * 1024
H5P_MAX_FILES = 10_000
H5P_PLAYER_TOKEN_HOURS = env.int("H5P_PLAYER_TOKEN_HOURS", default=12)
AI_TOOL_SIGNING_KEY = env("AI_TOOL_SIGNING_KEY", default="")
AI_TOOL_LAUNCH_SECONDS = 600
AI_TOOL_SESSION_HOURS = env.int("AI_TOOL_SESSION_HOURS", default=4)
API_RATE_LIMITS["ai_tool_ip"] = env("API_RATE_AI_TOOL_IP", default="60/m")
API_RATE_LIMITS["xapi"] = env("API_RATE_XAPI", default="240/m")
WAGTAILDOCS_EXTENSIONS = [*WAGTAILDOCS_EXTENSIONS, "mp4", "webm", "vtt", "mp3", "m4a"]

# Payments (payments/, docs/payments.md). A gateway is offered when it is switched on in
# PlatformSettings AND its keys are here. The sandbox gateway needs no keys.
PAYSTACK_SECRET_KEY = env("PAYSTACK_SECRET_KEY", default="")
PAYSTACK_API_URL = env("PAYSTACK_API_URL", default="https://api.paystack.co")
PAYFAST_MERCHANT_ID = env("PAYFAST_MERCHANT_ID", default="")
PAYFAST_MERCHANT_KEY = env("PAYFAST_MERCHANT_KEY", default="")
PAYFAST_PASSPHRASE = env("PAYFAST_PASSPHRASE", default="")
PAYFAST_SANDBOX = env.bool("PAYFAST_SANDBOX", default=True)
# The ITN checks besides the signature and the amount, each switchable.
PAYFAST_VALIDATE_WITH_SERVER = env.bool("PAYFAST_VALIDATE_WITH_SERVER", default=True)
PAYFAST_CHECK_SOURCE = env.bool("PAYFAST_CHECK_SOURCE", default=True)
PAYFAST_VALID_HOSTS = env.list(
    "PAYFAST_VALID_HOSTS",
    default=["www.payfast.co.za", "sandbox.payfast.co.za", "w1w.payfast.co.za", "w2w.payfast.co.za"],
)
PAYFAST_ALLOWED_NETWORKS = env.list("PAYFAST_ALLOWED_NETWORKS", default=[])
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)
STRIPE_API_URL = env("STRIPE_API_URL", default="https://api.stripe.com")
# PayPal (Orders v2; README "PayPal and Razorpay"): the REST app's credentials and the id of the
# webhook registered for /api/v1/payments/webhook/paypal/ (its deliveries are verified with it).
PAYPAL_CLIENT_ID = env("PAYPAL_CLIENT_ID", default="")
PAYPAL_CLIENT_SECRET = env("PAYPAL_CLIENT_SECRET", default="")
PAYPAL_WEBHOOK_ID = env("PAYPAL_WEBHOOK_ID", default="")
PAYPAL_API_URL = env("PAYPAL_API_URL", default="https://api-m.sandbox.paypal.com")  # live: https://api-m.paypal.com
# Razorpay: API keys and the webhook secret set on the dashboard's webhook.
RAZORPAY_KEY_ID = env("RAZORPAY_KEY_ID", default="")
RAZORPAY_KEY_SECRET = env("RAZORPAY_KEY_SECRET", default="")
RAZORPAY_WEBHOOK_SECRET = env("RAZORPAY_WEBHOOK_SECRET", default="")
RAZORPAY_API_URL = env("RAZORPAY_API_URL", default="https://api.razorpay.com")
# The on-site sandbox gateway hands out courses without money: switch it off in production.
PAYMENTS_SANDBOX_ENABLED = env.bool("PAYMENTS_SANDBOX_ENABLED", default=True)
# Blank: derived from SECRET_KEY (payments.gateways.sandbox.webhook_secret).
SANDBOX_WEBHOOK_SECRET = env("SANDBOX_WEBHOOK_SECRET", default="")
PAYMENT_HTTP_TIMEOUT = env.float("PAYMENT_HTTP_TIMEOUT", default=15.0)
# Dotted paths called once per order item, under the order's row lock: settled hooks by the task
# order_settled_task after the settle commits (or by a refund, or the sweep below, when still
# missing; they must be idempotent on source_key), refunded hooks inside the refund.
# settled: hook(source_key=, course=, gross_cents=, currency=, occurred_at=)
# refunded: hook(source_key=, occurred_at=)
PAYMENT_SETTLED_HOOKS: list[str] = ["payments.earnings.ledger.ledger_record_sale"]
PAYMENT_REFUNDED_HOOKS: list[str] = ["payments.earnings.ledger.ledger_reverse_sale"]
# Subscription revenue (README "Subscription revenue"): settled: hook(payment=, subscription=,
# period_start=, period_end=); refunded: hook(payment=, refund_key=, refunded_gross_cents=, occurred_at=).
SUBSCRIPTION_PAYMENT_SETTLED_HOOKS: list[str] = ["payments.earnings.subscriptions.subscription_earnings_record"]
SUBSCRIPTION_PAYMENT_REFUNDED_HOOKS: list[str] = ["payments.earnings.subscriptions.subscription_earnings_reverse"]
CELERY_BEAT_SCHEDULE["payments-orders-ledger-sweep"] = {
    "task": "payments.commerce.tasks.orders_ledger_sweep_task",
    "schedule": env.int("ORDERS_LEDGER_SWEEP_EVERY_SECONDS", default=600),
}
CELERY_BEAT_SCHEDULE["payments-subscriptions-dunning"] = {
    "task": "payments.commerce.tasks.subscriptions_dunning_task",
    "schedule": env.int("SUBSCRIPTION_DUNNING_EVERY_SECONDS", default=3600),
}
CELERY_BEAT_SCHEDULE["payments-close-subscription-periods"] = {
    "task": "payments.earnings.tasks.subscription_periods_close_task",
    "schedule": env.int("SUBSCRIPTION_PERIODS_CLOSE_EVERY_SECONDS", default=3600),
}
CELERY_BEAT_SCHEDULE["payments-expire-subscriptions"] = {
    "task": "payments.commerce.tasks.subscriptions_expire_task",
    "schedule": 24 * 60 * 60,
}

# Page cache (coursepages/page_cache.py): anonymous visitors get the catalog, course pages and
# the home page from the cache for up to this many seconds; a publish (or any change shown on
# those pages) makes every cached copy stale at once. 0 switches it off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=300)
# Outside the session, CSRF and messages middleware, so it sees every cookie they set.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "coursepages.page_cache.AnonymousPageCacheMiddleware",
)

# Faults and recovery (README "Faults and recovery", bench/faults.py). Tasks sent while the
# broker is unreachable wait in the outbox table and are sent by this flush; completed
# enrollments whose certificate was never issued (a lost message) are swept up.
CELERY_BEAT_SCHEDULE["outbox-flush"] = {
    "task": "outbox.tasks.outbox_flush_task",
    "schedule": env.float("OUTBOX_FLUSH_SECONDS", default=60.0),
}
CERTIFICATE_SWEEP_GRACE_SECONDS = env.int("CERTIFICATE_SWEEP_GRACE_SECONDS", default=600)
CELERY_BEAT_SCHEDULE["certificates-issue-missing"] = {
    "task": "certificates.tasks.certificates_issue_missing_task",
    "schedule": env.float("CERTIFICATE_SWEEP_SECONDS", default=600.0),
}
# Redis broker options, as JSON. A message taken by a worker that dies (acks_late) goes back
# to the queue after "visibility_timeout" seconds (kombu's default: 3600), which must exceed
# the longest countdown a task is sent with.
CELERY_BROKER_TRANSPORT_OPTIONS = env.json("CELERY_BROKER_TRANSPORT_OPTIONS", default={})
