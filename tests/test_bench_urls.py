"""The /bench/ baseline views exist only where BENCH_VIEWS is set (bench/cluster.py and
bench/load.py set it for the servers they start)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

RESOLVE = """
import django
django.setup()
from django.urls import resolve
print(resolve("/bench/bare/").url_name, resolve("/bench/bare-signed-in/").url_name)
"""


def resolved_names(**env) -> str:
    """What the bench paths resolve to in a fresh process (config.urls reads the setting once)."""
    result = subprocess.run(
        [sys.executable, "-c", RESOLVE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.django_db
def test_bench_views_are_not_found_by_default(client):
    assert settings.BENCH_VIEWS is False
    assert client.get("/bench/bare/").status_code == 404
    assert client.get("/bench/bare-signed-in/").status_code == 404


def test_bench_views_are_mounted_only_with_the_setting():
    # Without it the paths fall through to Wagtail's page catch-all, which has no such page.
    assert resolved_names(BENCH_VIEWS="false") == ["wagtail_serve", "wagtail_serve"]
    assert resolved_names(BENCH_VIEWS="true") == ["bench_bare", "bench_bare_signed_in"]


@pytest.mark.django_db
def test_with_the_setting_the_bare_view_answers(client, settings):
    settings.ROOT_URLCONF = "tests.bench_urls"
    assert client.get("/bench/bare/").content == b"ok"
