"""allauth glue: the sign-in rate limits key on the same client address as every other limit
(core/client_ip.py, TRUSTED_PROXY_HOPS); allauth's emails carry the site's name and public
address from the Wagtail Site (Settings → Sites), not the request's bare host
("Hello from 127.0.0.1:8101!")."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.core.exceptions import PermissionDenied
from django.utils.encoding import force_str
from wagtail.models import Site

from core.client_ip import client_ip
from core.site_url import site_root_url

DEFAULT_SITE_NAME = "Lectern"


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's email templates read as `current_site`: a name and a domain."""

    name: str
    domain: str
    url: str


def site_identity(request=None) -> SiteIdentity:
    site = (Site.find_for_request(request) if request is not None else None) or Site.objects.filter(
        is_default_site=True
    ).first()
    url = site_root_url(request)
    return SiteIdentity(
        name=(site.site_name if site and site.site_name else DEFAULT_SITE_NAME),
        domain=urlsplit(url).netloc,
        url=url,
    )


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def format_email_subject(self, subject: str) -> str:
        return f"[{site_identity(allauth_context.request).name}] {force_str(subject)}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        site = site_identity(request)
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, **context, "current_site": site, "site_url": site.url},
        )
        message.send()
