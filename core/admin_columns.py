"""Admin listing columns shared by the apps' Wagtail viewsets."""

from django.utils import timezone
from wagtail.admin.ui.tables import Column


class LocalDateTimeColumn(Column):
    """A date and time in the active time zone (the viewer's, in the admin), written out with
    the zone's name: "Mon 7 Dec 2026, 09:00 SAST". For times to come, where Wagtail's
    DateColumn would say "Just now" or "in 3 days"."""

    def get_value(self, instance):
        value = super().get_value(instance)
        if value is None:
            return ""
        local = timezone.localtime(value)
        return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"
