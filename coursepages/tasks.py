"""Celery tasks of the content layer."""

from celery import shared_task
from django.core.management import call_command
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def publish_scheduled_task():
    """Wagtail's scheduled publishing, run by celery beat every minute: revisions whose go-live
    time has come are published and pages whose expiry has passed are unpublished. Safe to
    run twice (Wagtail's `publish_scheduled` acts only on what is due)."""
    call_command("publish_scheduled")


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def lesson_passages_sync_task(lesson_id: int) -> int:
    """After a lesson is published or unpublished: its searchable passages follow its live body
    (only changed blocks are rewritten; coursepages.passages). Then the apps that keep data per
    passage (embeddings) hear which ones changed."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    from .passages import lesson_passages_sync

    written = lesson_passages_sync(lesson_id=lesson_id)
    for path in getattr(settings, "PASSAGES_CHANGED_HOOKS", []):
        import_string(path)(passage_ids=written)
    return len(written)
