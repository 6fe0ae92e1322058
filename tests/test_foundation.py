"""The site's plumbing: health check, settings per environment, the home page."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from tests import conftest


@pytest.mark.django_db
def test_healthz_reports_each_dependency(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert body["checks"]["broker"] in ("ok", "eager")


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


def _import_settings(module, **env):
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | env
    return subprocess.run(
        [sys.executable, "-c", f"import {module} as s; print(len(s.SECRET_KEY))"],
        cwd=conftest.ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_settings("config.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_secret_key_from_the_environment():
    result = _import_settings("config.settings.production", SECRET_KEY="x" * 60, EARNINGS_ENCRYPTION_KEY="k" * 44)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "60"


def test_settings_read_database_and_redis_from_the_environment():
    code = (
        "import config.settings.base as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=conftest.ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"DATABASE_URL": "postgres://u:p@db.example:5432/lectern", "REDIS_URL": "redis://r:6379/0"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "core.cache.FailSoftRedisCache", "False"]
    defaults = subprocess.run(
        [sys.executable, "-c", code],
        cwd=conftest.ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")},
    )
    assert defaults.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
    ]


@pytest.mark.django_db
def test_home_page_renders_with_sign_in_links(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in" in html and "Sign up" in html
    assert 'href="/courses/"' in html


@pytest.mark.django_db
def test_site_tree_is_created_by_migrations():
    from wagtail.models import Site, Workflow

    from coursepages.models import CourseIndexPage, HomePage

    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    catalog = CourseIndexPage.objects.get()
    assert catalog.get_parent().pk == site.root_page.pk
    assert catalog.url == "/courses/"
    assert catalog.get_workflow() == Workflow.objects.get(name="Course review")


@pytest.mark.django_db
def test_liveness_and_readiness_survive_a_broker_outage_the_status_report_does_not(client, settings):
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        live = client.get("/healthz/live")
        ready = client.get("/healthz/ready")
        report = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert ready.status_code == 200 and ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["broker"].startswith("error")
    assert report.status_code == 503


@pytest.mark.django_db
def test_readiness_is_503_without_the_database(client, monkeypatch):
    from config import views

    def broken():
        raise ConnectionError("database away")

    monkeypatch.setattr(views, "_check_database", broken)
    ready = client.get("/healthz/ready")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "error: ConnectionError"
    assert client.get("/healthz/live").status_code == 200
