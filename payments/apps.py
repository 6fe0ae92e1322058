from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        # The layers below ask payments without importing it (README "Layers").
        from learners.access import has_active_subscription
        from learners.dashboard import panels
        from learners.instructor_home import sections as instructor_home_sections
        from payments import checks  # noqa: F401  (registers the deployment checks)
        from payments.commerce.selectors import dashboard_panel, user_has_active_subscription

        has_active_subscription.register(user_has_active_subscription)
        panels.register(dashboard_panel)
        from payments.earnings.selectors import instructor_home_earnings

        instructor_home_sections.register(instructor_home_earnings)
