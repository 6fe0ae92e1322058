"""Fault drills: real processes, real failures, and a count of what survived.

    .venv/bin/python bench/faults.py [--drill worker|redis|postgres|all]

worker    N students complete a course; the Celery worker is killed (SIGKILL, the whole
          process group) while it issues their certificates, then started again. Every
          enrollment ends with exactly one certificate and its PDF (acks_late redelivery,
          the unique index, the idempotent task).
redis     Redis (cache and broker) is stopped. The catalog, a course page and a signed-in
          student's lesson page still answer, a student signs in, students complete a
          course; the tasks that could not be sent wait in the outbox. Redis comes back and
          every certificate is issued, once.
postgres  Payment webhooks are delivered while PostgreSQL crashes and restarts
          (pg_ctl stop -m immediate, start). The client retries like a gateway does; every payment is
          settled and ledgered exactly once, and the app processes reconnect by themselves.

Every drill runs on PRIVATE servers (initdb/pg_ctl and redis-server on free loopback
ports, in temporary folders) so the shared PostgreSQL and Redis are never touched; the app
processes are started with bench/cluster.py's Cluster. Prints PASS/FAIL per drill with the
numbers and exits 1 if any drill failed."""

import argparse
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cluster import PY, Cluster, csrf, wait_for  # noqa: E402
from bench.private_servers import PrivatePostgres, PrivateRedis, free_port, port_open  # noqa: E402

WORKER_ENROLLMENTS = 200
REDIS_STUDENTS = 20
WEBHOOKS = 150
DATABASE_DOWN_SECONDS = 3


class DrillFailed(Exception):
    pass


def log(message):
    print(f"[faults] {message}", flush=True)


def check(condition, message):
    if not condition:
        raise DrillFailed(message)


