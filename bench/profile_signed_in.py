"""Where a signed-in request's time goes: cProfile of the signed-in bare view
(`/bench/bare-signed-in/`: session and user loaded, nothing else) run in-process through
Django's handler (no gunicorn, no HTTP parsing), with the production settings on PostgreSQL and
Redis, as bench/load.py runs them. Prints the wall and CPU time per request, the top
functions by own and cumulative CPU time, and the SQL queries and cache calls of one request.

    .venv/bin/python bench/profile_signed_in.py [--requests 2000]
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
import cProfile, io, pstats
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.factories import make_user
user = make_user(email="profile@example.test")
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(user)
for _ in range(50):  # warm: connections, templates, URL resolver
    assert client.get("/bench/bare-signed-in/").status_code == 200
calls = []
original_get = cache.get
def counted_get(*args, **kwargs):
    calls.append(args[0])
    return original_get(*args, **kwargs)
cache.get = counted_get
with CaptureQueriesContext(connection) as queries:
    client.get("/bench/bare-signed-in/")
cache.get = original_get
print(f"ONE REQUEST: {len(queries)} queries: {[q['sql'][:90] for q in queries.captured_queries]}; cache.get x{len(calls)}")
import time
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCacheClient
from core.cache import ReusedClientRedisCacheClient

def per_request(n):
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        client.get("/bench/bare-signed-in/")
    return (time.perf_counter() - wall) / n * 1000, (time.process_time() - cpu) / n * 1000

# Django's Redis client (a new redis.Redis per call) against the kept one, interleaved.
backend = caches["default"]
results = {"django": [], "kept": []}
for _ in range(3):
    for name, klass in (("django", RedisCacheClient), ("kept", ReusedClientRedisCacheClient)):
        backend._class = klass
        backend.__dict__.pop("_cache", None)
        results[name].append(per_request(__N__ // 4))
for name, runs in results.items():
    cpu = sorted(run[1] for run in runs)[1]
    wall = sorted(run[0] for run in runs)[1]
    print(f"UNPROFILED {name} cache client: median of 3 runs {wall:.2f} ms wall, {cpu:.2f} ms CPU per request")
# CPU time, not wall time: on a shared machine waits for a core would swamp the profile.
profile = cProfile.Profile(time.process_time)
profile.enable()
for _ in range(__N__):
    client.get("/bench/bare-signed-in/")
profile.disable()
for order in ("tottime", "cumulative"):
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(order).print_stats(25)
    print(f"BY {order.upper()}\n" + out.getvalue())
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    options = parser.parse_args()
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="lectern-profile-")))
    cluster.env.pop("AWS_STORAGE_BUCKET_NAME")
    cluster.env["BENCH_VIEWS"] = "true"
    cluster.env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", cluster.env["REDIS_URL"])
    try:
        cluster.create_database()
        log("migrating")
        cluster.manage("migrate", "--noinput")
        log(f"profiling {options.requests} signed-in requests")
        print(cluster.manage("shell", "-c", PROFILE.replace("__N__", str(options.requests))))
    finally:
        cluster.stop()
        redis_forget(cluster.env)


if __name__ == "__main__":
    main()
