"""manage.py backup / restore: a backup restored into an empty database and empty storage
brings back every course, enrollment and file."""

import os
import sqlite3
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection

from coursepages.models import CoursePage
from learners.enrollment.services import enrollment_create
from learners.models import Enrollment
from tests.conftest import ROOT
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _restore(archive, env):
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
    )


def test_backup_restores_into_an_empty_database_and_storage(tmp_path, settings):
    course = make_course(title="Backed-up course", lessons=3)
    for _ in range(2):
        enrollment_create(user=make_user(), course=course)
    storages["private"].save("submissions/essay.txt", ContentFile(b"my essay"))
    storages["default"].save("images/banner.png", ContentFile(b"png bytes"))
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive)
    assert archive.stat().st_size > 0

    media, private = tmp_path / "restored-media", tmp_path / "restored-private"
    env = {"MEDIA_ROOT": str(media), "PRIVATE_MEDIA_ROOT": str(private)}
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        name = f"restore_{uuid.uuid4().hex[:8]}"
        admin = psycopg.connect(
            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"], autocommit=True
        )
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            result = _restore(
                archive,
                {
                    **env,
                    "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
                },
            )
            assert result.returncode == 0, result.stderr
            with psycopg.connect(
                host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=name
            ) as restored:
                courses = restored.execute("SELECT count(*) FROM coursepages_coursepage").fetchone()[0]
                enrollments = restored.execute("SELECT count(*) FROM learners_enrollment").fetchone()[0]
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    else:
        target = tmp_path / "empty.sqlite3"
        result = _restore(archive, {**env, "DATABASE_URL": f"sqlite:///{target}"})
        assert result.returncode == 0, result.stderr
        restored = sqlite3.connect(target)
        courses = restored.execute("SELECT count(*) FROM coursepages_coursepage").fetchone()[0]
        enrollments = restored.execute("SELECT count(*) FROM learners_enrollment").fetchone()[0]
    assert courses == CoursePage.objects.count() >= 1
    assert enrollments == Enrollment.objects.count() == 2
    assert (private / "submissions/essay.txt").read_bytes() == b"my essay"
    assert (media / "images/banner.png").read_bytes() == b"png bytes"


def test_restore_refuses_a_missing_archive(tmp_path):
    result = _restore(tmp_path / "nope.tar.gz", {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert result.returncode != 0
    assert "does not exist" in result.stderr
