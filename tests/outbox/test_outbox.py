"""Sending tasks through a broker outage (outbox/services.py): the request still succeeds,
the task is kept in the outbox, and the flush sends it once the broker is back."""

import logging
import socket

import pytest
from celery import Celery
from django.db import DatabaseError
from kombu.exceptions import OperationalError

from certificates.models import Certificate
from certificates.tasks import certificate_issue_task
from config.celery import app
from learners.enrollment.services import enrollment_create
from learners.models import Enrollment
from outbox import services
from outbox.models import PendingTask
from outbox.services import outbox_flush, task_send
from payments.commerce.tasks import send_receipt_task
from tests.factories import lessons_of, make_course

pytestmark = pytest.mark.django_db

ISSUE = certificate_issue_task.name


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """The site's Celery app sends to a broker (tasks not eager). While down, publishing
    fails as kombu fails when Redis refuses the connection; once back, tasks run eagerly
    here as a worker would run them."""

    def __init__(self, monkeypatch):
        self.refused: list[str] = []
        self.up = False
        real_publish = services._publish

        def publish(task, *, kwargs, eta):
            if not self.up:
                self.refused.append(task.name)
                raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            real_publish(task, kwargs=kwargs, eta=eta)

        monkeypatch.setattr(services, "_publish", publish)
        monkeypatch.setattr(services, "_broker_unavailable_until", 0.0)
        app.conf.task_always_eager = False

    def come_back(self):
        self.up = True
        app.conf.task_always_eager = True


@pytest.fixture
def broker(monkeypatch):
    previous = app.conf.task_always_eager
    yield Broker(monkeypatch)
    app.conf.task_always_eager = previous


def test_completing_a_course_while_the_broker_is_down_succeeds_and_the_certificate_follows(
    client, student, broker, django_capture_on_commit_callbacks
):
    course = make_course(title="Outage course", lessons=1)
    student.email_opt_out = True  # only the certificate task is queued, not the "completed" email
    student.save(update_fields=["email_opt_out"])
    enrollment_create(user=student, course=course)
    client.force_login(student)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/learn/lessons/{lessons_of(course)[0].pk}/complete/")
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user=student)
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert broker.refused == [ISSUE]
    pending = PendingTask.objects.get()
    assert (pending.task, pending.kwargs) == (ISSUE, {"enrollment_id": enrollment.pk})
    assert "OperationalError" in pending.last_error
    assert not Certificate.objects.exists()

    # Within the retry window the next task goes straight to the outbox: no wait on the broker.
    assert task_send(task=send_receipt_task, kwargs={"order_id": 0}) is False
    assert broker.refused == [ISSUE] and PendingTask.objects.count() == 2

    # A flush while the broker is still down keeps everything and records the attempt.
    assert outbox_flush() == 0
    assert list(PendingTask.objects.values_list("attempts", flat=True)) == [1, 0]

    broker.come_back()
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_flush() == 2
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.pdf and certificate.notified_at is not None
    assert not PendingTask.objects.exists()
    assert outbox_flush() == 0


def test_a_real_unreachable_broker_is_caught(monkeypatch):
    """The exception kombu really raises for a refused connection is the one handled."""
    monkeypatch.setattr(services, "_broker_unavailable_until", 0.0)
    probe_app = Celery("probe", broker=f"redis://127.0.0.1:{closed_port()}/0", set_as_current=False)
    probe_app.conf.broker_connection_timeout = 1

    @probe_app.task(name="tests.outbox.probe")
    def probe(**kwargs):
        return kwargs

    assert task_send(task=probe, kwargs={"n": 1}) is False
    pending = PendingTask.objects.get()
    assert (pending.task, pending.kwargs) == ("tests.outbox.probe", {"n": 1})
    assert "OperationalError" in pending.last_error


def test_with_eager_tasks_the_task_runs_at_once_and_nothing_is_stored(student):
    enrollment, _ = enrollment_create(user=student, course=make_course(lessons=1))
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED)
    assert task_send(task=certificate_issue_task, kwargs={"enrollment_id": enrollment.pk}) is True
    assert Certificate.objects.filter(enrollment=enrollment).exists()
    assert not PendingTask.objects.exists()


def test_a_stored_task_nobody_knows_is_kept_and_skipped(broker):
    PendingTask.objects.create(task="gone.tasks.renamed", kwargs={})
    PendingTask.objects.create(task=send_receipt_task.name, kwargs={"order_id": 0})
    broker.come_back()
    assert outbox_flush() == 1
    left = PendingTask.objects.get()
    assert (left.task, left.attempts, left.last_error) == ("gone.tasks.renamed", 1, "no such task is registered")


def test_broker_and_database_both_down_is_logged_not_raised(broker, monkeypatch, caplog):
    def no_database(**fields):
        raise DatabaseError("the database is down too")

    monkeypatch.setattr(PendingTask.objects, "create", no_database)
    with caplog.at_level(logging.ERROR, logger="outbox.services"):
        assert task_send(task=send_receipt_task, kwargs={"order_id": 7}) is False
    assert "task lost: payments.commerce.tasks.send_receipt_task({'order_id': 7})" in caplog.text


def _site_transport_app(broker_url: str) -> Celery:
    probe_app = Celery("probe-transport", broker=broker_url, set_as_current=False)
    probe_app.conf.broker_transport = "config.celery_broker:Transport"
    probe_app.conf.broker_connection_timeout = 1
    return probe_app


def test_the_site_transport_publishes_every_task_through_one_client(monkeypatch):
    """config/celery_broker.py: each publish reaches the queue, and the channel builds one
    Redis client for all of them (kombu's own builds one per publish)."""
    import os
    import uuid

    import redis as redis_py
    from kombu.transport import redis as kombu_redis

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: run with REDIS_URL=redis://…")
    probe_app = _site_transport_app(url)
    queue = f"tests-transport-{uuid.uuid4().hex}"
    probe_app.conf.task_default_queue = queue
    built = []
    original = kombu_redis.Channel._create_client

    def counted(channel, asynchronous=False):
        built.append(asynchronous)
        return original(channel, asynchronous)

    monkeypatch.setattr(kombu_redis.Channel, "_create_client", counted)

    @probe_app.task(name="tests.outbox.transport_probe")
    def probe(**kwargs):
        return kwargs

    for n in range(3):
        assert task_send(task=probe, kwargs={"n": n}) is True
    assert built.count(False) == 1  # (the channel's own asynchronous client aside)
    client = redis_py.Redis.from_url(url)
    try:
        assert client.llen(queue) == 3
    finally:
        client.delete(queue)


def test_the_site_transport_reports_an_unreachable_broker_as_kombu_does(monkeypatch):
    monkeypatch.setattr(services, "_broker_unavailable_until", 0.0)
    probe_app = _site_transport_app(f"redis://127.0.0.1:{closed_port()}/0")

    @probe_app.task(name="tests.outbox.transport_probe_down")
    def probe(**kwargs):
        return kwargs

    assert task_send(task=probe, kwargs={"n": 1}) is False
    assert "OperationalError" in PendingTask.objects.get().last_error
