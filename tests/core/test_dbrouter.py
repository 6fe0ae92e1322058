"""The read-replica router (core/dbrouter.py): which reads go to the replica, and that a
user's own writes always read back from the primary.

The "replica" here is the test database itself (a TEST MIRROR of default): what is checked
is which connection ran each query, counted with CaptureQueriesContext on each alias."""

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core import dbrouter
from core.dbrouter import PIN_COOKIE, reads_from_replica
from tests.factories import make_course

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

REPLICA_ON = override_settings(
    DATABASE_REPLICA_READS=True,
    DATABASE_REPLICA_MAX_LAG_SECONDS=5,
    DATABASE_REPLICA_CHECK_SECONDS=60,
    DATABASE_REPLICA_PIN_SECONDS=10,
)


@pytest.fixture
def settled():
    """Asked for after the fixtures that create rows: outside a request a write pins the rest
    of the thread to the primary (as in a Celery task), so the test starts from unpinned."""
    token = dbrouter._wrote.set(False)
    yield
    dbrouter._wrote.reset(token)


@pytest.fixture(autouse=True)
def fresh_state():
    dbrouter.health.reset()
    cache.clear()
    yield
    dbrouter.health.reset()


class Counted:
    """Queries run on each alias inside the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"])
        self.replica = CaptureQueriesContext(connections["replica"])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def replica_tables(self, table):
        return [q["sql"] for q in self.replica.captured_queries if table in q["sql"]]

    def primary_tables(self, table):
        return [q["sql"] for q in self.primary.captured_queries if table in q["sql"]]


def _count_users(**hints):
    return User.objects.filter(**hints).count()


def test_without_a_replica_every_read_goes_to_the_primary(student, settled):
    with Counted() as counted, reads_from_replica():
        assert _count_users() == 1
    assert counted.replica_tables("accounts_user") == []
    assert len(counted.primary_tables("accounts_user")) == 1


@REPLICA_ON
def test_reads_go_to_the_replica_only_inside_reads_from_replica(student, settled):
    with Counted() as counted:
        _count_users()
    assert counted.replica_tables("accounts_user") == []
    with Counted() as counted, reads_from_replica():
        assert _count_users() == 1
    assert len(counted.replica_tables("accounts_user")) == 1
    assert counted.primary_tables("accounts_user") == []


@REPLICA_ON
def test_a_read_inside_a_transaction_goes_to_the_primary(student, settled):
    with Counted() as counted, reads_from_replica(), transaction.atomic():
        _count_users()
    assert counted.replica_tables("accounts_user") == []
    assert len(counted.primary_tables("accounts_user")) == 1


@REPLICA_ON
def test_every_write_goes_to_the_primary_and_pins_the_reads_after_it(student, settled):
    with Counted() as counted, reads_from_replica():
        _count_users()  # before the write: replica
        User.objects.filter(pk=student.pk).update(first_name="Samantha")
        assert User.objects.get(pk=student.pk).first_name == "Samantha"  # after it: primary
    assert len(counted.replica_tables("accounts_user")) == 1
    assert [sql for sql in counted.primary_tables("accounts_user") if sql.startswith("UPDATE")]
    assert len([sql for sql in counted.primary_tables("accounts_user") if sql.startswith("SELECT")]) == 1


@REPLICA_ON
def test_a_lagging_replica_is_skipped_and_readiness_reports_it(student, client, monkeypatch, settled):
    monkeypatch.setattr(dbrouter.ReplicaHealth, "measure", lambda self: (30.0, ""))
    with Counted() as counted, reads_from_replica():
        _count_users()
    assert counted.replica_tables("accounts_user") == []
    body = client.get("/healthz/ready").json()
    assert body["database_replica"] == {"replica": "lagging", "replica_lag_seconds": 30.0}


@REPLICA_ON
def test_a_replica_that_is_down_is_skipped_and_readiness_stays_ready(student, client, monkeypatch, settled):
    monkeypatch.setattr(dbrouter.ReplicaHealth, "measure", lambda self: (None, "OperationalError"))
    with Counted() as counted, reads_from_replica():
        _count_users()
    assert counted.replica_tables("accounts_user") == []
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json()["database_replica"] == {"replica": "error: OperationalError", "replica_lag_seconds": None}


@REPLICA_ON
def test_readiness_reports_a_healthy_replica_lag(client):
    assert client.get("/healthz/ready").json()["database_replica"] == {"replica": "ok", "replica_lag_seconds": 0.0}


def test_readiness_says_when_there_is_no_replica(client):
    assert client.get("/healthz/ready").json()["database_replica"] == {"replica": "none"}


def test_migrations_only_run_on_the_primary():
    router = dbrouter.ReplicaRouter()
    assert router.allow_migrate("default", "learners")
    assert not router.allow_migrate("replica", "learners")


# --- through real requests: certificate verification reads the replica, a write pins -------


def _verify(client):
    with Counted() as counted:
        response = client.get("/api/v1/certificates/verify/ABCDE-FGHJK-LMNPQ/")
    assert response.status_code == 200, response.content
    return counted


@REPLICA_ON
def test_certificate_verification_reads_the_replica(client):
    counted = _verify(client)
    assert len(counted.replica_tables("certificates_certificate")) == 1
    assert counted.primary_tables("certificates_certificate") == []


@REPLICA_ON
def test_a_browser_that_wrote_reads_its_writes_from_the_primary(client, student, free_course):
    client.force_login(student)
    enroll = client.post(f"/api/v1/courses/{free_course.pk}/enroll/")
    assert enroll.status_code in (200, 201), enroll.content
    assert enroll.cookies[PIN_COOKIE]["max-age"] == 10
    assert enroll.cookies[PIN_COOKIE]["httponly"]

    counted = _verify(client)
    assert counted.replica_tables("certificates_certificate") == []
    assert len(counted.primary_tables("certificates_certificate")) == 1

    # Another device of the same user (no cookie) is pinned by the user's marker.
    other_device = client.__class__()
    other_device.force_login(student)
    counted = _verify(other_device)
    assert counted.replica_tables("certificates_certificate") == []

    # After the window, both read the replica again.
    cache.clear()
    client.cookies.pop(PIN_COOKIE)
    counted = _verify(client)
    assert len(counted.replica_tables("certificates_certificate")) == 1


@REPLICA_ON
def test_a_forged_or_expired_marker_does_not_pin(client):
    client.cookies[PIN_COOKIE] = "1"  # unsigned
    assert len(_verify(client).replica_tables("certificates_certificate")) == 1


@REPLICA_ON
def test_the_course_page_reads_the_replica_and_the_enrolled_student_sees_their_enrollment(client, student, free_course):
    client.force_login(student)
    with Counted() as counted:
        page = client.get(free_course.url)
    assert page.status_code == 200
    assert counted.replica_tables("coursepages_coursepage") or counted.replica_tables("wagtailcore_page")

    assert client.post(f"/api/v1/courses/{free_course.pk}/enroll/").status_code in (200, 201)
    with Counted() as counted:
        page = client.get(free_course.url)
    assert page.status_code == 200
    assert counted.replica.captured_queries == []  # pinned: the enrollment is read back from the primary
    assert counted.primary_tables("learners_enrollment")


def test_a_pin_window_shorter_than_the_accepted_lag_is_reported():
    from core.checks import replica_settings

    with override_settings(
        DATABASE_REPLICA_READS=True,
        DATABASE_REPLICA_MAX_LAG_SECONDS=5,
        DATABASE_REPLICA_CHECK_SECONDS=2,
        DATABASE_REPLICA_PIN_SECONDS=5,
    ):
        assert [problem.id for problem in replica_settings()] == ["lectern.W020"]
    with override_settings(
        DATABASE_REPLICA_READS=True,
        DATABASE_REPLICA_MAX_LAG_SECONDS=5,
        DATABASE_REPLICA_CHECK_SECONDS=2,
        DATABASE_REPLICA_PIN_SECONDS=10,
    ):
        assert replica_settings() == []


@REPLICA_ON
def test_an_api_client_without_cookies_is_pinned_by_its_user_marker(client, instructor, free_course, other_student):
    """A Bearer-token client keeps no cookie: the user's marker in the cache pins it. The
    instructor's student list reads the replica until the instructor writes."""
    from accounts.tokens import token_pair_issue

    client.force_login(other_student)
    assert client.post(f"/api/v1/courses/{free_course.pk}/enroll/").status_code in (200, 201)
    cache.clear()  # the student's marker is theirs alone; start the instructor from a clean cache
    api = client.__class__()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_pair_issue(user=instructor).access}"}

    with Counted() as counted:
        students = api.get("/api/v1/instructor/students/", **auth)
    assert students.status_code == 200 and students.json()["count"] == 1
    assert counted.replica_tables("learners_enrollment")
    assert counted.primary_tables("learners_enrollment") == []

    other = make_course(title="Another")
    dbrouter._wrote.set(False)
    assert api.post(f"/api/v1/courses/{other.pk}/enroll/", **auth).status_code in (200, 201)
    api.cookies.clear()  # a client that keeps no cookies
    with Counted() as counted:
        students = api.get("/api/v1/instructor/students/", **auth)
    assert students.status_code == 200
    assert counted.replica.captured_queries == []
    assert counted.primary_tables("learners_enrollment")


