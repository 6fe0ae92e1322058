import json
from pathlib import Path

import pytest

from coursepages.models import CoursePage, PlatformSettings
from payments.models import Coupon, Plan
from tests.factories import make_course
from tests.payments import hooks

FIXTURES = Path("/work/shared/fixtures/payments")


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict:
    return json.loads(fixture_bytes(name))


@pytest.fixture
def paid_course(db, instructor):
    return make_course(
        title="Django for Pros",
        instructor=instructor,
        pricing=CoursePage.Pricing.ONE_TIME,
        price_cents=49900,
        lessons=3,
    )


@pytest.fixture
def second_course(db, instructor):
    return make_course(
        title="Testing Django", instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=20000, lessons=1
    )


@pytest.fixture
def included_course(db, instructor):
    return make_course(title="Spreadsheets", instructor=instructor, pricing=CoursePage.Pricing.SUBSCRIPTION, lessons=2)


@pytest.fixture
def monthly_plan(db):
    return Plan.objects.create(
        name="Monthly",
        slug="monthly",
        interval=Plan.Interval.MONTHLY,
        price_cents=14900,
        gateway_plan_codes={"paystack": "PLN_gx2wn530m0i3w3m"},
    )


@pytest.fixture
def welcome_coupon(db):
    return Coupon.objects.create(code="welcome10", kind=Coupon.Kind.PERCENT, percent_off=10)


@pytest.fixture
def gateways_on(db, settings):
    """Every gateway switched on, with test keys."""
    platform = PlatformSettings.load()
    platform.gateway_sandbox = platform.gateway_paystack = platform.gateway_payfast = platform.gateway_stripe = True
    platform.vat_number = "4123456789"
    platform.save()
    settings.PAYSTACK_SECRET_KEY = "sk_test_fixture_secret_not_a_real_key"
    settings.PAYFAST_MERCHANT_ID = "10000100"
    settings.PAYFAST_MERCHANT_KEY = "46f0cd694581a"
    settings.PAYFAST_PASSPHRASE = "jt7NOE43FZPn"
    settings.PAYFAST_SANDBOX = True
    settings.PAYFAST_VALID_HOSTS = []
    settings.PAYFAST_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
    return platform


@pytest.fixture
def earnings_hooks(settings):
    settings.PAYMENT_SETTLED_HOOKS = ["tests.payments.hooks.record_settled"]
    settings.PAYMENT_REFUNDED_HOOKS = ["tests.payments.hooks.record_refunded"]
    hooks.SETTLED.clear()
    hooks.REFUNDED.clear()
    yield hooks
    hooks.SETTLED.clear()
    hooks.REFUNDED.clear()


def ensure_site_tree():
    """Transactional tests flush the database, data migrations included: put back the page
    tree (root → home → course catalog) and the default site when they are gone."""
    from django.conf import settings as django_settings
    from django.utils.translation import get_supported_language_variant
    from wagtail.models import Locale, Page, Site

    from coursepages.models import CourseIndexPage, HomePage

    if CourseIndexPage.objects.exists():
        return
    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_language_variant(django_settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    home = root.add_child(instance=HomePage(title="Home", slug="home", locale=locale))
    home.add_child(instance=CourseIndexPage(title="Courses", slug="courses", locale=locale))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Lectern"}
    )


@pytest.fixture
def site_tree(transactional_db):
    ensure_site_tree()
