"""Rotate the site's LTI signing key: the old key stays published until its launches expire."""

from django.core.management.base import BaseCommand

from learners.interactive.lti import lti_platform_key_rotate


class Command(BaseCommand):
    help = "Make a new LTI 1.3 platform signing key; the old one stays in the JWKS until its tokens expire."

    def handle(self, *args, **options):
        key = lti_platform_key_rotate()
        self.stdout.write(f"new LTI signing key {key.kid}")
