"""Certificates: the time to render one PDF (docs/architecture.md §9 goal: under 300 ms), and the time
to issue N certificates through a real Celery worker on PostgreSQL and Redis.

    .venv/bin/python bench/certificates.py render [--count 50]
    .venv/bin/python bench/certificates.py issue [--count 1000]

`render` runs in-process on a throwaway SQLite database; `issue` starts the loopback
PostgreSQL/Redis/worker set-up of bench/cluster.py (no nginx or S3), completes N
enrollments and times until every certificate exists with its PDF."""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RENDER = r"""
import json, time, statistics
from certificates.models import Certificate
from certificates.pdf import render_certificate_pdf
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from tests.factories import make_course, make_user
course = make_course(title="Bench certificate course", lessons=1)
user = make_user(first_name="Bench", last_name="Student")
enrollment_create(user=user, course=course)
lesson_complete(context=learning_context_for(user=user, lesson=list(course.lessons())[0]))
certificate = Certificate.objects.get(user=user)
times = []
for _ in range(COUNT):
    start = time.perf_counter(); render_certificate_pdf(certificate); times.append((time.perf_counter() - start) * 1000)
times.sort()
print("RESULT " + json.dumps({"median_ms": statistics.median(times), "p95_ms": times[int(len(times) * 0.95) - 1],
                              "count": len(times)}))
"""

ISSUE_SETUP = r"""
import json
from learners.models import Enrollment
from learners.enrollment.services import enrollment_create
from tests.factories import make_course, make_user
course = make_course(title="Bench issue course", lessons=1)
users = [make_user() for _ in range(COUNT)]
for user in users:
    enrollment_create(user=user, course=course)
print("ISSUE " + json.dumps({"lesson": list(course.lessons())[0].pk, "users": [u.pk for u in users]}))
"""

ISSUE_RUN = r"""
import json, time
from learners.access import learning_context_for
from accounts.models import User
from certificates.models import Certificate
from coursepages.models import LessonPage
from learners.enrollment.services import lesson_complete
facts = json.loads(FACTS)
lesson = LessonPage.objects.get(pk=facts["lesson"])
start = time.time()
for user in User.objects.filter(pk__in=facts["users"]):
    lesson_complete(context=learning_context_for(user=user, lesson=lesson))  # completes the course: the hook enqueues the certificate
queued = time.time() - start
while Certificate.objects.filter(user_id__in=facts["users"]).exclude(pdf="").count() < len(facts["users"]):
    if time.time() - start > 1800:
        raise SystemExit("not all certificates were issued within 30 minutes")
    time.sleep(0.5)
print("RESULT " + json.dumps({"count": len(facts["users"]), "enqueue_s": queued, "total_s": time.time() - start}))
"""


def _result(output: str) -> dict:
    return json.loads(re.search(r"^RESULT (.*)$", output, re.M).group(1))


def render(count: int):
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "MEDIA_ROOT": f"{tmp}/m",
            "PRIVATE_MEDIA_ROOT": f"{tmp}/p",
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "PATH": "/usr/bin:/bin",
        }
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        output = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", RENDER.replace("COUNT", str(count))],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    result = _result(output)
    print(
        f"render one certificate PDF: median {result['median_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms "
        f"over {result['count']} renders (goal < 300 ms)"
    )


def issue(count: int):
    from bench.cluster import Cluster, log

    cluster = Cluster(Path(tempfile.mkdtemp(prefix="lectern-bench-cert-")))
    for key in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"):
        cluster.env.pop(key)
    try:
        cluster.create_database()
        cluster.manage("migrate", "--noinput")
        facts = re.search(
            r"^ISSUE (.*)$", cluster.manage("shell", "-c", ISSUE_SETUP.replace("COUNT", str(count))), re.M
        ).group(1)
        cluster.start_worker(loglevel="warning")
        log(f"issuing {count} certificates through the worker")
        result = _result(cluster.manage("shell", "-c", ISSUE_RUN.replace("FACTS", repr(facts)), timeout=2400))
    finally:
        cluster.stop()
    print(
        f"issue {result['count']} certificates through a Celery worker (2 processes): {result['total_s']:.1f} s "
        f"in all ({result['count'] / result['total_s']:.1f}/s; enqueueing took {result['enqueue_s']:.1f} s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["render", "issue"])
    parser.add_argument("--count", type=int)
    options = parser.parse_args()
    if options.what == "render":
        render(options.count or 50)
    else:
        issue(options.count or 1000)
