from django.apps import AppConfig


class DemotoolConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "demotool"
    verbose_name = "Demo AI tutor (an LTI 1.3 tool)"