def wait_until(predicate, *, timeout, every=0.5, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise DrillFailed(f"{what} not reached within {timeout} s")


class Drills:
    """The private servers, migrated once, shared by the drills (which run one after another)."""

    def __init__(self):
        self.workdir = Path(tempfile.mkdtemp(prefix="lectern-faults-"))
        self.pg = PrivatePostgres()
        self.redis = PrivateRedis()

    def boot(self):
        log(f"private PostgreSQL on :{self.pg.port}, Redis on :{self.redis.port}; work folder {self.workdir}")
        self.pg.create("lectern")
        self.redis.start()
        cluster = self.cluster("boot")
        cluster.manage("migrate", "--noinput")
        cluster.manage("collectstatic", "--noinput")

    def cluster(self, name: str, **env) -> Cluster:
        """The environment of bench/cluster.py pointed at the private servers, without S3:
        files go to a local folder shared by the processes of this one machine."""
        workdir = self.workdir / name
        workdir.mkdir(exist_ok=True)
        cluster = Cluster(workdir, database_url=self.pg.url("lectern"), redis_url=self.redis.url(5))
        for key in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"):
            cluster.env.pop(key)
        cluster.env.update(
            {
                "MEDIA_ROOT": str(self.workdir / "media"),
                "PRIVATE_MEDIA_ROOT": str(self.workdir / "private"),
                "CELERY_QUEUE": f"faults-{name}",
                "CACHE_KEY_PREFIX": f"faults-{name}",
                "SANDBOX_WEBHOOK_SECRET": "faults-drill-webhook-secret",
                "EMAIL_URL": f"filemail:///{workdir / 'mail'}",  # django-environ drops one leading slash
                **env,
            }
        )
        return cluster

    def sql(self, query, *args):
        with psycopg.connect(
            f"host=127.0.0.1 port={self.pg.port} user=postgres dbname=lectern", autocommit=True, connect_timeout=5
        ) as connection:
            return connection.execute(query, args).fetchall()

    def destroy(self):
        self.redis.destroy()
        self.pg.destroy()
        shutil.rmtree(self.workdir, ignore_errors=True)


# The drills share one database; each setup numbers its factory-made users and course slugs
# from its own range, so they never collide with another drill's.
FACTORY_NUMBERS = "import itertools, tests.factories\ntests.factories._counter = itertools.count(START)\n"


def shell(cluster: Cluster, code: str, marker: str, timeout=600, *, numbers_from: int | None = None) -> dict:
    if numbers_from is not None:
        code = FACTORY_NUMBERS.replace("START", str(numbers_from)) + code
    output = cluster.manage("shell", "-c", code, timeout=timeout)
    return json.loads(re.search(rf"^{marker} (.*)$", output, re.M).group(1))


def start_app(cluster: Cluster) -> str:
    port = free_port()
    cluster.start(
        "app", [PY, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "config.wsgi"]
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/healthz", timeout=90)
    return base


def start_worker(cluster: Cluster, name="worker"):
    return cluster.start_worker(name, node=f"{name}-{free_port()}@localhost")


def wait_for_log(cluster: Cluster, name: str, text: str, timeout=90):
    logfile = cluster.workdir / f"{name}.log"
    wait_until(
        lambda: logfile.exists() and text in logfile.read_text(errors="replace"),
        timeout=timeout,
        what=f"{text!r} in {name}.log",
    )


def sign_in(session: requests.Session, base: str, email: str, password: str) -> requests.Response:
    token = csrf(session, f"{base}/accounts/login/")
    return session.post(
        f"{base}/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )


# ---------------------------------------------------------------- (a) the worker is killed

WORKER_SETUP = r"""
import json
from learners.enrollment.services import enrollment_create
from tests.factories import make_course, make_user
course = make_course(title="Drill: the worker is killed", lessons=1)
users = [make_user(password=None) for _ in range(COUNT)]
for user in users:
    enrollment_create(user=user, course=course)
print("SETUP " + json.dumps({"course": course.pk, "lesson": course.lessons().first().pk,
                             "users": [u.pk for u in users]}))
"""

COMPLETE_LESSON = r"""
import json
from learners.access import learning_context_for
from accounts.models import User
from coursepages.models import LessonPage
from learners.enrollment.services import lesson_complete
facts = json.loads(FACTS)
lesson = LessonPage.objects.get(pk=facts["lesson"])
for user in User.objects.filter(pk__in=facts["users"]).order_by("pk"):
    lesson_complete(context=learning_context_for(user=user, lesson=lesson))  # completes the course: the certificate task is sent
print("COMPLETED")
"""

CERTIFICATES_CHECK = r"""
import json
from django.core.files.storage import storages
from django.db.models import Count
from certificates.models import Certificate
from learners.models import Enrollment
from messaging.models import Notification
course_id = COURSE
enrollments = Enrollment.objects.filter(course_id=course_id)
certificates = Certificate.objects.filter(enrollment__course_id=course_id)
private = storages["private"]
pdfs = sum(1 for c in certificates if c.pdf and private.exists(c.pdf.name) and private.open(c.pdf.name).read(5) == b"%PDF-")
print("CHECK " + json.dumps({
    "enrollments": enrollments.count(),
    "completed": enrollments.filter(status=Enrollment.Status.COMPLETED).count(),
    "certificates": certificates.count(),
    "valid": certificates.filter(revoked_at__isnull=True).count(),
    "duplicates": certificates.values("enrollment").annotate(n=Count("id")).filter(n__gt=1).count(),
    "without": enrollments.filter(status=Enrollment.Status.COMPLETED, certificates__isnull=True).count(),
    "pdfs": pdfs,
    "notified": certificates.filter(notified_at__isnull=False).count(),
    "notices": Notification.objects.filter(kind="certificate", user__enrollments__course_id=course_id).count(),
}))
"""


def certificates_with_pdf(drills: Drills, course_id: int) -> int:
    return drills.sql(
        "SELECT count(*) FROM certificates_certificate c JOIN learners_enrollment e "
        "ON e.id = c.enrollment_id WHERE e.course_id = %s AND c.pdf <> ''",
        course_id,
    )[0][0]


def emails_sent(cluster: Cluster, subject: str) -> int:
    folder = cluster.workdir / "mail"
    return (
        sum(path.read_text(errors="replace").count(f"Subject: {subject}") for path in folder.glob("*"))
        if folder.exists()
        else 0
    )


def verify_certificates(cluster: Cluster, course_id: int, expected: int) -> dict:
    facts = shell(cluster, CERTIFICATES_CHECK.replace("COURSE", str(course_id)), "CHECK")
    check(facts["completed"] == expected, f"{facts['completed']} of {expected} enrollments are completed")
    check(facts["duplicates"] == 0, f"{facts['duplicates']} enrollments have more than one certificate")
    check(facts["without"] == 0, f"{facts['without']} completed enrollments have no certificate")
    check(facts["certificates"] == facts["valid"] == expected, f"{facts['valid']} certificates for {expected}")
    check(facts["pdfs"] == expected, f"{facts['pdfs']} of {expected} certificates have their PDF")
    check(
        facts["notified"] == facts["notices"] == expected,
        f"{facts['notified']} certificates notified, {facts['notices']} notices, for {expected}",
    )
    return facts


def drill_worker(drills: Drills) -> str:
    count = WORKER_ENROLLMENTS
    # A message taken by a worker that dies goes back to the queue after the visibility
    # timeout (an hour by default); shortened here so the drill takes minutes.
    cluster = drills.cluster(
        "worker",
        CELERY_BROKER_TRANSPORT_OPTIONS=json.dumps(
            {"visibility_timeout": 20, "unacked_restore_interval": 2, "unacked_restore_throttle": 1}
        ),
    )
    try:
        facts = shell(cluster, WORKER_SETUP.replace("COUNT", str(count)), "SETUP", numbers_from=10_000)
        worker = start_worker(cluster)
        log(f"worker: {count} students complete the course; the worker issues their certificates")
        started = time.monotonic()
        completing = cluster.start(
            "complete", [PY, "manage.py", "shell", "-c", COMPLETE_LESSON.replace("FACTS", repr(json.dumps(facts)))]
        )
        kill_at = count // 3
        issued_at_kill = wait_until(
            lambda: (n := certificates_with_pdf(drills, facts["course"])) >= kill_at and n,
            timeout=300,
            every=0.2,
            what=f"{kill_at} certificates issued",
        )
        cluster.kill(worker)  # SIGKILL to the worker and its pool processes
        broker = redis.Redis.from_url(drills.redis.url(5))
        in_flight = broker.hlen("unacked")
        issued_at_kill = certificates_with_pdf(drills, facts["course"])
        log(
            f"worker: killed with SIGKILL after {issued_at_kill} of {count} certificates; "
            f"{in_flight} messages taken and not acknowledged"
        )
        time.sleep(2)
        start_worker(cluster, "worker-restarted")
        wait_until(lambda: completing.poll() is not None, timeout=300, what="all completions")
        check(completing.returncode == 0, "completing the lessons failed")
        wait_until(
            lambda: certificates_with_pdf(drills, facts["course"]) >= count,
            timeout=300,
            what=f"{count} certificates with PDFs",
        )
        elapsed = time.monotonic() - started
        time.sleep(3)  # anything still in flight (a redelivered twin) gets the chance to duplicate
        result = verify_certificates(cluster, facts["course"], count)
        emails = emails_sent(cluster, "Your certificate for")
        return (
            f"{count} enrollments completed; worker SIGKILLed after {issued_at_kill} issued with {in_flight} "
            f"unacknowledged; restarted: {result['certificates']} certificates with PDFs, "
            f"{result['duplicates']} duplicates, {result['without']} enrollments without one, "
            f"{emails} emails ({elapsed:.0f} s in all)"
        )
    finally:
        cluster.stop()


# ---------------------------------------------------------------- (b) Redis stops

REDIS_SETUP = r"""
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from learners.enrollment.services import enrollment_create
from tests.factories import make_course, make_user
course = make_course(title="Drill: Redis stops", lessons=2)
reader = make_user(email="reader@faults.test", password="faults-reader-pw", first_name="Rea", last_name="Der")
late = make_user(email="late@faults.test", password="faults-late-pw", first_name="Lay", last_name="Te")
enrollment_create(user=reader, course=course)
enrollment_create(user=late, course=course)
sessions = []
for _ in range(COUNT):  # students signed in before the outage (a session, as a sign-in makes)
    user = make_user(password=None)
    enrollment_create(user=user, course=course)
    session = SessionStore()
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash()})
    session.create()
    sessions.append(session.session_key)
lessons = list(course.lessons())
print("SETUP " + json.dumps({"course": course.pk, "course_url": course.url, "lessons": [l.pk for l in lessons],
                             "lesson_urls": [l.url for l in lessons], "sessions": sessions}))
"""


class Timed:
    """Every request of the drill: status and time, so the outage's cost is counted."""

    def __init__(self):
        self.records: list[tuple[str, int, float]] = []
        self.lock = threading.Lock()

    def __call__(self, session, method, url, **kwargs):
        started = time.monotonic()
        try:
            response = session.request(method, url, timeout=30, **kwargs)
            status = response.status_code
        except requests.RequestException:
            response, status = None, 0
        with self.lock:
            self.records.append((url, status, time.monotonic() - started))
        return response

    def errors(self):
        return [record for record in self.records if record[1] == 0 or record[1] >= 500]


def complete_course_as(timed: Timed, base: str, session_key: str, facts: dict) -> bool:
    session = requests.Session()
    session.cookies.set("sessionid", session_key)
    ok = True
    for lesson_id, url in zip(facts["lessons"], facts["lesson_urls"], strict=True):
        page = timed(session, "GET", f"{base}{url}")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text if page is not None else "")
        ok = ok and page is not None and page.status_code == 200 and token is not None
        if not ok:
            return False
        done = timed(
            session,
            "POST",
            f"{base}/learn/lessons/{lesson_id}/complete/",
            data={"csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{base}{url}"},
            allow_redirects=False,
        )
        ok = done is not None and done.status_code == 302
    return ok


def signed_in_lesson(timed: Timed, session: requests.Session, base: str, facts: dict) -> bool:
    page = timed(session, "GET", f"{base}{facts['lesson_urls'][0]}")
    return page is not None and page.status_code == 200 and "Sign out" in page.text and "Mark complete" in page.text


def outbox_certificate_tasks(drills: Drills) -> int:
    return drills.sql(
        "SELECT count(*) FROM outbox_pendingtask WHERE task = %s", "certificates.tasks.certificate_issue_task"
    )[0][0]


def drill_redis(drills: Drills) -> str:
    count = REDIS_STUDENTS
    cluster = drills.cluster("redis", GUNICORN_WORKERS="2", OUTBOX_FLUSH_SECONDS="3")
    timed = Timed()
    try:
        facts = shell(cluster, REDIS_SETUP.replace("COUNT", str(count)), "SETUP", numbers_from=20_000)
        base = start_app(cluster)
        start_worker(cluster)
        cluster.start_beat()
        wait_for_log(cluster, "worker", "ready.")
        wait_for_log(cluster, "worker", "outbox.tasks.outbox_flush_task")  # beat sends, the worker runs
        reader = requests.Session()
        check(
            sign_in(reader, base, "reader@faults.test", "faults-reader-pw").status_code == 302,
            "the reader could not sign in with Redis up",
        )
        check(signed_in_lesson(timed, reader, base, facts), "the reader's lesson page is wrong with Redis up")

        drills.redis.stop()
        down_at = time.monotonic()
        check(not port_open(drills.redis.port), "Redis still answers after the stop")
        log("redis: stopped; browsing, signing in and completing a course meanwhile")
        anonymous = requests.Session()
        catalog = timed(anonymous, "GET", f"{base}/courses/")
        course = timed(anonymous, "GET", f"{base}{facts['course_url']}")
        check(catalog is not None and catalog.status_code == 200, "the catalog failed with Redis down")
        check(course is not None and course.status_code == 200, "the course page failed with Redis down")
        check(
            signed_in_lesson(timed, reader, base, facts),
            "the signed-in reader lost the session or the lesson page with Redis down",
        )
        late = requests.Session()
        check(
            sign_in(late, base, "late@faults.test", "faults-late-pw").status_code == 302,
            "signing in failed with Redis down",
        )
        check(signed_in_lesson(timed, late, base, facts), "a session made with Redis down did not hold")
        with ThreadPoolExecutor(4) as pool:
            completed = list(pool.map(lambda key: complete_course_as(timed, base, key, facts), facts["sessions"]))
        check(all(completed), f"{completed.count(False)} of {count} students could not complete the course")
        health = anonymous.get(f"{base}/healthz", timeout=30)  # a status report: 503 is its answer here
        health_checks = health.json()["checks"]
        waiting = outbox_certificate_tasks(drills)
        check(waiting == count, f"{waiting} certificate tasks in the outbox for {count} completed courses")
        check(certificates_with_pdf(drills, facts["course"]) == 0, "certificates were issued with no broker")
        errors = timed.errors()
        check(not errors, f"requests failed with Redis down: {errors[:5]}")
        during = list(timed.records)
        slowest = max(seconds for _, _, seconds in during)

        drills.redis.start()
        down_for = time.monotonic() - down_at
        log(f"redis: back after {down_for:.0f} s; {waiting} certificate tasks wait in the outbox")
        back_at = time.monotonic()
        restarted = []

        def supervise():
            """Restart a Celery process that exited, as the process manager does in production
            (docker-compose `restart: unless-stopped`, systemd `Restart=always`): kombu's
            reconnect after a broker outage can crash a worker (seen here: AttributeError in
            kombu's redis transport). What must hold is that no task is lost meanwhile."""
            for process in [p for p in cluster.processes if p.name == "worker" and p.poll() is not None]:
                cluster.processes.remove(process)
                restarted.append(f"{process.name} (exit {process.returncode})")
                start_worker(cluster)
            return True

        wait_until(
            lambda: (
                supervise()
                and certificates_with_pdf(drills, facts["course"]) >= count
                and not outbox_certificate_tasks(drills)
            ),
            timeout=180,
            what=f"{count} certificates after Redis returned",
        )
        recovered = time.monotonic() - back_at
        result = verify_certificates(cluster, facts["course"], count)
        check(signed_in_lesson(timed, reader, base, facts), "the reader's session did not survive the outage")
        check(signed_in_lesson(timed, late, base, facts), "the session made during the outage did not survive")
        exited = [process.name for process in cluster.processes if process.poll() is not None]
        check(not exited, f"processes gave up during the outage: {exited}")  # the app and beat reconnect
        return (
            f"Redis down {down_for:.0f} s: {len(during)} requests (catalog, course, signed-in lessons, a sign-in, "
            f"{count} courses completed), 0 errors, slowest {slowest:.2f} s; /healthz said "
            f"{health.status_code} {health_checks}; {waiting} tasks kept in the "
            f"outbox; Redis back: {result['certificates']} certificates with PDFs {recovered:.0f} s later, "
            f"{result['duplicates']} duplicates; sessions survived"
            + (f"; restarted by the supervisor: {', '.join(restarted)}" if restarted else "")
        )
    finally:
        if drills.redis.process is None:
            drills.redis.start()
        cluster.stop()


# ---------------------------------------------------------------- (c) PostgreSQL restarts

PAYMENTS_SETUP = r"""
import json
from payments.commerce.checkout import order_create_for_courses
from payments.gateways.sandbox import build_event
from tests.factories import make_course, make_user
course = make_course(title="Drill: the database restarts", pricing="one_time", price_cents=49900, lessons=1)
events = []
for _ in range(COUNT):
    order = order_create_for_courses(user=make_user(password=None), course_ids=[course.pk], gateway="sandbox")
    body, headers = build_event(event_type="payment.succeeded", order_reference=str(order.reference),
                                amount_cents=order.total_cents, currency=order.currency)
    events.append({"order": order.pk, "body": body.decode(), "headers": headers})
print("SETUP " + json.dumps({"course": course.pk, "events": events}))
"""

# The ledger rows come from a task after each settle (the worker runs them); the beat sweep
# writes those of any order whose task was lost. Here the sweep runs at once (no 2-minute wait).
LEDGER_SWEEP = r"""
import json
from datetime import timedelta
from payments.commerce.settlement import orders_ledger_sweep
print("SWEEP " + json.dumps({"written": orders_ledger_sweep(paid_before=timedelta(0))}))
"""

PAYMENTS_CHECK = r"""
import json
from django.db.models import Count, Sum
from learners.models import Enrollment
from payments.models import LedgerEntry, Order, Payment, WebhookEvent
orders = Order.objects.filter(items__course_id=COURSE)
keys = [f"order-item:{pk}" for pk in orders.values_list("items__pk", flat=True)]
sales = LedgerEntry.objects.filter(source_key__in=keys, kind=LedgerEntry.Kind.SALE)
events = WebhookEvent.objects.filter(order__in=orders)
print("CHECK " + json.dumps({
    "orders": orders.count(),
    "paid": orders.filter(status=Order.Status.PAID).count(),
    "payments": Payment.objects.filter(order__in=orders).count(),
    "events": events.count(),
    "applied": events.filter(status=WebhookEvent.Status.APPLIED).count(),
    "deliveries": events.aggregate(n=Sum("deliveries"))["n"] or 0,
    "ledger_sales": sales.values("source_key").distinct().count(),
    "ledger_rows": sales.count(),
    "ledger_gross": sales.filter(line=0).aggregate(n=Sum("gross_cents"))["n"] or 0,
    "enrollments": Enrollment.objects.filter(course_id=COURSE, source=Enrollment.Source.PAYMENT).count(),
    "double_enrolled": Enrollment.objects.filter(course_id=COURSE).values("user").annotate(n=Count("id"))
        .filter(n__gt=1).count(),
}))
"""


class Gateway:
    """Delivers webhooks like a payment gateway: retry on anything but a 2xx, for a while."""

    def __init__(self, base: str):
        self.url = f"{base}/api/v1/payments/webhook/sandbox/"
        self.attempts: list[tuple[float, int]] = []  # (started, status; 0 = no answer)
        self.lock = threading.Lock()

    def deliver(self, event: dict, *, give_up_after=180) -> tuple[int, str]:
        deadline = time.monotonic() + give_up_after
        session = requests.Session()
        while True:
            started = time.monotonic()
            try:
                response = session.post(
                    self.url,
                    data=event["body"].encode(),
                    timeout=30,
                    headers={"Content-Type": "application/json", **event["headers"]},
                )
                status, detail = response.status_code, response.text
            except requests.RequestException:
                status, detail = 0, ""
            with self.lock:
                self.attempts.append((started, status))
            if status == 200 or time.monotonic() > deadline:
                return status, detail
            time.sleep(0.5)


def drill_postgres(drills: Drills) -> str:
    count = WEBHOOKS
    # Persistent connections (as production would keep them), checked before reuse.
    cluster = drills.cluster("postgres", GUNICORN_WORKERS="2", CONN_MAX_AGE="60")
    try:
        facts = shell(cluster, PAYMENTS_SETUP.replace("COUNT", str(count)), "SETUP", numbers_from=30_000)
        base = start_app(cluster)
        gateway = Gateway(base)
        acknowledged = []

        def deliver(event):
            time.sleep(0.1)  # spread the deliveries so the crash lands in the middle of them
            status, _ = gateway.deliver(event)
            acknowledged.append(status == 200)
            return status

        log(f"postgres: {count} payment webhooks on their way; PostgreSQL will crash and restart among them")
        with ThreadPoolExecutor(6) as pool:
            statuses = pool.map(deliver, facts["events"])
            wait_until(lambda: len(acknowledged) >= count // 3, timeout=300, every=0.05, what="a third delivered")
            crash_at = time.monotonic()
            settled_before = len(acknowledged)
            drills.pg.stop("immediate")  # a crash: connections cut, no checkpoint
            time.sleep(DATABASE_DOWN_SECONDS)
            drills.pg.start()  # recovery from the WAL
            back_at = time.monotonic()
            log(f"postgres: crashed after {settled_before} acknowledged; back {back_at - crash_at:.1f} s later")
            statuses = list(statuses)
        check(all(status == 200 for status in statuses), f"deliveries never acknowledged: {statuses.count(0)}")
        failed = [(started, status) for started, status in gateway.attempts if status != 200]
        after_recovery = [attempt for attempt in failed if attempt[0] > back_at + 1]
        check(
            not after_recovery,
            f"{len(after_recovery)} requests failed after the database was back: the app processes did not reconnect",
        )
        # The worker (started now: the tasks waited in the broker) writes the ledger rows.
        start_worker(cluster)
        check_code = PAYMENTS_CHECK.replace("COURSE", str(facts["course"]))
        by_worker = 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            by_worker = shell(cluster, check_code, "CHECK")["ledger_sales"]
            if by_worker >= count:
                break
            time.sleep(2)
        swept = shell(cluster, LEDGER_SWEEP, "SWEEP")["written"]
        log(f"postgres: {by_worker} orders ledgered by the worker's tasks, {swept} more by the sweep")
        result = shell(cluster, check_code, "CHECK")
        check(result["paid"] == result["orders"] == count, f"{result['paid']} of {count} orders are paid")
        check(result["payments"] == count, f"{result['payments']} payments for {count} orders")
        check(result["events"] == result["applied"] == count, f"{result['applied']} events applied of {count}")
        check(
            result["ledger_sales"] == count and result["ledger_rows"] == 2 * count,
            f"ledger: {result['ledger_sales']} sales in {result['ledger_rows']} rows for {count} payments",
        )
        check(result["ledger_gross"] == 49900 * count, f"ledger gross {result['ledger_gross']}")
        check(
            result["enrollments"] == count and result["double_enrolled"] == 0,
            f"{result['enrollments']} paid enrollments, {result['double_enrolled']} doubled",
        )

        # A crash while the app is idle leaves every kept connection dead without any request
        # noticing; the health check before reuse must replace them, so the next requests (the
        # gateways delivering every event a second time) all succeed at the first attempt.
        drills.pg.stop("immediate")
        drills.pg.start()
        with ThreadPoolExecutor(6) as pool:
            replies = list(pool.map(lambda event: gateway.deliver(event, give_up_after=0), facts["events"]))
        first_try = sum(status == 200 for status, _ in replies)
        check(
            first_try == count,
            f"after a crash while idle, {count - first_try} of {count} requests failed: "
            f"the app kept dead database connections",
        )
        check(
            all("Already received" in detail for _, detail in replies),
            "a replayed webhook was not recognised as a duplicate",
        )
        again = shell(cluster, PAYMENTS_CHECK.replace("COURSE", str(facts["course"])), "CHECK")
        check(
            {k: v for k, v in again.items() if k != "deliveries"}
            == {k: v for k, v in result.items() if k != "deliveries"},
            f"the replay changed the money: {again} vs {result}",
        )
        return (
            f"{count} webhooks, PostgreSQL crashed (pg_ctl stop -m immediate) after {settled_before} acknowledged "
            f"and was back {back_at - crash_at:.1f} s later; {len(failed)} deliveries failed meanwhile and were retried; "
            f"0 failures after it was back; {result['paid']} orders paid, {result['payments']} payments, "
            f"{result['ledger_sales']} sales in {result['ledger_rows']} ledger rows ({by_worker} by the worker's "
            f"tasks, {swept} by the sweep), {result['applied']} events "
            f"applied once; crashed again while idle: {first_try}/{count} replays answered at the first attempt "
            f"(dead kept connections replaced) and changed nothing"
        )
    finally:
        cluster.stop()


DRILLS = {"worker": drill_worker, "redis": drill_redis, "postgres": drill_postgres}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drill", choices=[*DRILLS, "all"], default="all")
    options = parser.parse_args()
    names = list(DRILLS) if options.drill == "all" else [options.drill]
    for tool in ("redis-server", "runuser" if os.geteuid() == 0 else "true"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed")
    drills = Drills()
    outcomes = {}
    started = time.monotonic()
    try:
        drills.boot()
        for name in names:
            log(f"--- drill: {name}")
            try:
                outcomes[name] = (True, DRILLS[name](drills))
            except Exception as exc:  # a drill that breaks is a failed drill; the others still run
                outcomes[name] = (False, f"{exc.__class__.__name__}: {exc}")
                for logfile in sorted((drills.workdir / name).glob("*.log")):
                    print(
                        f"--- {name}/{logfile.name} (last lines)\n"
                        + "\n".join(logfile.read_text(errors="replace").splitlines()[-25:])
                    )
    finally:
        with contextlib.suppress(Exception):
            drills.destroy()
    print()
    for name, (passed, summary) in outcomes.items():
        print(f"{'PASS' if passed else 'FAIL'} {name}: {summary}")
    print(f"({time.monotonic() - started:.0f} s)")
    sys.exit(0 if outcomes and all(passed for passed, _ in outcomes.values()) else 1)


if __name__ == "__main__":
    main()
