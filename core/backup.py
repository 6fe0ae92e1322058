"""Backups: the database (pg_dump on PostgreSQL, SQLite's online backup otherwise) plus
every file in the public and private storages (local folders or S3), in one .tar.gz.
`restore` puts both back into an empty database and empty storages."""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

from .errors import DomainError

STORAGE_ALIASES = ("default", "private")


class BackupError(DomainError):
    """A backup or restore that cannot be done (what is missing or wrong is in the message)."""

    default_code = "backup_failed"


def _walk(storage, prefix=""):
    directories, files = storage.listdir(prefix)
    for name in files:
        yield f"{prefix}{name}"
    for directory in directories:
        yield from _walk(storage, f"{prefix}{directory}/")


def _pg_env() -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args() -> list[str]:
    db = connection.settings_dict
    return ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]


def backup_create(*, output: Path) -> Path:
    """Write a backup archive to `output` (a .tar.gz path) and return it."""
    output = Path(output)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if connection.vendor == "postgresql":
            subprocess.run(
                [
                    "pg_dump",
                    *_pg_args(),
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(work / "database.dump"),
                    connection.settings_dict["NAME"],
                ],
                check=True,
                env=_pg_env(),
                capture_output=True,
            )
            database = "database.dump"
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(work / "database.sqlite3")
            connection.connection.backup(target)
            target.close()
            database = "database.sqlite3"
        else:
            raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
        counts = {}
        for alias in STORAGE_ALIASES:
            storage = storages[alias]
            counts[alias] = 0
            for name in _walk(storage):
                destination = work / "files" / alias / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                with storage.open(name, "rb") as source, open(destination, "wb") as sink:
                    shutil.copyfileobj(source, sink)
                counts[alias] += 1
        manifest = {
            "created_at": timezone.now().isoformat(),
            "database": database,
            "vendor": connection.vendor,
            "files": counts,
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2))
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(output, "w:gz") as archive:
            for item in sorted(work.iterdir()):
                archive.add(item, arcname=item.name)
    return output


def backup_restore(*, archive: Path) -> dict:
    """Restore `archive` into the configured (empty) database and storages."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
        if manifest["vendor"] != connection.vendor:
            raise BackupError(f"This backup is of a {manifest['vendor']} database; the target is {connection.vendor}.")
        if connection.vendor == "postgresql":
            connection.close()
            result = subprocess.run(
                [
                    "pg_restore",
                    *_pg_args(),
                    "--no-owner",
                    "--clean",
                    "--if-exists",
                    "--exit-on-error",
                    "-d",
                    connection.settings_dict["NAME"],
                    str(work / manifest["database"]),
                ],
                env=_pg_env(),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
        else:
            source = sqlite3.connect(work / manifest["database"])
            connection.ensure_connection()
            source.backup(connection.connection)
            source.close()
        restored = {}
        for alias in STORAGE_ALIASES:
            storage, root, restored[alias] = storages[alias], work / "files" / alias, 0
            if not root.exists():
                continue
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                name = path.relative_to(root).as_posix()
                if storage.exists(name):
                    storage.delete(name)
                storage.save(name, ContentFile(path.read_bytes()))
                restored[alias] += 1
        return {"manifest": manifest, "restored_files": restored}


def default_backup_path() -> Path:
    folder = Path(os.environ.get("BACKUP_DIR", settings.BASE_DIR / "backups"))
    return folder / f"lectern-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
