from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer every app may import: the domain error, money formatting, and the
    site-wide commands (seed_demo, backup, restore), which reach the apps only by name."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from . import audit, checks  # noqa: F401  (the audit log's client address; the deployment checks)
