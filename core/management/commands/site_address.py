"""Set the default Wagtail Site's hostname and port (the address in emails, certificates and
calendar files) from a URL, or from the SITE_URL environment variable. Without either it
changes nothing, so a Site edited in Settings → Sites is kept."""

import os

from django.core.management.base import BaseCommand, CommandError

from core.site_url import site_address_set, site_root_url


class Command(BaseCommand):
    help = "Point the default Wagtail Site at URL (default: $SITE_URL), e.g. http://127.0.0.1:8101."

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", default=os.environ.get("SITE_URL", ""))

    def handle(self, *args, url="", **options):
        if not url:
            self.stdout.write(f"SITE_URL is not set: the site address stays {site_root_url()}")
            return
        try:
            site = site_address_set(url=url.rstrip("/"))
        except ValueError as error:
            raise CommandError(str(error)) from error
        if site is None:
            raise CommandError("There is no default Wagtail Site: run `manage.py migrate` first.")
        self.stdout.write(f"site address: {site_root_url()}")
