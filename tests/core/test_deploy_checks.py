"""No free checkout in production, and `check --deploy` names every dangerous setting:
the sandbox gateway, DEBUG, console email, no earnings key, gateways switched on without
their secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

from coursepages.models import PlatformSettings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": os.environ.get("HOME", "/tmp"),
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "deploy-check-" + "x" * 50,
    "EARNINGS_ENCRYPTION_KEY": "fS8PbW0wkCgqHRaSmNn5PEW5aLSQ1FEaGp1mVQ7sKbU=",
    "DATABASE_URL": "sqlite:////nonexistent-dir/db.sqlite3",  # no database: checks read settings only
}


def deploy_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True) if message.id.startswith("lectern.")}


def production(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_switch_the_sandbox_off_unless_asked():
    code = (
        "import django; django.setup(); from payments.gateways import GATEWAYS;"
        "print(GATEWAYS['sandbox'].is_configured())"
    )
    assert production(code).stdout.strip() == "False"
    assert production(code, PAYMENTS_SANDBOX_ENABLED="true").stdout.strip() == "True"


def test_check_deploy_under_production_settings_reports_the_sandbox_and_console_email():
    quiet = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**PRODUCTION_ENV, "EMAIL_URL": "smtp://mail.example.test:587"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "lectern." not in quiet.stdout + quiet.stderr, quiet.stdout + quiet.stderr
    loud = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**PRODUCTION_ENV, "PAYMENTS_SANDBOX_ENABLED": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = loud.stdout + loud.stderr
    assert loud.returncode != 0
    assert "lectern.E010" in output and "lectern.W002" in output


@pytest.mark.django_db
def test_each_dangerous_setting_is_reported(settings):
    settings.DEBUG = False
    settings.PAYMENTS_SANDBOX_ENABLED = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EARNINGS_ENCRYPTION_KEY = "k"
    assert deploy_ids() == set()

    settings.DEBUG = True
    settings.PAYMENTS_SANDBOX_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.EARNINGS_ENCRYPTION_KEY = ""
    assert deploy_ids() == {"lectern.E001", "lectern.E010", "lectern.W002", "lectern.E003"}


@pytest.mark.django_db
def test_a_gateway_switched_on_without_its_secrets_is_reported(settings):
    settings.PAYMENTS_SANDBOX_ENABLED = False
    settings.EARNINGS_ENCRYPTION_KEY = "k"
    settings.PAYFAST_MERCHANT_ID, settings.PAYFAST_MERCHANT_KEY, settings.PAYFAST_PASSPHRASE = "1", "k", ""
    platform = PlatformSettings.load()
    platform.gateway_payfast = False
    platform.save()
    assert "lectern.W011" not in deploy_ids()
    platform.gateway_payfast = True
    platform.save()
    messages = [m for m in run_checks(include_deployment_checks=True) if m.id == "lectern.W011"]
    assert len(messages) == 1 and "PAYFAST_PASSPHRASE" in messages[0].msg


@pytest.mark.django_db
def test_private_files_that_are_not_private_are_reported(settings):
    settings.DEBUG = False
    settings.PAYMENTS_SANDBOX_ENABLED = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EARNINGS_ENCRYPTION_KEY = "k"
    s3 = "storages.backends.s3.S3Storage"
    good = {"location": "private", "default_acl": "private", "querystring_auth": True}
    settings.STORAGES = {**settings.STORAGES, "private": {"BACKEND": s3, "OPTIONS": good}}
    assert deploy_ids() == set()
    for bad in ({**good, "querystring_auth": False}, {**good, "default_acl": "public-read"}):
        settings.STORAGES = {**settings.STORAGES, "private": {"BACKEND": s3, "OPTIONS": bad}}
        assert deploy_ids() == {"lectern.E004"}
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": s3, "OPTIONS": good},
        "default": {"BACKEND": s3, "OPTIONS": {"location": "public", "querystring_auth": False}},
    }
    assert deploy_ids() == {"lectern.E005"}  # documents would land in public media
