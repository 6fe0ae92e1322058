"""Load test: one app server (gunicorn, production settings) on PostgreSQL and Redis, load
from wrk on loopback, bounded in time. Every page is reported as p50/p95 latency, requests
per second and its throughput as a ratio of a bare Django view measured in the same run.

    .venv/bin/python bench/load.py [--duration 15] [--connections 50] [--write-readme]

Two loads per target:
- saturation: N connections with no pause (closed loop): the server's throughput;
- users: N connections each pausing 0.5-1.5 s between requests (wrk's delay()), i.e. N
  people clicking; DESIGN.md §9's "p95 under 200 ms at 50 concurrent users" is read here.

The anonymous catalog and course page rows are answered by the page cache
(coursepages/page_cache.py: X-Page-Cache: hit, no SQL), as anonymous visitors are in
production; run with --page-cache-seconds 0 to measure them rendered on every request.
Signed-in rows (the lesson page, the heartbeat) never use that cache."""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cluster import Cluster, log, wait_for  # noqa: E402

PORT = 8311
LUA_REPORT = """
{setup}
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"p50\\": %f, \\"p95\\": %f, \\"requests\\": %d, \\"seconds\\": %f, \\"errors\\": %d, \\"non2xx\\": %d}\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
"""
THINK = "function delay() return math.random(500, 1500) end"

SETUP = r"""
import json
from django.test import Client
from accounts.models import User
from coursepages.models import CoursePage, LessonPage
from learners.services import enrollment_create
from tests.factories import make_course, make_user
course = CoursePage.objects.filter(slug__startswith="course-").filter(title="Bench course 200").first()
if course is None:
    course = make_course(title="Bench course 200", lessons=200)
student = User.objects.filter(email="bench@example.test").first() or make_user(email="bench@example.test")
enrollment_create(user=student, course=course)
lesson = list(course.lessons())[100]
client = Client()
client.force_login(student)
session = client.cookies["sessionid"].value
free = CoursePage.objects.get(slug="python-for-beginners")
print("BENCH " + json.dumps({"session": session, "lesson_url": lesson.url, "lesson_id": lesson.pk,
                             "course_url": free.url}))
"""


def wrk(url, *, duration, connections, think=False, method="GET", body=None, headers=()):
    setup = []
    if method != "GET":
        setup.append(f'wrk.method = "{method}"')
    if body is not None:
        setup.append(f"wrk.body = {json.dumps(body)}")
    if think:
        setup.append(THINK)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA_REPORT.replace("{setup}", "\n".join(setup)))
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script.name]
    for header in headers:
        args += ["-H", header]
    output = subprocess.run([*args, url], capture_output=True, text=True, timeout=duration + 60).stdout
    os.unlink(script.name)
    match = re.search(r"^JSON (.*)$", output, re.M)
    if not match:
        raise RuntimeError(f"wrk gave no result for {url}:\n{output}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / result["seconds"] if result["seconds"] else 0
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--page-cache-seconds", type=int, default=None,
                        help="PAGE_CACHE_SECONDS of the server (default: the settings' default; 0 = off)")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="lectern-bench-"))
    cluster = Cluster(workdir)
    cluster.env.pop("AWS_STORAGE_BUCKET_NAME")
    cluster.env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    cluster.env["CONN_MAX_AGE"] = "60"
    if options.page_cache_seconds is not None:
        cluster.env["PAGE_CACHE_SECONDS"] = str(options.page_cache_seconds)
    rows = []
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                        f'CREATE DATABASE "{cluster.env["DATABASE_URL"].rsplit("/", 1)[1]}"'], check=True,
                       capture_output=True)
        log("migrating, seeding the demo and a course of 200 lessons")
        cluster.manage("migrate", "--noinput")
        cluster.manage("collectstatic", "--noinput")
        cluster.manage("seed_demo")
        facts = json.loads(re.search(r"^BENCH (.*)$", cluster.manage("shell", "-c", SETUP), re.M).group(1))
        cluster.start("gunicorn", [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind",
                                   f"127.0.0.1:{PORT}", "--workers", "4", "--threads", "4", "config.wsgi"])
        base = f"http://127.0.0.1:{PORT}"
        wait_for(f"{base}/healthz")
        cookie = f"Cookie: sessionid={facts['session']}"
        targets = [
            ("bare Django view", f"{base}/bench/bare/", {}),
            ("anonymous catalog", f"{base}/courses/", {}),
            ("course page", f"{base}{facts['course_url']}", {}),
            ("lesson page, enrolled, course of 200 lessons", f"{base}{facts['lesson_url']}", {"headers": [cookie]}),
            ("progress heartbeat (PUT)", f"{base}/api/v1/lessons/{facts['lesson_id']}/progress/",
             {"method": "PUT", "body": json.dumps({"time_spent_delta": 15}),
              "headers": [cookie, "Content-Type: application/json"]}),
        ]
        for name, url, extra in targets:
            # Warm up as the load will ask (signed in only where the load sends the cookie); the
            # last status, and whether the page cache answered, are reported with the row.
            signed_in = cookie in extra.get("headers", [])
            curl = ["curl", "-s", "-o", "/dev/null", "-D", "-", "-w", "%{http_code}"]
            if signed_in:
                curl += ["-b", f"sessionid={facts['session']}"]
            for _ in range(3):
                probe = subprocess.run([*curl, url], capture_output=True, text=True).stdout
            status = probe[-3:]
            cached = re.search(r"^x-page-cache: *hit", probe, re.I | re.M) is not None
            saturated = wrk(url, duration=options.duration, connections=options.connections, **extra)
            users = wrk(url, duration=options.duration, connections=options.connections, think=True, **extra)
            rows.append({"name": name + (" [page cache hit]" if cached else ""), "status": status,
                         "saturated": saturated, "users": users})
            log(f"{name}: {saturated['rps']:.0f} rps saturated, users p95 {users['p95']:.1f} ms")
            time.sleep(1)
    finally:
        cluster.stop()
    bare = rows[0]["saturated"]["rps"] or 1
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores: gunicorn 4×4 threads, "
        f"PostgreSQL, Redis; wrk {options.connections} connections × {options.duration} s each.",
        "Rows marked [page cache hit] were answered from the anonymous page cache (no SQL); "
        "`--page-cache-seconds 0` measures them rendered.",
        "",
        "| target | saturated rps | ratio to bare | saturated p50 / p95 ms | 50 users (0.5–1.5 s think) p50 / p95 ms | errors |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        s, u = row["saturated"], row["users"]
        lines.append(f"| {row['name']} (HTTP {row['status']}) | {s['rps']:.0f} | {s['rps'] / bare:.2f} | "
                     f"{s['p50']:.1f} / {s['p95']:.1f} | {u['p50']:.1f} / {u['p95']:.1f} | "
                     f"{s['errors'] + s['non2xx'] + u['errors'] + u['non2xx']} |")
    table = "\n".join(lines)
    print(table)
    if options.write_readme:
        readme = ROOT / "bench" / "README.md"
        text = readme.read_text() if readme.exists() else "# Benchmarks\n"
        start, end = "<!-- load:start -->", "<!-- load:end -->"
        block = f"{start}\n{table}\n\nCommand: `.venv/bin/python bench/load.py --write-readme`\n{end}"
        text = re.sub(f"{start}.*{end}", block, text, flags=re.S) if start in text else f"{text}\n{block}\n"
        readme.write_text(text)


if __name__ == "__main__":
    main()
