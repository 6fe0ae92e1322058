"""A school day: a mixed load of simulated students on one app server (gunicorn 4×4 threads,
production settings, PostgreSQL, Redis; the set-up of bench/load.py, whose helpers it imports),
ramped in steps, reported per step and per endpoint.

    .venv/bin/python bench/school_day.py [--steps 50,100,150,200,250,300] [--duration 20] [--scale 10] [--warm-up 10]

Each simulated user is a thread with its own requests.Session and its own student (session
cookie, CSRF token). Every "tick" (30 s of a real student's time) it sends a progress
heartbeat for the lesson it is on, opens a lesson page with probability 0.5 (a random lesson
of a 200-lesson course), browses the catalog (0.1), submits a quiz (0.05: a one-shot open
attempt with the right answers, API with a JWT, from bench/load.py's quiz pool), opens the
checkout of a paid course (0.01) and triggers a PayStack charge.success webhook (0.01: a
one-shot signed delivery for a pending order, from bench/load.py's webhook pool); and signs
in with a password (0.02; a fresh session: the login form, then the POST). Sign-ins are held
under 25 a minute over the whole run: allauth allows 30 a minute per IP and every simulated
user is 127.0.0.1.

--scale S divides the think time: a tick lasts 30/S s, so one simulated user sends the
requests of S real students (per real student: 1.67 requests per 30 s, 0.056 req/s). Users
start spread over a tick; a step keeps the users of the step before and adds the rest.

Over each step it also reads: the CPU time of the gunicorn processes (/proc/<pid>/stat
utime+stime), PostgreSQL's committed transactions of the bench database
(pg_stat_database.xact_commit), Redis commands (INFO commandstats, the whole server: run it
on an otherwise idle Redis) and the Celery tasks queued on the broker (no worker runs), each
divided by the requests of the step. The client runs on the same 2 cores as the server."""

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cluster import DB_NAME, Cluster, log, wait_for  # noqa: E402
from bench.load import PORT, SETUP, quiz_pool, redis_forget, run_setup, webhook_pool  # noqa: E402

TICK = 30.0  # a real student's heartbeat interval, seconds
MIX = {"lesson page": 0.5, "catalog": 0.1, "quiz submit": 0.05, "checkout": 0.01, "webhook": 0.01, "sign-in": 0.02}
PER_TICK = 1 + sum(MIX.values()) + MIX["sign-in"]  # the heartbeat, and sign-in is two requests
SIGN_INS_PER_MINUTE = 25
# Demo students with known passwords (accounts/demo.py DEMO_USERS).
STUDENTS = [("sipho@lectern.local", "lectern-student"), ("lerato@lectern.local", "lectern-student")]
PAID_COURSE = r"""
from coursepages.models import CoursePage
print("BENCH " + str(CoursePage.objects.get(slug="django-web-development").pk))
"""


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = collections.defaultdict(list)
        self.errors = collections.Counter()

    def timed(self, name, session, method, url, ok=(200,), **kwargs):
        start = time.perf_counter()
        try:
            response = session.request(method, url, allow_redirects=False, timeout=30, **kwargs)
            good = response.status_code in ok
        except requests.RequestException:
            response, good = None, False
        ms = (time.perf_counter() - start) * 1000
        with self.lock:
            self.times[name].append(ms)
            if not good:
                self.errors[name] += 1
        return response

    def take(self):
        with self.lock:
            times, errors = self.times, self.errors
            self.times, self.errors = collections.defaultdict(list), collections.Counter()
        return times, errors


class OneShots:
    """A bench/load.py pool's requests, each handed out once across threads."""

    def __init__(self, entries):
        self.entries = entries
        self.lock = threading.Lock()

    def pop(self):
        with self.lock:
            return self.entries.pop() if self.entries else None


class SignInGate:
    def __init__(self, per_minute):
        self.interval = 60.0 / per_minute
        self.next = 0.0
        self.lock = threading.Lock()

    def allow(self):
        with self.lock:
            now = time.monotonic()
            if now < self.next:
                return False
            self.next = now + self.interval
            return True


