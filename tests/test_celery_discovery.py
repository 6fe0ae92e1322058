"""Celery finds every task module by autodiscovery, in the apps and in their parts
(learners.assessments.tasks, payments.earnings.tasks, …): no CELERY_IMPORTS list to keep, and
every periodic task that beat sends names a task a worker knows."""

from pathlib import Path

from django.conf import settings

from config.celery import app, task_packages


def test_every_tasks_module_of_every_app_part_is_discovered():
    root = Path(__file__).resolve().parents[1]
    found = [path.relative_to(root) for path in root.glob("*/**/tasks.py")]
    expected = {".".join(path.parts[:-1]) for path in found if path.parts[0] not in (".venv", "node_modules")}
    assert {"learners.assessments", "learners.analytics", "payments.commerce", "payments.earnings"} <= expected
    assert expected <= set(task_packages())
    assert not getattr(settings, "CELERY_IMPORTS", None)


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled and scheduled <= set(app.tasks)
