"""Fixtures shared by the whole suite."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from tests.factories import make_course, make_user

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def student(db):
    return make_user(first_name="Sam", last_name="Student")


@pytest.fixture
def other_student(db):
    return make_user(first_name="Olive", last_name="Other")


@pytest.fixture
def instructor(db):
    return make_user(role=User.Role.INSTRUCTOR, first_name="Ivy", last_name="Instructor")


@pytest.fixture
def other_instructor(db):
    return make_user(role=User.Role.INSTRUCTOR, first_name="Oscar", last_name="Other")


@pytest.fixture
def admin_user(db):
    return make_user(role=User.Role.ADMIN, first_name="Ada", last_name="Admin", is_superuser=True, is_staff=True)


@pytest.fixture
def free_course(db, instructor):
    return make_course(title="Free course", instructor=instructor, lessons=3)


@pytest.fixture
def postgres(db):
    """Skip unless the suite runs on PostgreSQL (row locks and real concurrency)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://…")


def _redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: run with REDIS_URL=redis://…")
    return url


@pytest.fixture
def celery_worker(transactional_db, settings, tmp_path):
    """A real Celery worker process on Redis, reading the same (PostgreSQL) test database.

    Each use gets its own queue, so several checkouts sharing one Redis never take each
    other's tasks. Tests using it must commit their data (transactional_db). The worker's
    email goes to files in `process.mail_dir` (one file per connection)."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a shared database: run on PostgreSQL")
    redis_url = _redis_url()
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_WORKER_PROCESS": "1",
        "CELERY_QUEUE": queue,
        "SECRET_KEY": settings.SECRET_KEY,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "TEST_EMAIL_FILE_PATH": str(tmp_path / "worker-mail"),
    }
    node = f"{queue}@localhost"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "-n",
            node,
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.mail_dir = tmp_path / "worker-mail"
    previous = {key: app.conf.get(key) for key in ("task_always_eager", "task_default_queue", "broker_url")}
    app.conf.update(task_always_eager=False, task_default_queue=queue, broker_url=redis_url)
    # Celery marks "inside a task" in a process-wide flag while it runs a task eagerly; two
    # threads of a concurrency test doing so at once can leave it set, and the test process
    # (never a task) would then be refused result.get(). This process joins results: clear it.
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"Celery worker exited: {process.stdout.read()}")
            if app.control.ping(destination=[node], timeout=1):
                break
        else:
            raise RuntimeError("Celery worker did not start within 60 s")
        yield process
    finally:
        app.conf.update(previous)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own temporary folders."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    from django.core.files.storage import storages

    from core.storage import reset_private_storage

    if "s3" not in settings.STORAGES["private"]["BACKEND"].lower():
        settings.STORAGES = {
            **settings.STORAGES,
            "private": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
            },
        }
    storages._storages = {}
    reset_private_storage()
    yield
    storages._storages = {}
    reset_private_storage()


@pytest.fixture(autouse=True)
def _site_tree_for_transactional_tests(request):
    """Transactional tests (browser journeys, threads, workers) end with a flush, which also
    wipes what the data migrations created; put it back before each of them."""
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    if transactional or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        from tests.site_tree import ensure_site_tree

        ensure_site_tree()
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate-limit counters (allauth's and the API's) and
    cached flags from one test must not leak into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
