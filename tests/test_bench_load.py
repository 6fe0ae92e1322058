"""bench/load.py's one-shot requests: what its setup code builds in the database is accepted
once by the real endpoints (a quiz submit, a signed PayStack webhook), and the pool hands
each request to one wrk thread only, taking back what a run did not send."""

import contextlib
import io
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command

from bench.load import (
    QUIZ_SETUP,
    SETUP,
    THREADS,
    WEBHOOK_SETUP,
    Pool,
    percentile,
    pool_script,
    rotate_script,
    think_run,
    warm_up_rotation,
)
from coursepages.models import CoursePage
from learners.models import Enrollment, QuizAttempt
from payments.models import LedgerEntry, Order, Payment, WebhookEvent

pytestmark = pytest.mark.django_db


def run_setup(code: str, **params) -> dict:
    """What load.py's run_setup does through `manage.py shell -c`, in this process."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code.replace("__PARAMS__", json.dumps(params)), {})  # noqa: S102 - the bench's own code
    return json.loads(re.search(r"^BENCH (.*)$", out.getvalue(), re.M).group(1))


def quiz_block_id() -> str:
    course = CoursePage.objects.get(slug="python-for-beginners")
    lesson = next(lesson for lesson in course.lessons() if any(b.block_type == "quiz" for b in lesson.body))
    return next(block.id for block in lesson.body if block.block_type == "quiz")


def test_each_prepared_quiz_submit_passes_once(client):
    call_command("seed_demo", stdout=io.StringIO())
    block_id = quiz_block_id()
    entries = run_setup(QUIZ_SETUP, count=2, tag="t", block_id=block_id)["entries"]
    assert len({e["attempt_id"] for e in entries}) == 2
    for entry in entries:

        def submit(entry=entry):
            return client.post(
                f"/api/v1/quizzes/{block_id}/submit/",
                content_type="application/json",
                data={"attempt_id": entry["attempt_id"], "answers": entry["answers"]},
                headers={"Authorization": f"Bearer {entry['token']}"},
            )

        response = submit()
        assert response.status_code == 200, response.content
        assert (response.json()["status"], response.json()["passed"]) == ("submitted", True)
        assert submit().status_code == 409  # an attempt is consumed by its submit
    assert QuizAttempt.objects.filter(pk__in=[e["attempt_id"] for e in entries], passed=True).count() == 2


def test_each_prepared_webhook_settles_one_order(client, settings, django_capture_on_commit_callbacks):
    settings.PAYSTACK_SECRET_KEY = "sk_test_bench_load"
    call_command("seed_demo", stdout=io.StringIO())
    paid_before = Order.objects.filter(status=Order.Status.PAID).count()
    ledger_before = LedgerEntry.objects.count()
    entries = run_setup(WEBHOOK_SETUP, count=2, tag="t", first_id=900_000_000)["entries"]
    for entry in entries:

        def deliver(entry=entry):
            return client.post(
                "/api/v1/payments/webhook/paystack/",
                data=entry["body"],
                content_type="application/json",
                headers={"x-paystack-signature": entry["signature"]},
            )

        with django_capture_on_commit_callbacks(execute=True):  # the ledger task follows the commit
            assert deliver().json()["detail"].endswith(" paid")
        assert deliver().json()["detail"] == "Already received."
    orders = Order.objects.filter(user__email__startswith="bench-buyer-t-")
    assert orders.count() == 2 and Order.objects.filter(status=Order.Status.PAID).count() == paid_before + 2
    assert Payment.objects.filter(order__in=orders).count() == 2
    assert Enrollment.objects.filter(user__email__startswith="bench-buyer-t-", source="payment").count() == 2
    assert LedgerEntry.objects.count() > ledger_before
    assert WebhookEvent.objects.filter(event_id__in=["900000000", "900000001"], deliveries=2).count() == 2


def test_the_pool_deals_each_request_to_one_thread_and_takes_back_the_unsent(tmp_path):
    built = []

    def build(count, first):
        made = [
            {"path": "/x/", "body": f'{{"n": {first + i}}}', "headers": {"X-N": str(first + i)}} for i in range(count)
        ]
        built.extend(made)
        return made

    pool = Pool(build, "test")
    entries = pool.take(6)
    script = pool_script(entries, host="127.0.0.1:1", folder=tmp_path)
    slices = [(tmp_path / f"slice-{t}.txt").read_text().splitlines() for t in range(THREADS)]
    assert sorted(line.split("\t")[1] for lines in slices for line in lines) == sorted(e["body"] for e in entries)
    assert all(line.split("\t")[2] == "Host: 127.0.0.1:1" for lines in slices for line in lines)
    assert str(tmp_path / "slice-0.txt") in script
    pool.give_back(entries, sent=[1] * THREADS)  # each thread sent its first request only
    sent = {entries[t]["body"] for t in range(THREADS)}
    assert {e["body"] for e in pool.entries} == {e["body"] for e in entries} - sent
    again = pool.take(6)  # the four unsent first, then two new ones
    assert {e["body"] for e in again[:4]} == {e["body"] for e in entries} - sent
    assert pool.built == len(built) == 8


def test_the_lesson_rows_students_open_random_lessons_as_themselves(client, tmp_path, settings):
    settings.ROOT_URLCONF = "tests.bench_urls"  # the /bench/ views, as on the server load.py starts
    call_command("seed_demo", stdout=io.StringIO())
    facts = run_setup(SETUP, lessons=12, learners=3)
    assert len(facts["lesson_urls"]) == 12 and len(set(facts["learner_cookies"])) == 3
    script = rotate_script({"paths": facts["lesson_urls"], "cookies": facts["learner_cookies"]})
    assert all(json.dumps(url) in script for url in facts["lesson_urls"])
    for cookie, url in zip(facts["learner_cookies"], facts["lesson_urls"][::5], strict=False):
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
        response = client.get(url)
        assert response.status_code == 200 and response.context["can_track"] is True
    # The signed-in baseline loads the user of the session, and only that.
    assert client.get("/bench/bare-signed-in/").content.decode() == f"ok {client.session['_auth_user_id']}"
    client.cookies.clear()
    assert client.get("/bench/bare-signed-in/").content.decode() == "ok "


def test_a_run_past_the_end_of_its_pool_is_run_again_with_a_larger_pool(monkeypatch):
    """A run that sent a request the pool could not supply (a 404) is not a clean number: it is
    run again with the pool sized from the rate it reached, and says how often it was."""
    import bench.load as load

    runs = []

    def fake_wrk(url, *, duration, connections, think=False, pool=None, **_):
        taken = pool.take(pool.needed(duration=duration, connections=connections, think=think))
        runs.append(len(taken))
        exhausted = 500 if len(runs) == 1 else 0
        return {"exhausted": exhausted, "rps": (len(taken) + exhausted) / duration, "requests": len(taken)}

    monkeypatch.setattr(load, "wrk", fake_wrk)
    pool = Pool(
        lambda count, first: [{"path": "/x/", "body": str(first + i), "headers": {}} for i in range(count)], "t"
    )
    pool.rate = 10
    result = load.pool_run("http://127.0.0.1:1/x/", pool, duration=10, connections=4, think=False)
    assert result["reruns"] == 1 and result["exhausted"] == 0
    assert runs[1] > runs[0] and pool.rate > 10


def test_a_pool_that_keeps_running_out_is_reported_as_such(monkeypatch):
    import bench.load as load

    calls = []

    def fake_wrk(url, **kwargs):
        calls.append(kwargs)
        return {"exhausted": 7, "rps": 100.0, "requests": 100}

    monkeypatch.setattr(load, "think_run", fake_wrk)  # the users run (think) goes through think_run
    pool = Pool(lambda count, first: [], "t")
    result = load.pool_run("http://127.0.0.1:1/x/", pool, duration=10, connections=4, think=True)
    assert len(calls) == 1 + load.RERUNS and result["exhausted"] == 7 and result["reruns"] == load.RERUNS


@contextlib.contextmanager
def recording_server(first_request_seconds: float = 0.0):
    """A keep-alive HTTP server on a free port recording each request (connection, method, path,
    headers, body); the first request of each connection takes `first_request_seconds`, and a
    path ending in /teapot/ is answered 418."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_one_request(self):
            self.served = getattr(self, "served", 0)
            super().handle_one_request()

        def _answer(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            seen.append(
                {
                    "connection": id(self),
                    "first": self.served == 0,
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                }
            )
            if self.served == 0:
                time.sleep(first_request_seconds)
            self.served += 1
            status = 418 if self.path.endswith("/teapot/") else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_PUT = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_users_run_warms_each_connection_before_measuring(db):
    """think_run: every connection's first request is sent before measuring starts and is not
    measured (here it takes 0.4 s; the measured ones take none); then each user pauses between
    requests, each request a random path and cookie of `rotate`, with the method, body and the
    other headers as given."""
    with recording_server(first_request_seconds=0.4) as (base, seen):
        result = think_run(
            f"{base}/api/v1/lessons/1/progress/",
            duration=1.5,
            connections=4,
            method="PUT",
            body='{"time_spent_delta": 15}',
            headers=["Cookie: sessionid=x", "X-CSRFToken: t", "Content-Type: application/json"],
            rotate={"paths": ["/a/", "/b/"], "cookies": ["sessionid=s1; csrftoken=c", "sessionid=s2; csrftoken=c"]},
            think=(0.05, 0.1),
        )
    connections = {request["connection"] for request in seen}
    assert len(connections) == 4 and sum(request["first"] for request in seen) == 4
    assert result["requests"] == len(seen) - 4 > 4 and result["errors"] == result["non2xx"] == 0
    assert result["p95"] < 300  # the 0.4 s warm-ups are not among the measured
    # Each connection thinks at least 0.05 s between requests: at most duration / 0.05 each.
    assert result["requests"] <= 4 * (1.5 / 0.05)
    assert {request["path"] for request in seen} == {"/a/", "/b/"}
    assert {request["headers"]["Cookie"] for request in seen} == {
        "sessionid=s1; csrftoken=c",
        "sessionid=s2; csrftoken=c",
    }
    assert all(
        request["method"] == "PUT"
        and request["body"] == '{"time_spent_delta": 15}'
        and request["headers"]["X-CSRFToken"] == "t"
        for request in seen
    )


def test_a_users_run_counts_refusals_and_sends_each_pool_entry_once(db):
    """A pool's entries in a users run: each sent once (the warm-ups too, unmeasured), what
    was not sent goes back to the pool; a non-2xx answer counts; past the end of the pool
    nothing is sent and the run says how often it ran out."""
    made = []

    def build(count, first):
        entries = [{"path": f"/one-shot/{first + i}/", "body": f"{first + i}", "headers": {}} for i in range(count)]
        made.extend(entries)
        return entries

    pool = Pool(build, "t")
    with recording_server() as (base, seen):
        result = think_run(f"{base}/one-shot/", duration=1, connections=3, pool=pool, think=(0.4, 0.5))
        # Taken: what a users run needs (a request per connection per 0.5 s) and the warm-ups.
        assert result["requests"] > 0 and len(made) == pool.needed(duration=1, connections=3, think=True) + 3
        paths = [request["path"] for request in seen]
        assert len(paths) == len(set(paths)) == result["requests"] + 3
        assert {entry["path"] for entry in pool.entries} == {entry["path"] for entry in made} - set(paths)
        assert result["exhausted"] == 0 and result["sent"] == [result["requests"]]
        short = Pool(lambda count, first: [], "t")
        short.entries = [{"path": f"/x/{n}/teapot/", "body": "b", "headers": {}} for n in range(5)]
        short.needed = lambda **_: 2  # what the pool holds: 3 warm-ups and 2 measured
        ran_out = think_run(f"{base}/x/", duration=1, connections=3, pool=short, think=(0.05, 0.1))
    assert ran_out["requests"] == 2 and ran_out["non2xx"] == 2 and ran_out["exhausted"] > 0
    assert ran_out["sent"] == [2 + ran_out["exhausted"]] and short.entries == []


def test_percentile_is_the_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert (percentile(samples, 0.5), percentile(samples, 0.95), percentile([], 0.95)) == (50.0, 95.0, 0.0)
    assert percentile([3.0], 0.95) == 3.0


def test_a_rotating_rows_warm_up_sends_each_path_rounds_times_on_new_connections(db):
    """Each request on its own connection: a kept-alive connection stays with one gunicorn
    worker, and the warm-up must reach them all."""
    rotate = {"paths": ["/a/", "/b/", "/c/teapot/"], "cookies": ["sessionid=s1", "sessionid=s2"]}
    with recording_server() as (base, seen):
        refused = warm_up_rotation(
            f"{base}/a/", rotate, method="PUT", body="{}", headers=["X-CSRFToken: t", "Cookie: sessionid=x"], rounds=4
        )
    assert refused == 4  # the teapot path, each round
    assert sorted(request["path"] for request in seen) == sorted(rotate["paths"] * 4)
    assert len(seen) == 12 and all(request["first"] for request in seen)  # each its connection's first
    assert all(request["headers"]["Connection"] == "close" for request in seen)
    assert all(
        request["method"] == "PUT" and request["body"] == "{}" and request["headers"]["X-CSRFToken"] == "t"
        for request in seen
    )
    assert {request["headers"]["Cookie"] for request in seen} <= set(rotate["cookies"])


def test_cpu_snapshots_count_a_sessions_processes_as_the_app(tmp_path):
    """bench/cpu.py: the CPU a process of the app server's session burns is the app's, read
    from /proc; the command in /proc/<pid>/stat may hold spaces and parentheses."""
    import subprocess
    import sys

    from bench import cpu

    assert cpu.stat_fields("12 (a (b) c) S 1 2 3 4")[0] == "a (b) c"
    assert cpu.stat_fields("12 (a (b) c) S 1 2 3 4")[1][:2] == ["S", "1"]
    burn = "import sys, time\nt = time.process_time()\nwhile time.process_time() - t < 1: pass\nsys.stdin.read()"
    burner = subprocess.Popen([sys.executable, "-c", burn], stdin=subprocess.PIPE, start_new_session=True)
    try:
        before = cpu.snapshot(burner.pid)
        deadline = time.monotonic() + 30
        while cpu.snapshot(burner.pid).seconds["app"] - before.seconds["app"] < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        after = cpu.snapshot(burner.pid)
    finally:
        burner.communicate(b"")
    used = cpu.per_request(before, after, requests=100)
    assert used["app"] >= 3.0  # 0.3 s over 100 requests, at least
    assert used["total"] >= used["app"] * 0.9  # the machine's busy time holds the app's
    assert set(used) == {"app", "postgres", "redis", "wrk", "other", "total"}
    assert cpu.per_request(before, after, requests=0) is None


def test_cpu_per_request_counts_each_process_between_the_snapshots():
    """A process that ended between the snapshots (a set-up backend closed during the run) takes
    nothing away from its group; one that started meanwhile counts all it used; wrk's exited
    children count as before."""
    from bench import cpu

    before = cpu.Snapshot(
        seconds={"app": 1.0, "postgres": 9.0, "redis": 0.0, "wrk": 0.5, "other": 0.0},
        machine=100.0,
        processes={1: ("app", 1.0), 2: ("postgres", 8.0), 3: ("postgres", 1.0)},
        children=0.5,
    )
    after = cpu.Snapshot(  # pid 2 ended; pid 4, a new backend, started
        seconds={"app": 3.0, "postgres": 2.5, "redis": 0.0, "wrk": 1.5, "other": 0.0},
        machine=106.0,
        processes={1: ("app", 3.0), 3: ("postgres", 2.0), 4: ("postgres", 0.5)},
        children=1.5,
    )
    used = cpu.per_request(before, after, requests=1000)
    assert used["app"] == pytest.approx(2.0) and used["postgres"] == pytest.approx(1.5)
    assert used["wrk"] == pytest.approx(1.0) and used["total"] == pytest.approx(6.0)
    assert used["other"] == pytest.approx(1.5)


def test_the_readme_load_block_is_replaced_up_to_its_own_end_marker_only():
    from bench.load import LOAD_END, LOAD_START, with_load_table

    text = f"# B\n{LOAD_START}\nold table\n{LOAD_END}\n\n## Later\nthe run under `{LOAD_END}` above, C:\\x\n"
    written = with_load_table(text, "new table \\1")
    assert written.startswith(f"# B\n{LOAD_START}\nnew table \\1\n")
    assert "old table" not in written
    assert written.endswith(f"{LOAD_END}\n\n## Later\nthe run under `{LOAD_END}` above, C:\\x\n")
    appended = with_load_table("# B\n", "t")
    assert appended.startswith(f"# B\n\n{LOAD_START}\nt\n") and appended.endswith(f"{LOAD_END}\n")