@REPLICA_ON
def test_the_analytics_dashboard_and_its_csv_read_the_replica_template_included(client, admin_user):
    """The dashboard is a TemplateResponse: the decorator renders it inside the block, so the
    template's queries go to the replica too."""
    client.force_login(admin_user)
    # The first visit creates the user's Wagtail profile and the platform settings: writes.
    assert PIN_COOKIE in client.get("/admin/analytics/").cookies
    client.cookies.pop(PIN_COOKIE, None)
    cache.clear()
    with Counted() as counted:
        page = client.get("/admin/analytics/")
    assert page.status_code == 200
    assert counted.replica_tables("analytics_dailysitestats") or counted.replica_tables("dailysitestats")
    assert not [sql for sql in counted.primary.captured_queries if "dailysitestats" in sql["sql"].lower()]
    # Wagtail's admin asks for the user's profile with get_or_create on every page: finding
    # it is a read, so the next page is not pinned.
    assert PIN_COOKIE not in page.cookies
    with Counted() as counted:
        export = client.get("/admin/analytics/?export=site")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert any("dailysitestats" in q["sql"].lower() for q in counted.replica.captured_queries)


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ('SELECT "accounts_user"."id" FROM "accounts_user"', False),
        ('  INSERT INTO "learners_enrollment" ("user_id") VALUES (%s)', True),
        ('UPDATE "learners_enrollment" SET "status" = %s', True),
        ('DELETE FROM "learners_enrollment" WHERE "id" = %s', True),
        ('SELECT "learners_enrollment"."id" FROM "learners_enrollment" WHERE "id" = %s FOR UPDATE', True),
        ('WITH moved AS (SELECT 1) INSERT INTO "x" SELECT * FROM moved', True),
        # The settle's invoice number and paid order (payments/commerce/invoices.py).
        ('WITH n AS (UPDATE "c" SET "n" = "n" + 1 RETURNING "n") UPDATE "o" SET "i" = n."n" FROM n', True),
        ("WITH n AS (SELECT 1) SELECT * FROM n", False),
        # A course card's first image rendition is a cache row for everyone, not the visitor's write.
        ('INSERT INTO "wagtailimages_rendition" ("filter_spec", "file") VALUES (%s, %s)', False),
    ],
)
def test_the_primary_s_statements_say_whether_a_request_wrote(sql, writes, settled):
    dbrouter._note_writes(lambda *args: None, sql, (), False, {})
    assert dbrouter.wrote_in_this_request() is writes
