"""Where a signed-in request's time goes: cProfile of the signed-in bare view
(`/bench/bare-signed-in/`: session and user loaded, nothing else) run in-process through
Django's handler (no gunicorn, no HTTP parsing), with the production settings on PostgreSQL and
Redis, as bench/load.py runs them. Prints the top functions by own time and by cumulative
time, and the SQL queries and cache calls of one request.

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
profile = cProfile.Profile()
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
