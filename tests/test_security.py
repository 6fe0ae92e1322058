"""Hardening: production passes `check --deploy`; the Content-Security-Policy allows our
own players and the configured frames, and nothing from elsewhere."""

import os
import subprocess
import sys

import pytest

from core.security import build_policy
from tests.conftest import ROOT


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "a-long-random-production-secret-key-" + "z" * 30,
        "ALLOWED_HOSTS": "learn.example.com",
        "EARNINGS_ENCRYPTION_KEY": "fS8PbW0wkCgqHRaSmNn5PEW5aLSQ1FEaGp1mVQ7sKbU=",
        "EMAIL_URL": "smtp://mail.example.com:587/?tls=True",  # a real deployment sends mail (lectern.W002)
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser journeys only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_policy_allows_self_video_hosts_and_configured_tools_only(settings):
    settings.AI_TOOL_ALLOWED_ORIGINS = ["https://tutor.example.org"]
    policy = dict(part.split(" ", 1) for part in build_policy().split("; "))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"].split() == ["'self'", "'unsafe-eval'"]  # no CDN, no inline script
    assert "https://tutor.example.org" in policy["frame-src"] and "https://player.vimeo.com" in policy["frame-src"]
    assert policy["object-src"] == "'none'"


@pytest.mark.django_db
def test_pages_carry_the_policy_and_the_admin_does_not(client, settings):
    settings.CSP_ENABLED = True
    from django.test import Client

    page = Client().get("/")
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    assert page["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert "Content-Security-Policy" not in Client().get("/admin/login/")
