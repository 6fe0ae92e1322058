"""Wagtail looks up the Site of every request in the database (and then its root page's
specific type, a second query) before routing a page. Sites change rarely, and every change
to a site or a page starts a new page-cache generation, so the lookup is cached under it:
for page requests, this middleware puts the cached Site, with its root page's specific instance, where
`Site.find_for_request` looks first (`request._wagtail_site`), and the sites' root paths where
`Page.get_url` looks first (`request._wagtail_cached_site_root_paths`; Wagtail keeps them in the
shared cache, one more round trip a page): both kept in the process under the same generation."""

from django.http.request import split_domain_port
from wagtail import views as wagtail_views
from wagtail.models import Site

from .page_cache import cached_until_pages_change


def _site_for(request):
    site = Site.find_for_request(request)
    if site is not None:
        site.root_page.specific  # noqa: B018 — evaluated so the cached copy carries it
    return site


class CachedSiteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is wagtail_views.serve and not hasattr(request, "_wagtail_site"):
            # Wagtail matches a site by hostname and port (the request's port when the Host has none).
            hostname = split_domain_port(request.get_host())[0]
            request._wagtail_site = cached_until_pages_change(
                f"wagtail-site:v1:{hostname}:{request.get_port()}", lambda: _site_for(request)
            )
        if view_func is wagtail_views.serve and not hasattr(request, "_wagtail_cached_site_root_paths"):
            request._wagtail_cached_site_root_paths = cached_until_pages_change(
                "wagtail-site-root-paths:v1", Site.get_site_root_paths
            )
        return None
