"""Meeting-provider settings an admin sets in the Wagtail admin (Settings → Live classes).
A blank field falls back to the environment (JITSI_*, BBB_*, ZOOM_*, LIVE_PROVIDER). Secrets
are write-only in the form (never rendered back); they are stored as entered, like the
environment holds them, so the database backups need the same care as the environment."""

from django import forms
from django.db import models
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class SecretInput(forms.PasswordInput):
    """A secret is never sent back to the browser; leaving the box empty keeps it."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False)


SECRET_FIELDS = ("jitsi_app_secret", "bbb_secret", "zoom_client_secret", "zoom_webhook_secret_token")


class LiveSettingsForm(WagtailAdminModelForm):
    """Secrets are write-only: an empty box keeps the stored value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            if name in self.fields and getattr(self.instance, name, ""):
                field = self.fields[name]
                field.widget.attrs["placeholder"] = "•••••••• (stored; leave empty to keep)"
                field.help_text = " ".join(filter(None, [field.help_text, "A value is stored and never shown."]))

    def clean(self):
        cleaned = super().clean()
        for name in SECRET_FIELDS:
            if name in cleaned and not cleaned[name]:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


@register_setting(icon="site")
class LiveSettings(BaseGenericSetting):
    class Provider(models.TextChoices):
        ENVIRONMENT = "", "As the environment says (LIVE_PROVIDER)"
        JITSI = "jitsi", "Jitsi Meet"
        BBB = "bbb", "BigBlueButton"
        ZOOM = "zoom", "Zoom"

    provider = models.CharField(max_length=10, choices=Provider.choices, blank=True, default="")
    jitsi_app_id = models.CharField(max_length=200, blank=True)
    jitsi_app_secret = models.CharField(max_length=500, blank=True)
    bbb_url = models.URLField(max_length=500, blank=True, help_text="e.g. https://bbb.example.com/bigbluebutton/")
    bbb_secret = models.CharField(max_length=500, blank=True)
    zoom_account_id = models.CharField(max_length=200, blank=True, help_text="Server-to-Server OAuth app: Account ID.")
    zoom_client_id = models.CharField(max_length=200, blank=True)
    zoom_client_secret = models.CharField(max_length=500, blank=True)
    zoom_webhook_secret_token = models.CharField(
        max_length=500, blank=True, help_text="The app's event-subscription Secret Token (verifies webhooks)."
    )
    zoom_host_user = models.CharField(
        max_length=200,
        blank=True,
        help_text="The Zoom user (email or id) who hosts the meetings; blank: the account owner.",
    )

    base_form_class = LiveSettingsForm

    panels = [
        FieldPanel("provider"),
        MultiFieldPanel(
            [
                FieldPanel("zoom_account_id"),
                FieldPanel("zoom_client_id"),
                FieldPanel("zoom_client_secret", widget=SecretInput),
                FieldPanel("zoom_webhook_secret_token", widget=SecretInput),
                FieldPanel("zoom_host_user"),
            ],
            heading="Zoom (Server-to-Server OAuth)",
        ),
        MultiFieldPanel([FieldPanel("bbb_url"), FieldPanel("bbb_secret", widget=SecretInput)], heading="BigBlueButton"),
        MultiFieldPanel(
            [FieldPanel("jitsi_app_id"), FieldPanel("jitsi_app_secret", widget=SecretInput)], heading="Jitsi (JWT)"
        ),
    ]

    class Meta:
        verbose_name = "live classes"
