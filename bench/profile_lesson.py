"""Where a lesson page's and a heartbeat's time goes: cProfile of one enrolled student
reloading one lesson of a 200-lesson course (the lesson row of bench/load.py), and of the
progress heartbeat (PUT, session and CSRF token), and of first beats of a lesson, run in-process through Django's handler (no
gunicorn, no HTTP parsing), with the production settings on PostgreSQL and Redis. Prints the
wall and CPU time per request, the SQL queries and cache reads of one request, and the top
functions by own and cumulative CPU time (`time.process_time`: on a shared machine wall time
is mostly waiting for a core).

    .venv/bin/python bench/profile_lesson.py [--requests 1000] [--only lesson|heartbeat|first-beat|moving] [--stats FILE]

first-beat: each request a student's first beat of a lesson (8 students, the 199 lessons they
have not opened: at most about 1,590 requests in all, warm-up and timing runs included).

moving (only with --only moving): each request a random student of 50 and a random lesson of
the 200, as the row "lesson pages, 50 students moving" of bench/load.py.

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
from bench.load import redis_forget  # noqa: E402

PROFILE = r"""
import cProfile, io, json, pstats, time
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from tests.factories import lessons_of, make_course, make_user
course = make_course(title="Profile course 200", lessons=200)
lessons = lessons_of(course)
student = make_user(email="profile-lesson@example.test")
enrollment_create(user=student, course=course)
for done in lessons[:20]:
    lesson_complete(context=learning_context_for(user=student, lesson=done))
client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
client.force_login(student)
lesson = lessons[100]
assert client.get(lesson.url).status_code == 200
csrf = client.cookies["csrftoken"].value
body = json.dumps({"time_spent_delta": 15})
# First beats: each request a student of 8's first beat in a lesson of the 200 (no progress row
# yet), in order, so none repeats (1,600 pairs; the row "heartbeats, 50 students moving" of
# bench/load.py is mostly these).
movers = []
for n in range(8 if "__ONLY__" in ("", "first-beat") else 0):
    mover = make_user(email=f"profile-mover-{n}@example.test")
    enrollment_create(user=mover, course=course)
    mover_client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    mover_client.force_login(mover)
    assert mover_client.get(lessons[0].url).status_code == 200  # its CSRF cookie, as the player has
    movers.append(mover_client)
first_beats = iter([(mover, page) for page in lessons[1:] for mover in movers])
# Moving: each request a random student of 50 and a random lesson of the 200 (the row "lesson
# pages, 50 students moving" of bench/load.py: mostly first visits, each student's outline with
# the lessons they have opened).
import random
walkers = []
for n in range(50 if "__ONLY__" == "moving" else 0):
    walker = make_user(email=f"profile-walker-{n}@example.test")
    enrollment_create(user=walker, course=course)
    walker_client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    walker_client.force_login(walker)
    walkers.append(walker_client)
walk = random.Random(7)
def moving():
    return walk.choice(walkers).get(walk.choice(lessons).url)
def first_beat():
    mover, page = next(first_beats)
    return mover.put(
        f"/api/v1/lessons/{page.pk}/progress/", body, content_type="application/json",
        HTTP_X_CSRFTOKEN=mover.cookies["csrftoken"].value,
    )
targets = {
    "lesson": lambda: client.get(lesson.url),
    "heartbeat": lambda: client.put(
        f"/api/v1/lessons/{lesson.pk}/progress/", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    ),
    "first-beat": first_beat,
    "moving": moving,
}
for name, request in targets.items():
    if ("__ONLY__" and name != "__ONLY__") or (name == "moving" and not walkers):
        continue
    for _ in range(50):  # warm: connections, templates, URL resolver, caches
        assert request().status_code == 200, name
    calls = []
    original = (cache.get, cache.get_many)
    def counted(method, label):
        def call(*args, **kwargs):
            calls.append(label)
            return method(*args, **kwargs)
        return call
    cache.get, cache.get_many = counted(original[0], "get"), counted(original[1], "get_many")
    with CaptureQueriesContext(connection) as queries:
        request()
    cache.get, cache.get_many = original
    print(f"== {name.upper()}: ONE REQUEST: {len(queries)} queries; cache reads: {calls}")
    for query in queries.captured_queries:
        print("   ", query["sql"][:150])
    runs = []
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(__N__ // 4):
            request()
        runs.append(((time.perf_counter() - wall) / (__N__ // 4) * 1000, (time.process_time() - cpu) / (__N__ // 4) * 1000))
    wall, cpu = sorted(runs)[1]
    print(f"UNPROFILED {name}: median of 3 runs {wall:.2f} ms wall, {sorted(r[1] for r in runs)[1]:.2f} ms CPU per request"
          f" (runs in order: {', '.join(f'{r[1]:.2f}' for r in runs)} ms)")
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(__N__):
        request()
    profile.disable()
    if "__STATS__":
        profile.dump_stats(f"__STATS__.{name}")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(30)
        print(f"{name.upper()} BY {order.upper()}\n" + out.getvalue())
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--only", choices=("lesson", "heartbeat", "first-beat", "moving"), default="")
    parser.add_argument("--stats", default="", help="also write each profile to STATS.<target> (pstats)")
    options = parser.parse_args()
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="lectern-profile-")))
    cluster.env.pop("AWS_STORAGE_BUCKET_NAME")
    cluster.env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", cluster.env["REDIS_URL"])
    try:
        cluster.create_database()
        log("migrating")
        cluster.manage("migrate", "--noinput")
        cluster.manage("collectstatic", "--noinput")  # production settings serve from the manifest
        log(f"profiling {options.requests} requests per target")
        code = (
            PROFILE.replace("__N__", str(options.requests))
            .replace("__ONLY__", options.only)
            .replace("__STATS__", options.stats)
        )
        print(cluster.manage("shell", "-c", code, timeout=1800))
    finally:
        cluster.stop()
        redis_forget(cluster.env)


if __name__ == "__main__":
    main()
