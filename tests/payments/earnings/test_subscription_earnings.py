"""Subscription revenue reaches instructors: each subscription payment writes ledger rows as a
sale does (VAT, the platform's share, the instructors' pool); a closing period splits the pool
by the subscriber's learning time (or equally among the courses used); the close task is
idempotent; refunds reverse the payment and its split in proportion. All to the cent.

Plan: R 149.00 a month. VAT 15%: 19.43, net 129.57. Pool 70% of net: 90.70 (9069.9 rounded
half-up); platform 38.87."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from coursepages.models import CoursePage, PlatformSettings
from learners.models import Enrollment, LearningTimeDay
from payments.commerce.checkout import order_create_for_plan
from payments.commerce.settlement import order_settle, refund_apply, subscription_renew
from payments.earnings.subscriptions import subscription_periods_close
from payments.earnings.tasks import subscription_periods_close_task
from payments.models import LedgerEntry, Payment, Plan, Subscription, SubscriptionEarningsPeriod
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db

POOL = 9070
PLATFORM = 3887


@pytest.fixture
def setup(db):
    site = PlatformSettings.load()
    site.vat_rate, site.subscription_pool_percent, site.hold_days = Decimal("0.15"), Decimal("70"), 14
    site.subscription_split_rule = PlatformSettings.SubscriptionSplit.LEARNING_TIME
    site.save()
    alice = make_user(email="alice@example.test")
    bongani = make_user(email="bongani@example.test")
    excel = make_course(title="Excel", instructor=alice, pricing=CoursePage.Pricing.SUBSCRIPTION, lessons=1)
    sql = make_course(title="SQL", instructor=bongani, pricing=CoursePage.Pricing.SUBSCRIPTION, lessons=1)
    plan = Plan.objects.create(name="Monthly", slug="monthly", price_cents=14900)
    return {"alice": alice, "bongani": bongani, "excel": excel, "sql": sql, "plan": plan}


def subscribe(user, plan) -> Subscription:
    order = order_create_for_plan(user=user, plan=plan, gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference=f"first-{user.pk}",
        amount_cents=14900,
        currency="ZAR",
        subscription_reference=f"sub-{user.pk}",
    )
    return Subscription.objects.get(pk=order.subscription_id)


def renew(subscription, reference) -> None:
    subscription_renew(
        gateway="sandbox",
        subscription_reference=subscription.gateway_subscription_id,
        transaction_reference=reference,
        amount_cents=14900,
        currency="ZAR",
    )


def learn(user, course, seconds, day):
    enrollment, _ = Enrollment.objects.get_or_create(
        user=user, course=course, defaults={"source": Enrollment.Source.SUBSCRIPTION}
    )
    LearningTimeDay.objects.create(enrollment=enrollment, day=day, seconds=seconds)


def earned(user) -> int:
    return LedgerEntry.objects.filter(instructor=user).aggregate(t=Sum("amount_cents"))["t"] or 0


def account_total(account) -> int:
    return LedgerEntry.objects.filter(account=account).aggregate(t=Sum("amount_cents"))["t"] or 0


def test_a_payment_writes_vat_platform_share_and_pool(setup):
    subscriber = make_user()
    subscription = subscribe(subscriber, setup["plan"])
    rows = LedgerEntry.objects.filter(source_key__startswith="subscription-payment:").order_by("line")
    assert [(r.account, r.amount_cents, r.gross_cents, r.vat_cents, r.net_cents) for r in rows] == [
        ("platform", PLATFORM, 14900, 1943, 12957),
        ("pool", POOL, 14900, 1943, 12957),
    ]
    period = SubscriptionEarningsPeriod.objects.get()
    assert period.subscriber == subscriber and period.period_end == subscription.current_period_end
    assert period.status == SubscriptionEarningsPeriod.Status.OPEN
    # not split before the period ends
    assert subscription_periods_close() == 0


def test_a_month_of_renewals_produces_instructor_earnings_to_the_cent(setup):
    plan, alice, bongani, excel, sql = (setup[k] for k in ("plan", "alice", "bongani", "excel", "sql"))
    today = timezone.localdate()
    thandi, sipho, lerato = make_user(), make_user(), make_user()
    subs = {user: subscribe(user, plan) for user in (thandi, sipho, lerato)}
    learn(thandi, excel, 3600, today)  # 3:1 → 6802.5 + 2267.5; the tied cent goes to the first course
    learn(thandi, sql, 1200, today + timedelta(days=3))
    learn(sipho, sql, 600, today + timedelta(days=10))  # all of it to SQL
    # lerato learns nothing in the period: her pool stays with the platform
    learn(lerato, excel, 999, today - timedelta(days=3))  # before she subscribed: does not count
    period_end = subs[thandi].current_period_end
    assert subscription_periods_close(now=period_end - timedelta(seconds=1)) == 0
    # the renewals arrive as the month ends; the first periods close
    for user, subscription in subs.items():
        renew(subscription, f"renewal-{user.pk}")
    assert subscription_periods_close(now=period_end + timedelta(hours=1)) == 3
    assert earned(alice) == 6803
    assert earned(bongani) == 2267 + 9070
    # the renewal paid for the next month: thandi learns Excel only
    second_day = timezone.localdate(period_end) + timedelta(days=2)
    learn(thandi, excel, 60, second_day)
    subs[thandi].refresh_from_db()
    second_end = subs[thandi].current_period_end
    assert subscription_periods_close_task.delay().get() == 0  # not over yet
    assert subscription_periods_close(now=second_end + timedelta(hours=1)) == 3
    assert subscription_periods_close(now=second_end + timedelta(hours=2)) == 0  # idempotent
    assert earned(alice) == 6803 + 9070
    assert earned(bongani) == 2267 + 9070
    # six payments: the platform keeps its share of each and the two unused pools (lerato's,
    # and sipho's second month); the pool account is empty; nothing is lost or made up
    assert account_total("platform") == 6 * PLATFORM + 3 * POOL
    assert account_total("pool") == 0
    total_net = 6 * 12957
    assert account_total("platform") + earned(alice) + earned(bongani) == total_net
    excel_rows = LedgerEntry.objects.filter(instructor=alice, course=excel)
    assert excel_rows.count() == 2 and {r.status for r in excel_rows} == {"pending"}


def test_equal_rule_splits_among_courses_used(setup):
    site = PlatformSettings.load()
    site.subscription_split_rule = PlatformSettings.SubscriptionSplit.EQUAL_PER_COURSE
    site.save()
    subscriber = make_user()
    subscription = subscribe(subscriber, setup["plan"])
    learn(subscriber, setup["excel"], 5000, timezone.localdate())
    learn(subscriber, setup["sql"], 1, timezone.localdate())
    subscription_periods_close(now=subscription.current_period_end)
    assert earned(setup["alice"]) == 4535 and earned(setup["bongani"]) == 4535
    assert SubscriptionEarningsPeriod.objects.get().split_rule == "equal_per_course"


def test_co_taught_course_splits_by_instructor_weight(setup):
    from coursepages.models import CourseInstructor

    CourseInstructor.objects.create(page=setup["excel"], user=setup["bongani"], weight=2)
    subscriber = make_user()
    subscription = subscribe(subscriber, setup["plan"])
    learn(subscriber, setup["excel"], 100, timezone.localdate())
    subscription_periods_close(now=subscription.current_period_end)
    assert (earned(setup["alice"]), earned(setup["bongani"])) == (3023, 6047)  # 9070 split 1:2 (3023.33 + 6046.67)


def test_refunds_reverse_payment_and_split_in_proportion(setup):
    plan, alice, bongani, excel, sql = (setup[k] for k in ("plan", "alice", "bongani", "excel", "sql"))
    subscriber = make_user()
    subscription = subscribe(subscriber, plan)
    learn(subscriber, excel, 3600, timezone.localdate())
    learn(subscriber, sql, 1200, timezone.localdate())
    subscription_periods_close(now=subscription.current_period_end)
    assert (earned(alice), earned(bongani)) == (6803, 2267)
    payment = Payment.objects.get()
    # R 49.00 back: VAT 6.39, net 42.61 over platform 3887 : pool 9070 → 1278 + 2983;
    # the split gives back 2983 over 6803 : 2267 → 2237 + 746
    refund_apply(payment_id=payment.pk, refund_reference="r1", reason="goodwill", amount_cents=4900)
    assert (earned(alice), earned(bongani)) == (6803 - 2237, 2267 - 746)
    assert account_total("pool") == 0
    assert account_total("platform") == PLATFORM - 1278
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE  # a partial refund keeps access
    # the same refund again changes nothing
    refund_apply(payment_id=payment.pk, refund_reference="r1", reason="goodwill", amount_cents=4900)
    assert (earned(alice), earned(bongani)) == (6803 - 2237, 2267 - 746)
    # the rest back: everything nets to zero, to the cent
    refund_apply(payment_id=payment.pk, refund_reference="r2", reason="cancelled")
    assert (earned(alice), earned(bongani)) == (0, 0)
    assert account_total("pool") == 0 and account_total("platform") == 0
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.EXPIRED


def test_refund_before_the_period_closes_shrinks_the_pool(setup):
    subscriber = make_user()
    subscription = subscribe(subscriber, setup["plan"])
    learn(subscriber, setup["excel"], 600, timezone.localdate())
    payment = Payment.objects.get()
    refund_apply(payment_id=payment.pk, refund_reference="r1", reason="goodwill", amount_cents=4900)
    subscription_periods_close(now=subscription.current_period_end)
    assert earned(setup["alice"]) == POOL - 2983
    assert account_total("pool") == 0


def test_heartbeats_of_a_subscription_enrollment_count_learning_days(setup):
    """The lesson player's heartbeat feeds the days the split reads (only for courses opened
    by a subscription)."""
    from learners.access import learning_context_for
    from learners.enrollment.services import lesson_visit, progress_heartbeat
    from learners.models import LessonProgress
    from tests.factories import lessons_of

    subscriber = make_user()
    subscribe(subscriber, setup["plan"])
    enrollment = Enrollment.objects.create(
        user=subscriber, course=setup["excel"], source=Enrollment.Source.SUBSCRIPTION
    )
    lesson = lessons_of(setup["excel"])[0]
    lesson_visit(context=learning_context_for(user=subscriber, lesson=lesson))
    opened = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson).last_accessed_at
    for elapsed in (30, 60, 105):
        progress_heartbeat(
            context=learning_context_for(user=subscriber, lesson=lesson),
            seconds=45,
            now=opened + timedelta(seconds=elapsed),
        )
    assert LearningTimeDay.objects.get(enrollment=enrollment).seconds == 30 + 30 + 45
    # a purchased course's time is not tracked by day
    Enrollment.objects.filter(pk=enrollment.pk).update(source=Enrollment.Source.PAYMENT)
    progress_heartbeat(
        context=learning_context_for(user=subscriber, lesson=lesson), seconds=45, now=opened + timedelta(seconds=150)
    )
    assert LearningTimeDay.objects.get(enrollment=enrollment).seconds == 105


def test_admins_see_subscription_periods(client, admin_user, setup):
    subscriber = make_user()
    subscription = subscribe(subscriber, setup["plan"])
    learn(subscriber, setup["excel"], 60, timezone.localdate())
    subscription_periods_close(now=subscription.current_period_end)
    client.force_login(admin_user)
    page = client.get(reverse("subscription-periods:index")).content.decode()
    assert str(subscriber) in page and "learning_time" in page
    period = SubscriptionEarningsPeriod.objects.get()
    assert client.get(reverse("subscription-periods:edit", args=[period.pk])).status_code in (302, 403)


def test_learning_day_costs_the_heartbeat_one_update(setup):
    """The day's row costs a counting heartbeat of a subscription enrollment exactly one more
    query (an UPDATE) than a purchased course's, once the day's row exists."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learners.access import learning_context_for
    from learners.enrollment.services import lesson_visit, progress_heartbeat
    from learners.models import LessonProgress
    from tests.factories import lessons_of

    subscriber = make_user()
    subscribe(subscriber, setup["plan"])
    enrollment = Enrollment.objects.create(
        user=subscriber, course=setup["excel"], source=Enrollment.Source.SUBSCRIPTION
    )
    lesson = lessons_of(setup["excel"])[0]
    lesson_visit(context=learning_context_for(user=subscriber, lesson=lesson))
    opened = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson).last_accessed_at

    def beat_queries(seconds_after: int) -> int:
        context = learning_context_for(user=subscriber, lesson=lesson)
        with CaptureQueriesContext(connection) as queries:
            progress_heartbeat(context=context, seconds=30, now=opened + timedelta(seconds=seconds_after))
        return len(queries)

    # (beats within a minute of the visit, so none of them also touches the enrollment's last access)
    beat_queries(30)  # the day's first beat inserts the row
    subscription_beat = beat_queries(40)
    Enrollment.objects.filter(pk=enrollment.pk).update(source=Enrollment.Source.PAYMENT)
    purchase_beat = beat_queries(50)
    assert (subscription_beat, purchase_beat) == (
        3,
        2,
    )  # clock read, conditional UPDATE (+ the day); the answer is the row as written
    assert LearningTimeDay.objects.get().seconds == 40
