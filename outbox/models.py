"""Tasks that could not be handed to the Celery broker when they were sent."""

from django.db import models


class PendingTask(models.Model):
    """A task whose publication failed (broker unreachable); the periodic flush sends it."""

    task = models.CharField(max_length=200, help_text="The Celery task name.")
    kwargs = models.JSONField(default=dict, blank=True)
    eta = models.DateTimeField(null=True, blank=True, help_text="Run no earlier than this.")
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed flushes so far.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.task}({self.kwargs})"
