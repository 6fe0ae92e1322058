"""Play the sandbox gateway's part in a subscription's life, for the demo and for trying the
failed-renewal recovery by hand: `manage.py sandbox_renewal student@example.com fail` sends a
signed `subscription.payment_failed` event (`pay` a `subscription.renewed`) to the webhook
service, as the real gateways do."""

from django.core.management.base import BaseCommand, CommandError

from payments.commerce.webhooks import webhook_receive
from payments.gateways.sandbox import build_event
from payments.models import Subscription


class Command(BaseCommand):
    help = "Send a sandbox renewal event (pay or fail) for a user's sandbox subscription."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("outcome", choices=["pay", "fail"])

    def handle(self, *args, email, outcome, **options):
        subscription = (
            Subscription.objects.filter(user__email__iexact=email, gateway="sandbox")
            .exclude(gateway_subscription_id="")
            .select_related("plan")
            .order_by("-created_at")
            .first()
        )
        if subscription is None:
            raise CommandError(f"{email} has no sandbox subscription.")
        body, headers = build_event(
            event_type="subscription.renewed" if outcome == "pay" else "subscription.payment_failed",
            subscription_reference=subscription.gateway_subscription_id,
            amount_cents=subscription.plan.price_cents,
            currency=subscription.plan.currency,
        )
        result = webhook_receive(gateway_name="sandbox", body=body, headers=headers)
        subscription.refresh_from_db()
        self.stdout.write(f"{result.status}: subscription {subscription.pk} is {subscription.get_status_display()}")
