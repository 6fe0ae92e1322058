from django.db import models


class ZoomWebhookEvent(models.Model):
    """A verified Zoom webhook delivery, kept once: Zoom retries a delivery it thinks failed,
    and the unique key makes the retry change nothing."""

    event = models.CharField(max_length=100)
    event_ts = models.BigIntegerField(help_text="Zoom's event_ts (milliseconds).")
    meeting_id = models.CharField(max_length=32, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "event_ts", "meeting_id"], name="unique_zoom_webhook_event")
        ]

    def __str__(self):
        return f"{self.event} {self.meeting_id} @ {self.event_ts}"
