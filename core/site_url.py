"""The site's public address, for every absolute link: emails, certificates (QR code and
"Verify at"), calendar invitations, the printed demo banner.

With a request, the link uses the address the person actually reached (scheme, host, port).
Without one (a Celery task, a management command) it uses the default Wagtail Site's hostname
and port (Settings → Sites), which `manage.py site_address` sets from SITE_URL; only when no
Site exists does it fall back to settings.SITE_URL."""

from urllib.parse import urlsplit

from django.conf import settings
from wagtail.models import Site


def site_root_url(request=None) -> str:
    """`scheme://host[:port]`, without a trailing slash."""
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    site = Site.objects.filter(is_default_site=True).only("hostname", "port").first()
    if site is None or not site.hostname:
        return settings.SITE_URL
    return site.root_url.rstrip("/")


def absolute_url(path: str, *, request=None) -> str:
    """`path` (a site path such as reverse() returns) made absolute; an absolute URL is kept."""
    if "://" in path:
        return path
    return site_root_url(request) + "/" + path.lstrip("/")


def site_hostname() -> str:
    """The public host name alone (for identifiers such as an iCalendar UID)."""
    return urlsplit(site_root_url()).hostname or "lectern"


def site_address_set(*, url: str) -> Site | None:
    """Point the default Wagtail Site at `url` (`http://host:port`, `https://host`). Wagtail
    keeps no scheme: port 443 means https, any other port http (Site.root_url)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Not an http(s) address: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "https" and port != 443:
        raise ValueError("Wagtail's Site serves https on port 443 only; put the site behind a proxy on 443.")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return None
    if (site.hostname, site.port) != (parts.hostname, port):
        site.hostname, site.port = parts.hostname, port
        site.save(update_fields=["hostname", "port"])
    return site
