"""Raw gateway events, stored once per (gateway, event id) before they are applied."""

from django.db import models


class WebhookEvent(models.Model):
    """A signed event as received. The unique key makes duplicates and replays visible."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        APPLIED = "applied", "Applied"
        IGNORED = "ignored", "Ignored (event type not used)"
        REFUSED = "refused", "Refused (amount, currency or order mismatch)"

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(help_text="The raw request body.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    message = models.CharField(max_length=500, blank=True)
    order = models.ForeignKey("payments.Order", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="webhook_events")
    deliveries = models.PositiveIntegerField(default=1, help_text="How many times the gateway sent it.")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="unique_gateway_event")]

    def __str__(self):
        return f"{self.gateway} {self.event_type} {self.event_id}"
