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
    (only changed blocks are rewritten; coursepages.passages), then the changed ones get their
    embeddings (a second task: the model is loaded on the worker only)."""
    from outbox.services import task_send_on_commit

    from .passages import lesson_passages_sync

    written = lesson_passages_sync(lesson_id=lesson_id)
    if written:
        task_send_on_commit(task=passages_embed_task, kwargs={"passage_ids": written})
    return len(written)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def passages_embed_task(passage_ids: list[int] | None = None) -> int:
    """Embeddings for passages written since their text changed (idempotent)."""
    from .embeddings import passages_embed

    return passages_embed(passage_ids=passage_ids)
