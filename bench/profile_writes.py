"""Where a quiz submit's and a PayStack webhook's time goes: cProfile of the two write rows of
bench/load.py, run in-process through Django's handler (no gunicorn, no HTTP parsing), with the
production settings on PostgreSQL and Redis (tasks published to this run's Celery queue, no
worker). Each request is one-shot, as in bench/load.py: a passing submit of a distinct open
attempt at the demo's three-question quiz (Bearer JWT), and PayStack's charge.success for a
distinct pending order (signed), built through the services first (bench/load.py's QUIZ_SETUP
and WEBHOOK_SETUP). Prints the wall and CPU time per request, the SQL queries of one request
(the after-commit work included, as it runs in the request), and the top functions by own and
cumulative CPU time (`time.process_time`: on a shared machine wall time is mostly waiting for a
core).

    .venv/bin/python bench/profile_writes.py [--requests 400] [--only quiz|webhook] [--stats FILE]

--stats writes each target's profile to FILE.<target> for pstats (callers, callees).
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cluster import Cluster, log  # noqa: E402
from bench.load import QUIZ_SETUP, WEBHOOK_SETUP, redis_forget  # noqa: E402

PROFILE = r"""
import contextlib, cProfile, io, json, pstats, time
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from coursepages.models import CoursePage

def built(setup, **params):
    # bench/load.py's setup snippets print "BENCH {entries}"; run one here and read its entries.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(setup.replace("__PARAMS__", json.dumps(params)), {"__name__": "bench_setup"})
    return json.loads(out.getvalue().split("BENCH ", 1)[1])["entries"]

def backend_cpu():
    # (pid, CPU seconds user + system) of this connection's PostgreSQL backend process, from
    # /proc (same machine): clock ticks of 10 ms, so read over many requests. The connection
    # is kept (CONN_MAX_AGE), so a run's requests share one backend (else the run reads nan).
    import os
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def backend_ms(before, after, count):
    return (after[1] - before[1]) / count * 1000 if before[0] == after[0] else float("nan")

N = __N__
COUNT = 20 + 3 * (N // 4) + 1 + N  # warm-up, 3 unprofiled runs, one counted, the profiled run
client = Client(HTTP_HOST="127.0.0.1")
free = CoursePage.objects.get(slug="python-for-beginners")
quiz_lesson = next(lesson for lesson in free.lessons() if any(block.block_type == "quiz" for block in lesson.body))
block_id = next(block.id for block in quiz_lesson.body if block.block_type == "quiz")

def quiz_requests():
    for e in built(__QUIZ_SETUP__, count=COUNT, tag="profile", block_id=block_id):
        yield lambda e=e: client.post(
            f"/api/v1/quizzes/{block_id}/submit/",
            json.dumps({"attempt_id": e["attempt_id"], "answers": e["answers"]}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {e['token']}",
        )

def webhook_requests():
    for e in built(__WEBHOOK_SETUP__, count=COUNT, tag="profile", first_id=800_000_000):
        yield lambda e=e: client.post(
            "/api/v1/payments/webhook/paystack/", e["body"], content_type="application/json",
            HTTP_X_PAYSTACK_SIGNATURE=e["signature"],
        )

targets = {"quiz": quiz_requests, "webhook": webhook_requests}
for name, make in targets.items():
    if "__ONLY__" and name != "__ONLY__":
        continue
    started = time.monotonic()
    requests = make()
    request = lambda: next(requests)()
    print(f"== {name.upper()}: {COUNT} one-shot requests built in {time.monotonic() - started:.0f} s")
    for _ in range(20):  # warm: connections, URL resolver, caches
        response = request()
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
    calls = []
    original = (cache.get, cache.get_many, cache.set, cache.incr, cache.delete, cache.count_in_window)
    def counted(method, label):
        def call(*args, **kwargs):
            calls.append(label)
            return method(*args, **kwargs)
        return call
    labels = ("get", "get_many", "set", "incr", "delete", "count_in_window")
    cache.get, cache.get_many, cache.set, cache.incr, cache.delete, cache.count_in_window = (
        counted(method, label) for method, label in zip(original, labels)
    )
    with CaptureQueriesContext(connection) as queries:
        response = request()
    cache.get, cache.get_many, cache.set, cache.incr, cache.delete, cache.count_in_window = original
    print(f"== {name.upper()}: ONE REQUEST (HTTP {response.status_code}): {len(queries)} queries; cache calls: {calls}")
    for query in queries.captured_queries:
        print("   ", query["sql"][:160])
    runs = []
    for _ in range(3):
        db = backend_cpu()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(N // 4):
            request()
        runs.append((
            (time.perf_counter() - wall) / (N // 4) * 1000,
            (time.process_time() - cpu) / (N // 4) * 1000,
            backend_ms(db, backend_cpu(), N // 4),
        ))
    print(f"UNPROFILED {name}: median of 3 runs {sorted(r[0] for r in runs)[1]:.2f} ms wall, "
          f"{sorted(r[1] for r in runs)[1]:.2f} ms CPU per request; "
          f"PostgreSQL backend {sorted(r[2] for r in runs)[1]:.2f} ms CPU per request")
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(N):
        request()
    profile.disable()
    if "__STATS__":
        profile.dump_stats(f"__STATS__.{name}")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(40)
        print(f"{name.upper()} BY {order.upper()}\n" + out.getvalue())
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--only", choices=("quiz", "webhook"), default="")
    parser.add_argument("--stats", default="", help="also write each profile to STATS.<target> (pstats)")
    options = parser.parse_args()
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="lectern-profile-")))
    cluster.env.pop("AWS_STORAGE_BUCKET_NAME")
    cluster.env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", cluster.env["REDIS_URL"])
    cluster.env["PAYSTACK_SECRET_KEY"] = f"sk_test_bench_{os.urandom(8).hex()}"  # WEBHOOK_SETUP signs with it
    try:
        cluster.create_database()
        log("migrating, seeding the demo")
        cluster.manage("migrate", "--noinput")
        cluster.manage("collectstatic", "--noinput")  # production settings serve from the manifest
        cluster.manage("seed_demo")
        log(f"profiling {options.requests} requests per target")
        code = (
            PROFILE.replace("__N__", str(options.requests))
            .replace("__ONLY__", options.only)
            .replace("__STATS__", options.stats)
            .replace("__QUIZ_SETUP__", repr(QUIZ_SETUP))
            .replace("__WEBHOOK_SETUP__", repr(WEBHOOK_SETUP))
        )
        print(cluster.manage("shell", "-c", code, timeout=3600))
    finally:
        cluster.stop()
        redis_forget(cluster.env)


if __name__ == "__main__":
    main()