def student(n, *, base, facts, tick, record, quizzes, webhooks, gate, paid_course, stop):
    rng = random.Random(n)
    cookie = facts["learner_csrf_cookies"][n % len(facts["learner_csrf_cookies"])]
    session = requests.Session()
    session.headers["Cookie"] = cookie
    lesson = rng.randrange(len(facts["lesson_ids"]))
    stop.wait(rng.uniform(0, tick))
    while not stop.is_set():
        started = time.monotonic()
        record.timed(
            "heartbeat",
            session,
            "PUT",
            f"{base}/api/v1/lessons/{facts['lesson_ids'][lesson]}/progress/",
            data=json.dumps({"time_spent_delta": 30}),
            headers={"X-CSRFToken": facts["csrf_token"], "Content-Type": "application/json"},
        )
        if rng.random() < MIX["lesson page"]:
            lesson = rng.randrange(len(facts["lesson_ids"]))
            record.timed("lesson page", session, "GET", base + facts["lesson_urls"][lesson])
        if rng.random() < MIX["catalog"]:
            record.timed("catalog", session, "GET", f"{base}/courses/")
        if rng.random() < MIX["quiz submit"] and (entry := quizzes.pop()):
            record.timed(
                "quiz submit", requests, "POST", base + entry["path"], data=entry["body"], headers=entry["headers"]
            )
        if rng.random() < MIX["checkout"]:
            record.timed("checkout", session, "GET", f"{base}/payments/checkout/?course={paid_course}")
        if rng.random() < MIX["webhook"] and (entry := webhooks.pop()):
            record.timed(
                "webhook", requests, "POST", base + entry["path"], data=entry["body"], headers=entry["headers"]
            )
        if rng.random() < MIX["sign-in"] and gate.allow():
            email, password = rng.choice(STUDENTS)
            fresh = requests.Session()
            form = record.timed("sign-in form", fresh, "GET", f"{base}/accounts/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text if form is not None else "")
            record.timed(
                "sign-in (POST)",
                fresh,
                "POST",
                f"{base}/accounts/login/",
                ok=(302,),
                data={"login": email, "password": password, "csrfmiddlewaretoken": token.group(1) if token else ""},
                headers={"Referer": f"{base}/accounts/login/"},
            )
        stop.wait(max(0.0, tick * rng.uniform(0.8, 1.2) - (time.monotonic() - started)))


def process_cpu_seconds(pid) -> float:
    """utime+stime of pid and its children (gunicorn's master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    pids += [int(child) for child in children]
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def xact_commit(database) -> int:
    output = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tA", "-c"]
        + [f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{database}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(output.strip() or 0)


def redis_commands(client) -> int:
    return sum(value["calls"] for key, value in client.info("commandstats").items() if key != "cmdstat_info")


def counters(pid, database, client, queue) -> dict:
    time.sleep(1.0)  # PostgreSQL flushes its statistics about once a second
    return {
        "cpu": process_cpu_seconds(pid),
        "xact": xact_commit(database),
        "redis": redis_commands(client),
        "tasks": client.llen(queue),
    }


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", default="50,100,150,200,250,300", help="simulated users per step, comma-separated")
    parser.add_argument("--duration", type=int, default=20, help="seconds per step")
    parser.add_argument("--warm-up", type=int, default=10, help="untimed seconds of load before the first step")
    parser.add_argument("--scale", type=float, default=10.0, help="think time divided by this (tick = 30/scale s)")
    options = parser.parse_args()
    steps = [int(step) for step in options.steps.split(",")]
    tick = TICK / options.scale

    workdir = Path(tempfile.mkdtemp(prefix="lectern-bench-day-"))
    cluster = Cluster(workdir)
    cluster.env.pop("AWS_STORAGE_BUCKET_NAME")
    cluster.env["BENCH_VIEWS"] = "true"
    cluster.env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", cluster.env["REDIS_URL"])
    cluster.env["PAYSTACK_SECRET_KEY"] = f"sk_test_bench_{os.urandom(8).hex()}"  # webhook_pool signs with it
    client = redis.Redis.from_url(cluster.env["REDIS_URL"])
    rows = []
    stop = threading.Event()
    threads = []
    try:
        cluster.create_database()
        log("migrating, seeding the demo and a course of 200 lessons")
        cluster.manage("migrate", "--noinput")
        cluster.manage("collectstatic", "--noinput")
        cluster.manage("seed_demo")
        facts = run_setup(cluster, SETUP, lessons=200, learners=min(max(steps), 200))
        paid_course = int(re.search(r"^BENCH (\d+)$", cluster.manage("shell", "-c", PAID_COURSE), re.M).group(1))
        # One-shot requests: what the whole run can use, with a margin.
        user_seconds = sum(steps) * options.duration
        _, quiz = quiz_pool(cluster, facts["quiz_block_id"])
        _, webhook = webhook_pool(cluster)
        quizzes = OneShots(quiz.take(int(user_seconds / tick * MIX["quiz submit"] * 1.5) + 20))
        webhooks = OneShots(webhook.take(int(user_seconds / tick * MIX["webhook"] * 1.5) + 20))
        gunicorn = cluster.start(
            "gunicorn",
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{PORT}"]
            + ["--workers", "4", "--threads", "4", "config.wsgi"],
        )
        base = f"http://127.0.0.1:{PORT}"
        wait_for(f"{base}/healthz")
        record = Recorder()
        gate = SignInGate(SIGN_INS_PER_MINUTE)
        for step in steps:
            for n in range(len(threads), step):
                thread = threading.Thread(
                    target=student,
                    args=(n,),
                    kwargs={
                        "base": base,
                        "facts": facts,
                        "tick": tick,
                        "record": record,
                        "quizzes": quizzes,
                        "webhooks": webhooks,
                        "gate": gate,
                        "paid_course": paid_course,
                        "stop": stop,
                    },
                    daemon=True,
                )
                thread.start()
                threads.append(thread)
            # The new users' first tick spreads them out; before the first step, --warm-up
            # seconds more of untimed load (first connections, cold caches).
            stop.wait(tick + (options.warm_up if step == steps[0] else 0))
            record.take()
            before = counters(gunicorn.pid, DB_NAME, client, cluster.env["CELERY_QUEUE"])
            started = time.monotonic()
            stop.wait(options.duration)
            times, errors = record.take()
            seconds = time.monotonic() - started
            after = counters(gunicorn.pid, DB_NAME, client, cluster.env["CELERY_QUEUE"])
            total = sum(len(values) for values in times.values()) or 1
            row = {
                "users": step,
                "seconds": seconds,
                "requests": total,
                "endpoints": {
                    name: {
                        "requests": len(values),
                        "rps": len(values) / seconds,
                        "p50": percentile(values, 0.5),
                        "p95": percentile(values, 0.95),
                        "errors": errors[name],
                    }
                    for name, values in sorted(times.items())
                },
                "cpu_ms": (after["cpu"] - before["cpu"]) * 1000 / total,
                "xact": (after["xact"] - before["xact"]) / total,
                "redis": (after["redis"] - before["redis"]) / total,
                "tasks": (after["tasks"] - before["tasks"]) / total,
            }
            rows.append(row)
            worst = max(row["endpoints"].values(), key=lambda e: e["p95"])
            log(
                f"{step} users: {total / seconds:.0f} req/s, worst p95 {worst['p95']:.0f} ms, "
                f"{sum(errors.values())} errors, {row['cpu_ms']:.1f} CPU ms/req"
            )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=35)
        cluster.stop()
        redis_forget(cluster.env)
    report(rows, options, tick)


def report(rows, options, tick):
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores (client included): "
        f"gunicorn 4×4 threads, PostgreSQL, Redis, production settings; {options.duration} s per step; "
        f"--scale {options.scale:g} (a tick of {tick:.1f} s stands for 30 s: one simulated user = "
        f"{options.scale:g} real students, {PER_TICK / TICK:.3f} req/s per real student).",
        "",
        "| users (sim) | endpoint | requests | req/s | p50 ms | p95 ms | errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        for name, e in row["endpoints"].items():
            lines.append(
                f"| {row['users']} | {name} | {e['requests']} | {e['rps']:.1f} | {e['p50']:.0f} | {e['p95']:.0f} "
                f"| {e['errors']} |"
            )
        lines.append(
            f"| {row['users']} | **all** | {row['requests']} | {row['requests'] / row['seconds']:.1f} | | | "
            f"{sum(e['errors'] for e in row['endpoints'].values())} |"
        )
    lines += [
        "",
        "| users (sim) | real students | req/s | app CPU ms/req | PG xact/req | Redis cmds/req | tasks queued/req |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row['users']} | {row['users'] * options.scale:.0f} | {row['requests'] / row['seconds']:.1f} | "
            f"{row['cpu_ms']:.1f} | {row['xact']:.2f} | {row['redis']:.2f} | {row['tasks']:.3f} |"
        )

    def good(row, skip=()):
        return all(e["p95"] < 200 and not e["errors"] for n, e in row["endpoints"].items() if n not in skip)

    held = [row["users"] for row in rows if good(row)]
    held_but_sign_in = [row["users"] for row in rows if good(row, skip=("sign-in (POST)",))]
    lines += [
        "",
        f"Largest step with p95 < 200 ms on every endpoint and no errors: {max(held) if held else 'none'} users; "
        f"leaving out the sign-in POST: {max(held_but_sign_in) if held_but_sign_in else 'none'} users.",
    ]
    print("\n".join(lines))
    print("JSON " + json.dumps(rows))


if __name__ == "__main__":
    main()
