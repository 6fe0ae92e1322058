"""The demo tutor's own data: its RSA key pair (the tool side of LTI 1.3). The platform
knows only the public half, pasted into its LTI tool registration by the demo seed."""

from django.db import models


class TutorKey(models.Model):
    private_key_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Demo tutor key {self.pk}"
