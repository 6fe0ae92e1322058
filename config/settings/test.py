"""The test suite: fast hashing, eager tasks unless a test starts a real worker, a
throwaway secret."""

import secrets

from .base import *  # noqa: F403
from .base import DATABASES, env

SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A worker process started by the tests writes its mail to files the test can read.
if env("TEST_EMAIL_FILE_PATH", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("TEST_EMAIL_FILE_PATH")
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Several checkouts may share one PostgreSQL server: each names its own test database.
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
# The router's tests read through a "replica" that is the test database itself (a mirror);
# routing to it is off unless a test switches DATABASE_REPLICA_READS on.
if "replica" not in DATABASES:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_REPLICA_READS = env.bool("DATABASE_REPLICA_READS", default=False)
ALLOWED_HOSTS = ["*"]
# Most tests sign staff in with force_login and no authenticator; tests/accounts/test_mfa.py
# switches the requirement on (production keeps the default: on).
MFA_REQUIRED_FOR_STAFF = False
SECRET_KEY = env("SECRET_KEY", default=SECRET_KEY)
# Tasks run in-process unless this is the worker started by the `celery_worker` fixture
# (the fixture switches the test process to the broker for its own test only).
CELERY_TASK_ALWAYS_EAGER = not env.bool("CELERY_WORKER_PROCESS", default=False)
# Every cached page fragment is compared with its full render (coursepages/templatetags/fragments.py).
FRAGMENT_CACHE_VERIFY = True
