from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self):
        # The student dashboard (learners) shows certificates without importing this app.
        from learners.dashboard import panels
        from learners.finish import finish_panels

        from .selectors import dashboard_panel, finish_panel

        panels.register(dashboard_panel)
        finish_panels.register(finish_panel)
