"""The Wagtail admin under production settings (issue #24): server time to open a lesson
of 20 blocks (every block type, twice) in the page editor, and the page explorer of a
200-lesson section and of its course, for a platform admin and for the course's instructor.

    flock /tmp/bench.lock .venv/bin/python bench/admin_editor.py [--count 30]

One app server (gunicorn, deploy/gunicorn.conf.py, 4 workers × 4 threads, production
settings) on the shared PostgreSQL (a database of its own, dropped at the end) and Redis
(BENCH_REDIS_URL, else db 14), started with bench/cluster.py's Cluster as bench/load.py does.
One client sends one request at a time over loopback, so each time is the server's time plus
a loopback round trip; p50/p95 over --count requests after 3 warm-ups.

Saving: Wagtail 8 builds a StreamField's inputs in the browser, so the form data of the
20-block lesson is built in-process from each block's form state
(tests/coursepages/editor.py `page_edit_post`, the same builder the tests post with) and
posted unchanged, as the browser would: a draft save and a publish (`action-publish`) for the
admin; a draft save and a submission to the course review workflow (`action-submit`) for the
instructor, who has no publish permission (DESIGN §3: Wagtail ignores `action-publish` from
them and saves a draft), the workflow cancelled untimed before each submission. A save only
counts as ok when it answers the redirect of a successful save (draft: back to the editor;
publish and submit: the parent's explorer), not a re-rendered form.

Queries per request are counted in-process afterwards (`manage.py shell`, production
settings, the same PostgreSQL and Redis, Django's CaptureQueriesContext around the test
client's request, outside any test transaction so on-commit work is counted), for the 20-block
lesson in the 200-lesson course and for a copy of it in a course of 10 lessons.
Goal: p95 under 300 ms. Query counts are pinned in
tests/coursepages/test_admin_query_counts.py and tests/coursepages/test_editor_save_queries.py."""

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

from bench.cluster import Cluster, csrf, log, wait_for  # noqa: E402
from bench.load import redis_forget  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8313"))

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
# The same lesson (fresh block ids) in a course of 10 lessons: its save costs the same queries.
small = make_course(title="Editor bench small course", instructor=instructor,
                    sections=[("Ten lessons", [text_lesson(f"Lesson {i + 1}") for i in range(10)]), ("The long lesson", [])])
small_long = SectionPage.objects.child_of(small).order_by("path").last()
small_lesson = LessonPage(title="Twenty blocks", owner=instructor, body=[dict(b, id=str(uuid.uuid4())) for b in raw])
small_long.add_child(instance=small_lesson)
small_lesson.save_revision(user=instructor).publish()
from tests.coursepages.editor import page_edit_post
cookies, forms = {}, {}
for name, user in (("admin", admin), ("instructor", instructor)):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    cookies[name] = client.cookies["sessionid"].value
    forms[name] = [[key, value] for key, values in page_edit_post(client, lesson).items() for value in values]
print("BENCH " + json.dumps({"course": course.pk, "section": section.pk, "lesson": lesson.pk, "parent": long_section.pk,
                             "small_lesson": small_lesson.pk, "blocks": len(raw), "types": len(examples),
                             "cookies": cookies, "forms": forms}))
"""

# Queries of each save, in-process (see the docstring); the same requests as the timed ones.
COUNT = r"""
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.models import User
from coursepages.models import LessonPage
from tests.coursepages.editor import edit_url, page_edit_post
facts = json.loads(FACTS)
counts = {}
for who, email in (("admin", "bench-editor-admin@example.test"), ("instructor", "bench-editor-instructor@example.test")):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=email))
    for size, pk in (("200", facts["lesson"]), ("10", facts["small_lesson"])):
        lesson = LessonPage.objects.get(pk=pk)
        for action in ACTIONS[who]:
            for n in range(2):  # the first warms per-process caches, as a running server has them
                state = LessonPage.objects.get(pk=pk).current_workflow_state
                if state:  # out of review (the timed run left it there), so that it can be saved and submitted
                    state.cancel(user=User.objects.get(email="bench-editor-admin@example.test"))
                data = page_edit_post(client, lesson, action=action)
                with CaptureQueriesContext(connection) as captured:
                    response = client.post(edit_url(lesson), data)
                assert response.status_code == 302, (who, action, response.status_code)
            counts[f"{who} {action or 'draft'} {size}"] = len(captured.captured_queries)
print("COUNTS " + json.dumps(counts))
"""

# What each user's "save" and "publish" buttons post (the instructor's publish is a submission).
ACTIONS = {"admin": [None, "action-publish"], "instructor": [None, "action-submit"]}


def timed(session, method, url, **kwargs):
    start = time.perf_counter()
    response = session.request(method, url, allow_redirects=False, timeout=30, **kwargs)
    return (time.perf_counter() - start) * 1000, response


LABELS = {None: "save a draft", "action-publish": "publish", "action-submit": "submit for review"}


def save(session, url, form, action):
    """POST the editor form (with `action`'s button); ok only for a successful save's redirect."""
    parent = FACTS["parent"]
    if action == "action-submit":  # untimed: take the lesson out of review so it can be submitted again
        response = session.post(url, data=form + [("action-cancel-workflow", "1")], allow_redirects=False, timeout=30)
        assert response.status_code in (200, 302), response.status_code
    ms, response = timed(session, "POST", url, data=form + ([(action, "1")] if action else []))
    expected = url.split("://", 1)[1].split("/", 1)[1] if action is None else f"admin/pages/{parent}/"
    location = response.headers.get("Location", "")
    return ms, response.status_code == 302 and location.rstrip("/").endswith(expected.rstrip("/"))


FACTS: dict = {}


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
        FACTS.update(facts)
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
            token = csrf(session, edit)
            # The in-process form carries no usable token: this session's, as the browser sends it.
            form = [(k, v) for k, v in facts["forms"][who] if k != "csrfmiddlewaretoken"] + [
                ("csrfmiddlewaretoken", token)
            ]
            for action in ACTIONS[who]:
                rows.append(
                    measure(
                        f"{who}: {LABELS[action]} ({facts['blocks']} blocks)",
                        options.count,
                        lambda action=action, session=session, form=form: save(session, edit, form, action),
                    )
                )
        script = COUNT.replace("FACTS", repr(json.dumps({k: v for k, v in facts.items() if k != "forms"}))).replace(
            "ACTIONS", repr(ACTIONS)
        )
        counts = json.loads(re.search(r"^COUNTS (.*)$", cluster.manage("shell", "-c", script), re.M).group(1))
    finally:
        cluster.stop()
        redis_forget(cluster.env)
    print(f"\n{facts['blocks']} blocks of {facts['types']} types; {options.count} requests each after 3 warm-ups\n")
    print("| request | p50 ms | p95 ms | errors |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['name']} | {row['p50']:.0f} | {row['p95']:.0f} | {row['errors']} |")
    print(
        "\nQueries per request (in-process, CaptureQueriesContext), 20-block lesson in a course of 200 / 10 lessons:\n"
    )
    print("| request | 200 lessons | 10 lessons |")
    print("| --- | --- | --- |")
    for who, actions in ACTIONS.items():
        for action in actions:
            key = f"{who} {action or 'draft'}"
            print(f"| {who}: {LABELS[action]} | {counts[key + ' 200']} | {counts[key + ' 10']} |")


if __name__ == "__main__":
    main()
