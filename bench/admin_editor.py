"""The Wagtail admin under production settings (issue #24): server time to open a lesson
of 20 blocks (every block type, twice) in the page editor, and the page explorer of a
200-lesson section and of its course, for a platform admin and for the course's instructor.

    flock /tmp/bench.lock .venv/bin/python bench/admin_editor.py [--count 30]

One app server (gunicorn, deploy/gunicorn.conf.py, 4 workers × 4 threads, production
settings) on the shared PostgreSQL (a database of its own, dropped at the end) and Redis
(BENCH_REDIS_URL, else db 14), started with bench/cluster.py's Cluster as bench/load.py does.
One client sends one request at a time over loopback, so each time is the server's time plus
a loopback round trip; p50/p95 over --count requests after 3 warm-ups. Not measured yet:
saving the editor (Wagtail 8 renders a StreamField's inputs in the browser, so posting the
form back needs the block fields built from the value, as tests/coursepages/editor.py does
per block). Goal: p95 under 300 ms. Query counts are pinned in
tests/coursepages/test_admin_query_counts.py, not here."""

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cluster import Cluster, log, wait_for  # noqa: E402
from bench.load import redis_forget  # noqa: E402

PORT = 8313

SETUP = r"""
import json, uuid
from django.test import Client
from accounts.models import User
from coursepages.models import CoursePage, LessonPage, SectionPage
from tests.factories import make_course, make_user, text_lesson
from blocks.lesson_body import LessonBodyBlock
# One block of each type from the demo's lessons (the demo uses every type), twice over: 20 blocks.
examples = {}
for lesson in LessonPage.objects.all():
    for block in lesson.body.raw_data:
        examples.setdefault(block["type"], block["value"])
missing = set(LessonBodyBlock.base_blocks) - set(examples)
assert not missing, f"the demo has no {missing} block"
raw = [{"type": name, "value": examples[name], "id": str(uuid.uuid4())} for _ in range(2) for name in sorted(examples)]
instructor = make_user(role=User.Role.INSTRUCTOR, email="bench-editor-instructor@example.test")
admin = make_user(role=User.Role.ADMIN, email="bench-editor-admin@example.test", is_superuser=True, is_staff=True)
# Staff must have a second factor (MFA_REQUIRED_FOR_STAFF, on in production): the admin has one.
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
TOTP.activate(admin, generate_totp_secret())
course = make_course(title="Editor bench course", instructor=instructor,
                     sections=[("Two hundred lessons", [text_lesson(f"Lesson {i + 1}") for i in range(200)]),
                               ("The long lesson", [])])
section, long_section = SectionPage.objects.child_of(course).order_by("path")
lesson = LessonPage(title="Twenty blocks", owner=instructor, body=raw)
long_section.add_child(instance=lesson)
lesson.save_revision(user=instructor).publish()
cookies = {}
for name, user in (("admin", admin), ("instructor", instructor)):
    client = Client()
    client.force_login(user)
    cookies[name] = client.cookies["sessionid"].value
print("BENCH " + json.dumps({"course": course.pk, "section": section.pk, "lesson": lesson.pk,
                             "blocks": len(raw), "types": len(examples), "cookies": cookies}))
"""


def timed(session, method, url, **kwargs):
    start = time.perf_counter()
    response = session.request(method, url, allow_redirects=False, timeout=30, **kwargs)
    return (time.perf_counter() - start) * 1000, response


def measure(name, count, call) -> dict:
    times, errors = [], 0
    for n in range(count + 3):
        ms, ok = call()
        if n >= 3:
            times.append(ms)
            errors += not ok
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    row = {"name": name, "p50": statistics.median(times), "p95": p95, "errors": errors, "count": count}
    log(f"{name}: p50 {row['p50']:.0f} ms, p95 {p95:.0f} ms, {errors} errors")
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=30)
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lectern-bench-admin-"))
    cluster = Cluster(workdir)
    cluster.env.pop("AWS_STORAGE_BUCKET_NAME")
    cluster.env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", cluster.env["REDIS_URL"])
    rows = []
    try:
        cluster.create_database()
        log("migrating, seeding the demo, a course with a 200-lesson section and a 20-block lesson")
        cluster.manage("migrate", "--noinput")
        cluster.manage("collectstatic", "--noinput")
        cluster.manage("seed_demo")
        facts = json.loads(re.search(r"^BENCH (.*)$", cluster.manage("shell", "-c", SETUP), re.M).group(1))
        cluster.start(
            "gunicorn",
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{PORT}"]
            + ["--workers", "4", "--threads", "4", "config.wsgi"],
        )
        base = f"http://127.0.0.1:{PORT}"
        wait_for(f"{base}/healthz")
        edit = f"{base}/admin/pages/{facts['lesson']}/edit/"
        for who, cookie in facts["cookies"].items():
            session = requests.Session()
            session.cookies.set("sessionid", cookie)

            def get(url, session=session):
                ms, response = timed(session, "GET", url)
                return ms, response.status_code == 200

            rows.append(measure(f"{who}: open the editor ({facts['blocks']} blocks)", options.count, lambda: get(edit)))
            rows.append(
                measure(
                    f"{who}: explorer of the 200-lesson section (first page)",
                    options.count,
                    lambda: get(f"{base}/admin/pages/{facts['section']}/"),
                )
            )
            rows.append(
                measure(
                    f"{who}: explorer of the course",
                    options.count,
                    lambda: get(f"{base}/admin/pages/{facts['course']}/"),
                )
            )
    finally:
        cluster.stop()
        redis_forget(cluster.env)
    print(f"\n{facts['blocks']} blocks of {facts['types']} types; {options.count} requests each after 3 warm-ups\n")
    print("| request | p50 ms | p95 ms | errors |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['name']} | {row['p50']:.0f} | {row['p95']:.0f} | {row['errors']} |")


if __name__ == "__main__":
    main()
