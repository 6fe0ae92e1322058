"""Wagtail workflow signals → coursepages.services.review_finished, and the page cache's
invalidation (connected in apps.ready)."""

from wagtail.signals import workflow_approved, workflow_rejected


def on_workflow_approved(sender, instance, user=None, **kwargs):
    from .services import review_finished

    review_finished(workflow_state=instance, user=user, approved=True)


def on_workflow_rejected(sender, instance, user=None, **kwargs):
    from .services import review_finished

    review_finished(workflow_state=instance, user=user, approved=False)


def on_lesson_published_or_unpublished(sender, instance, **kwargs):
    """The lesson's search passages follow its live body (a task, after commit)."""
    from outbox.services import task_send_on_commit

    from .tasks import lesson_passages_sync_task

    task_send_on_commit(task=lesson_passages_sync_task, kwargs={"lesson_id": instance.pk})


def connect():
    from . import page_cache

    workflow_approved.connect(on_workflow_approved, dispatch_uid="coursepages.review_approved")
    workflow_rejected.connect(on_workflow_rejected, dispatch_uid="coursepages.review_rejected")
    page_cache.connect()
    from wagtail.signals import page_published, page_unpublished

    from .models import LessonPage

    for signal, name in ((page_published, "published"), (page_unpublished, "unpublished")):
        signal.connect(
            on_lesson_published_or_unpublished, sender=LessonPage, dispatch_uid=f"coursepages.passages.{name}"
        )
