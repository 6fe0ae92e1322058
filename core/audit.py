"""The client's address in Wagtail's audit log: every entry written while a request is being
served (a role change, a refund, a moderation decision, an opened conversation, a page
published) records `client_ip` in its data, read through core/client_ip.py like every rate
limit, so behind the load balancer it is the client's address and not the balancer's, and a
forged X-Forwarded-For entry is never what is logged."""

from contextvars import ContextVar

from django.db.models.signals import pre_save
from django.dispatch import receiver
from wagtail.models import ModelLogEntry, PageLogEntry

from .client_ip import client_ip

_current_ip: ContextVar[str] = ContextVar("lectern_client_ip", default="")


class AuditClientAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)


@receiver(pre_save, sender=ModelLogEntry, dispatch_uid="lectern.audit.model_ip")
@receiver(pre_save, sender=PageLogEntry, dispatch_uid="lectern.audit.page_ip")
def record_client_address(sender, instance, **kwargs):
    address = _current_ip.get()
    if address and instance._state.adding:
        data = instance.data if isinstance(instance.data, dict) else {}
        instance.data = {**data, "client_ip": data.get("client_ip", address)}
