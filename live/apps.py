from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live classes"

    def ready(self):
        # The student dashboard (learners) shows upcoming classes without importing this app.
        from learners.dashboard import panels

        from .selectors import dashboard_panel

        panels.register(dashboard_panel)
