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
