from celery import shared_task

from learners.analytics.services import analytics_rollup


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def analytics_rollup_task(self, days: int = 2):
    """Nightly (celery beat): recompute the last `days` days and the lesson funnels. Idempotent."""
    return [day.isoformat() for day in analytics_rollup(days=days)]
