"""Seed the demo site. Idempotent: running it again changes nothing that is already there.

Each app that has demo data keeps it in `<app>/demo.py` with a `seed(*, stdout)` function;
this command runs them in dependency order, so the demo grows with every feature. A module's
optional `summary(*, stdout)` runs after all of them (accounts prints the demo logins). The
modules are found by name at run time: core, the bottom layer, imports no app (README "Layers")."""

import importlib
import importlib.util
import os

from django.core.management.base import BaseCommand
from django.db import transaction

from core.site_url import site_address_set

DEMO_MODULES = [
    "accounts.demo",
    "certificates.demo",
    "coursepages.demo",
    "learners.interactive.demo",
    "learners.enrollment.demo",
    "payments.commerce.demo",
    "payments.earnings.demo",
    "live.demo",
    "messaging.demo",
]


class Command(BaseCommand):
    help = "Create the demo site: users with known passwords, courses, and data for every feature."

    def handle(self, *args, **options):
        if os.environ.get("SITE_URL"):  # `make run PORT=…` sets it: links then name the port served
            site_address_set(url=os.environ["SITE_URL"].rstrip("/"))
        modules = [importlib.import_module(name) for name in DEMO_MODULES if importlib.util.find_spec(name)]
        for module in modules:
            with transaction.atomic():
                module.seed(stdout=self.stdout)
        for module in modules:
            if hasattr(module, "summary"):
                module.summary(stdout=self.stdout)
