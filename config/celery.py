"""The Celery app. Tasks are discovered in every `tasks` module of Lectern's apps and of their
parts (e.g. learners.assessments.tasks, payments.earnings.tasks); with no broker configured they
run eagerly (settings.CELERY_TASK_ALWAYS_EAGER)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("lectern")
app.config_from_object("django.conf:settings", namespace="CELERY")


def task_packages() -> list[str]:
    """Every installed app, and every package inside one of Lectern's apps that has tasks.py."""
    from django.apps import apps

    packages = []
    for config in apps.get_app_configs():
        packages.append(config.name)
        root = Path(config.path)
        if not str(root).startswith(str(Path(__file__).resolve().parents[1])):
            continue  # a third-party app: its own tasks module only
        for tasks in sorted(root.glob("*/tasks.py")):
            packages.append(f"{config.name}.{tasks.parent.name}")
    return packages


app.autodiscover_tasks(task_packages)
