"""Sending Celery tasks so that a broker outage neither fails the request nor loses the work.

Every task the site sends after a commit goes through `task_send`. When the broker (Redis)
takes the message, that is all. When it cannot be reached, the task is written to the
PendingTask table instead and the request carries on; `outbox_flush` (celery beat, every
OUTBOX_FLUSH_SECONDS) sends the stored tasks once the broker is back. Delivery is at least
once: a flush that dies between publishing and deleting its row sends that task again,
which is why every task is idempotent (docs/architecture.md §5).

After a failed publication the process writes straight to the table for
BROKER_RETRY_SECONDS rather than waiting on the broker in every request."""

import logging
import time
from datetime import datetime, timedelta

from celery import current_app
from django.db import DatabaseError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from .models import PendingTask

logger = logging.getLogger(__name__)

BROKER_RETRY_SECONDS = 10.0
PUBLISH_ERRORS = (BrokerUnavailable, OSError)

_broker_unavailable_until = 0.0


def _publish(task, *, kwargs: dict, eta: datetime | None) -> None:
    # ignore_result: the sender never reads the result, and with the Redis result backend a
    # sender that keeps one subscribes to it, which blocks for ~20 s when Redis is down.
    task.apply_async(kwargs=kwargs, eta=eta, ignore_result=True)


def task_send(*, task, kwargs: dict, eta: datetime | None = None, countdown: float | None = None) -> bool:
    """Send `task` with `kwargs`; True when the broker took it, False when it was stored in
    the outbox for the flush to send. With tasks eager (no broker) it runs here and now."""
    global _broker_unavailable_until
    if countdown is not None:
        eta = timezone.now() + timedelta(seconds=max(0.0, countdown))
    if task.app.conf.task_always_eager:
        task.apply_async(kwargs=kwargs, eta=eta)
        return True
    if time.monotonic() >= _broker_unavailable_until:
        try:
            _publish(task, kwargs=kwargs, eta=eta)
            return True
        except PUBLISH_ERRORS as exc:
            _broker_unavailable_until = time.monotonic() + BROKER_RETRY_SECONDS
            error = f"{exc.__class__.__name__}: {exc}"
            logger.warning("broker unavailable (%s): %s goes to the outbox", error, task.name)
    else:
        error = "broker unavailable (skipped after a recent failure)"
    try:
        PendingTask.objects.create(task=task.name, kwargs=kwargs, eta=eta, last_error=error[:1000])
    except DatabaseError:
        # Neither the broker nor the database: nothing can keep the task. Say exactly what
        # was lost; periodic sweeps (e.g. certificates) recover what they can.
        logger.exception("task lost: %s(%r) could not be sent nor stored", task.name, kwargs)
    return False


def task_send_on_commit(*, task, kwargs: dict, eta: datetime | None = None, countdown: float | None = None) -> None:
    """`task_send` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: task_send(task=task, kwargs=kwargs, eta=eta, countdown=countdown))


def _registered_task(name: str):
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()  # every app's tasks.py (a worker has them already)
    return current_app.tasks.get(name)


def outbox_flush(*, limit: int = 500) -> int:
    """Send up to `limit` stored tasks, oldest first; stop at the first broker failure.
    Returns how many were sent. Rows locked by a concurrent flush are skipped."""
    sent = 0
    with transaction.atomic():
        for pending in PendingTask.objects.select_for_update(skip_locked=True)[:limit]:
            task = _registered_task(pending.task)
            if task is None:
                pending.attempts += 1
                pending.last_error = "no such task is registered"
                pending.save(update_fields=["attempts", "last_error"])
                continue
            try:
                _publish(task, kwargs=pending.kwargs, eta=pending.eta)
            except PUBLISH_ERRORS as exc:
                pending.attempts += 1
                pending.last_error = f"{exc.__class__.__name__}: {exc}"[:1000]
                pending.save(update_fields=["attempts", "last_error"])
                break
            pending.delete()
            sent += 1
    if sent:
        logger.info("outbox: sent %s stored tasks", sent)
    return sent
