"""Load test: one app server (gunicorn, production settings) on PostgreSQL and Redis, load
from wrk on loopback, bounded in time. Every page is reported as p50/p95 latency, requests
per second and its throughput as a ratio of a bare Django view measured in the same run.

    .venv/bin/python bench/load.py [--duration 15] [--connections 50] [--write-readme]

Two loads per target:
- saturation: N connections with no pause (closed loop): the server's throughput;
- users: N connections each pausing 0.5-1.5 s between requests, i.e. N people clicking;
  docs/architecture.md §9's "p95 under 200 ms at 50 concurrent users" is read here. A Python
  client (think_run), not wrk: each connection is warmed by one unmeasured request first, so
  the measured requests are not the burst of N first requests on new connections (wrk opens
  all N at once and measured those, which put 35-150 ms p95s on rows whose steady state is a
  few ms).

Targets: the bare view; the anonymous catalog and a course page; a lesson page (enrolled
student, course of 200 lessons); the progress heartbeat (PUT with the session cookie and CSRF
token, as the lesson player sends it) for one student on one lesson, and for N students on
random lessons of the 200 (mostly first heartbeats of a lesson); a quiz submit (API, Bearer JWT); a PayStack webhook.
Each warm-up sends the row's own request, and its last status is shown in the row; a row of
students moving (random paths) also sends each of its paths WARM_UP_ROUNDS times first, each on
a new connection (warm_up_rotation), so its saturated run does not measure 4 processes meeting
200 lessons.

The last two change state with every request, so no request may be sent twice: each quiz
submit consumes an open attempt, each webhook delivery settles a pending order. For those a
pool of one-shot requests is built in the database through the services just before the
target runs (quiz_pool, webhook_pool), sized from a 3 s probe with POOL_MARGIN, and handed to
wrk in generated Lua, one slice per wrk thread; what a run did not send goes back to the pool.
A request the pool could not supply goes to a 404 path; a run that sent one is run again with a
larger pool (pool_run), and a row that still ran out shows "pool ran out" instead of numbers.
Access tokens live 15 minutes: keep --duration under about 5 minutes.

BENCH_PORT overrides the server's port (8311). BENCH_REDIS_URL overrides the Redis database (cluster.py's db 14 by default); this run's keys
and its queue of Celery tasks (no worker runs) are removed at the end.

The anonymous catalog and course page rows are answered by the page cache
(coursepages/page_cache.py: X-Page-Cache: hit, no SQL), as anonymous visitors are in
production; run with --page-cache-seconds 0 to measure them rendered on every request.
Signed-in rows (the lesson page, the heartbeat) never use that cache."""

import argparse
import http.client
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cpu  # noqa: E402
from bench.cluster import Cluster, log, wait_for  # noqa: E402

# BENCH_PORT: another port when 8311 is taken (several runs on one machine).
PORT = int(os.environ.get("BENCH_PORT", "8311"))
# The app server's session (gunicorn's pid, started in its own session) and database: wrk runs
# report the CPU per request of its processes, PostgreSQL, Redis and wrk (bench/cpu.py).
APP_SESSION, APP_DATABASE = 0, ""
LUA_REPORT = """
{setup}
done = function(summary, latency, requests)
  local exhausted = pool_exhausted and pool_exhausted() or 0
  local sent = pool_sent and pool_sent() or ""
  io.write(string.format("JSON {\\"p50\\": %f, \\"p95\\": %f, \\"requests\\": %d, \\"seconds\\": %f, \\"errors\\": %d, \\"non2xx\\": %d, \\"exhausted\\": %d, \\"sent\\": [%s]}\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status,
    exhausted, sent))
end
"""
THINK = "function delay() return math.random(500, 1500) end"

SETUP = r"""
import json
from django.test import Client
from accounts.models import User
from coursepages.models import CoursePage, LessonPage
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create
from tests.factories import make_course, make_user
params = json.loads('__PARAMS__')
course = CoursePage.objects.filter(slug__startswith="course-").filter(title=f"Bench course {params['lessons']}").first()
if course is None:
    course = make_course(title=f"Bench course {params['lessons']}", lessons=params["lessons"])
student = User.objects.filter(email="bench@example.test").first() or make_user(email="bench@example.test")
enrollment_create(user=student, course=course)
lesson = list(course.lessons())[params["lessons"] // 2]
client = Client()
client.force_login(student)
session = client.cookies["sessionid"].value
free = CoursePage.objects.get(slug="python-for-beginners")
quiz_lesson = next(lesson for lesson in free.lessons() if any(block.block_type == "quiz" for block in lesson.body))
quiz_block_id = next(block.id for block in quiz_lesson.body if block.block_type == "quiz")
# The lesson page hands the player a CSRF token (cookie + masked token), which it sends back
# with each heartbeat, as the browser does.
from django.conf import settings
from django.middleware.csrf import get_token
from django.test import RequestFactory
page = RequestFactory().get(lesson.url)
csrf_token = get_token(page)
cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={page.META['CSRF_COOKIE']}"
# Students moving through the course: each request of the lesson row is a random student
# opening a random lesson, so no response is a repeat of the one before and every visit is
# recorded (resume point moved, progress row touched), as when a class works through a course.
from learners.enrollment.services import lesson_complete
lessons = list(course.lessons())
learner_cookies = []
for n in range(params["learners"]):
    learner = User.objects.filter(email=f"bench-learner-{n}@example.test").first()
    if learner is None:
        learner = User.objects.create_user(email=f"bench-learner-{n}@example.test", password=None)
        enrollment_create(user=learner, course=course)
        for done in lessons[:10 + n % 20]:
            lesson_complete(context=learning_context_for(user=learner, lesson=done))
    learner_client = Client()
    learner_client.force_login(learner)
    learner_cookies.append(f"{settings.SESSION_COOKIE_NAME}={learner_client.cookies['sessionid'].value}")
# The same students' heartbeats: their session and the CSRF cookie the token above was masked from.
learner_csrf_cookies = [f"{value}; {settings.CSRF_COOKIE_NAME}={page.META['CSRF_COOKIE']}" for value in learner_cookies]
print("BENCH " + json.dumps({"session": session, "lesson_url": lesson.url, "lesson_id": lesson.pk,
                             "lesson_urls": [page.url for page in lessons], "learner_cookies": learner_cookies,
                             "lesson_ids": [page.pk for page in lessons], "learner_csrf_cookies": learner_csrf_cookies,
                             "course_url": free.url, "cookie": cookie, "csrf_token": csrf_token,
                             "quiz_block_id": quiz_block_id}))
"""

# One open attempt at the demo's "Numbers quiz" (3 questions, options shuffled per attempt)
# per new student: enrolled, the quiz lesson's prerequisite completed, the attempt started,
# all through the services; an API access token each. The answers are the right ones, so
# every submit passes and also completes the quiz activity and its lesson.
QUIZ_SETUP = r"""
import json
from django.contrib.auth.hashers import make_password
from django.db import transaction
from accounts.models import User
from accounts.tokens import token_pair_issue
from coursepages.models import CoursePage, LessonPage
from learners.access import learning_context_for
from learners.assessments.quiz import quiz_attempt_start
from learners.enrollment.services import enrollment_create, lesson_complete
params = json.loads('__PARAMS__')
course = CoursePage.objects.get(slug="python-for-beginners")
prerequisite = LessonPage.objects.get(title="VAT arithmetic", path__startswith=course.path)
students = User.objects.bulk_create([
    User(email=f"bench-quiz-{params['tag']}-{i}@example.test", first_name="Quiz", last_name=f"Student {i}",
         password=make_password(None))
    for i in range(params["count"])
])
entries = []
for start in range(0, len(students), 200):
    with transaction.atomic():  # one commit per batch; the enrollment notices follow each commit
        for student in students[start:start + 200]:
            enrollment_create(user=student, course=course)
            lesson_complete(context=learning_context_for(user=student, lesson=prerequisite))  # the quiz lesson's prerequisite
            attempt = quiz_attempt_start(user=student, block_id=params["block_id"])
            answers = {q["id"]: [o["id"] for o in q["options"] if o["is_correct"]]
                       for q in attempt.snapshot["questions"]}
            entries.append({"token": token_pair_issue(user=student).access, "attempt_id": attempt.pk,
                            "answers": answers})
print("BENCH " + json.dumps({"entries": entries}))
"""

# One pending order for the demo's paid course (R499, VAT included) per new buyer, through the
# checkout service, and PayStack's documented charge.success event pointed at it (its own
# transaction id, reference, amount, currency and customer), signed as PayStack signs.
WEBHOOK_SETUP = r"""
import copy
import json
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from accounts.models import User
from coursepages.models import CoursePage, PlatformSettings
from payments.commerce.checkout import order_create_for_courses
from payments.gateways.paystack import signature_for
from tests.payments.conftest import fixture_json
params = json.loads('__PARAMS__')
platform = PlatformSettings.load()
if not platform.gateway_paystack:  # the admin's switch; the key is PAYSTACK_SECRET_KEY
    platform.gateway_paystack = True
    platform.save()
course = CoursePage.objects.get(slug="django-web-development")
event = fixture_json("paystack/charge.success.json")
buyers = User.objects.bulk_create([
    User(email=f"bench-buyer-{params['tag']}-{i}@example.test", first_name="Paying", last_name=f"Buyer {i}",
         password=make_password(None))
    for i in range(params["count"])
])
entries = []
for start in range(0, len(buyers), 200):
    with transaction.atomic():
        for buyer in buyers[start:start + 200]:
            order = order_create_for_courses(user=buyer, course_ids=[course.pk], gateway="paystack")
            delivery = copy.deepcopy(event)
            delivery["data"].update(id=params["first_id"] + len(entries), reference=str(order.reference),
                                    amount=order.total_cents, currency=order.currency)
            delivery["data"]["customer"].update(email=buyer.email, first_name=buyer.first_name,
                                                last_name=buyer.last_name)
            body = json.dumps(delivery)
            entries.append({"body": body, "signature": signature_for(body.encode(), settings.PAYSTACK_SECRET_KEY)})
print("BENCH " + json.dumps({"entries": entries}))
"""

# The request() side of a pool target: each wrk thread reads its own slice (one request a line:
# path, body, then headers, tab-separated) and sends each request once.
POOL_LUA = """
local files = __FILES__
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
  thread:set("datafile", files[#threads])
end
init = function(args)
  queue = {}
  for line in io.lines(datafile) do
    local fields = {}
    for field in string.gmatch(line, "[^\t]+") do table.insert(fields, field) end
    local headers = {}
    for i = 3, #fields do
      local name, value = string.match(fields[i], "^([^:]+): (.*)$")
      headers[name] = value
    end
    table.insert(queue, {path = fields[1], headers = headers, body = fields[2],
                         request = wrk.format("POST", fields[1], headers, fields[2])})
  end
  position = 0
  exhausted = 0
end
request = function()
  position = position + 1
  local entry = queue[position]
  if entry then return entry.request end
  -- the slice ran out: send a request Django answers 404, an error in the row
  exhausted = exhausted + 1
  entry = queue[#queue]
  return wrk.format("POST", entry.path .. "pool-exhausted/", entry.headers, entry.body)
end
pool_exhausted = function()
  local total = 0
  for _, thread in ipairs(threads) do total = total + (thread:get("exhausted") or 0) end
  return total
end
pool_sent = function()  -- how far each thread got in its slice; the rest goes back to the pool
  local sent = {}
  for _, thread in ipairs(threads) do table.insert(sent, tostring(thread:get("position") or 0)) end
  return table.concat(sent, ", ")
end
"""
THREADS = 2
PROBE_SECONDS = 3
PROBE_GUESS_RPS = 100  # sizes the probe's own slice; a probe that runs out doubles its estimate
# A saturated run may go faster than its 3 s probe (a noisy machine calms down, a warmer
# server): its slice holds this many times the probe's rate. A run that still runs out is run
# again (RERUNS times at most) with a pool sized from the rate it reached; a row that ran out
# even then is reported as such, without numbers (they would mix settles with cheap 404s).
POOL_MARGIN = 2.5
RERUNS = 2


def pool_script(entries: list[dict], *, host: str, folder: Path) -> str:
    """POOL_LUA reading `entries` ({path, headers, body}) dealt into one file per wrk thread."""
    files = []
    for thread in range(THREADS):
        lines = []
        for entry in entries[thread::THREADS]:
            fields = [
                entry["path"],
                entry["body"],
                *(f"{k}: {v}" for k, v in {"Host": host, **entry["headers"]}.items()),
            ]
            if any(not field or "\t" in field or "\n" in field for field in fields):
                raise ValueError(f"cannot pass {entry['path']} to wrk: empty field, tab or newline")
            lines.append("\t".join(fields))
        if not lines:
            raise ValueError("a pool slice is empty")
        data = folder / f"slice-{thread}.txt"
        data.write_text("\n".join(lines) + "\n")
        files.append(data)
    return POOL_LUA.replace("__FILES__", "{" + ", ".join(json.dumps(str(f)) for f in files) + "}")


class Pool:
    """One-shot requests (an open quiz attempt, a pending order), made by `build(count)` in the
    app's database, handed out once each. `rate` (requests/s, from the probe) sizes a
    saturated run; a run with think time needs at most one request per connection per 0.5 s."""

    def __init__(self, build, note: str):
        self.build = build
        self.note = note
        self.entries: list[dict] = []
        self.rate = PROBE_GUESS_RPS
        self.built = 0

    def needed(self, *, duration: int, connections: int, think: bool) -> int:
        saturated = int(self.rate * duration * POOL_MARGIN) + 2 * connections + THREADS
        if think:
            return min(saturated, connections * (duration * 2 + 1))
        return saturated

    def fill(self, count: int):
        missing = count - len(self.entries)
        if missing > 0:
            started = time.monotonic()
            self.entries += self.build(missing, first=self.built)
            self.built += missing
            log(f"built {missing} one-shot requests in {time.monotonic() - started:.0f} s")

    def take(self, count: int) -> list[dict]:
        self.fill(count)
        taken, self.entries = self.entries[:count], self.entries[count:]
        return taken

    def give_back(self, entries: list[dict], sent: list[int]):
        """After a run: the requests of each thread's slice past the point it reached were not sent."""
        unsent = []
        for thread, position in enumerate(sent):
            mine = entries[thread::THREADS]
            unsent += mine[min(position, len(mine)) :]
        self.entries = unsent + self.entries


def run_setup(cluster, code: str, **params) -> dict:
    output = cluster.manage("shell", "-c", code.replace("__PARAMS__", json.dumps(params)))
    return json.loads(re.search(r"^BENCH (.*)$", output, re.M).group(1))


def quiz_pool(cluster, block_id: str) -> tuple[str, Pool]:
    """(submit path, pool): each request submits one open attempt with its answers, as the
    API client of that student (Bearer access token)."""
    path = f"/api/v1/quizzes/{block_id}/submit/"

    def build(count, first):
        facts = run_setup(cluster, QUIZ_SETUP, count=count, tag=f"{first}", block_id=block_id)
        return [
            {
                "path": path,
                "body": json.dumps({"attempt_id": e["attempt_id"], "answers": e["answers"]}),
                "headers": {"Authorization": f"Bearer {e['token']}", "Content-Type": "application/json"},
            }
            for e in facts["entries"]
        ]

    return path, Pool(
        build,
        "quiz submit: each request submits a distinct open attempt (3 questions, right "
        "answers: graded, passed, quiz activity and lesson completed) with its student's JWT",
    )


def webhook_pool(cluster) -> tuple[str, Pool]:
    """(webhook path, pool): each request is one signed PayStack charge.success for a distinct
    pending order."""
    path = "/api/v1/payments/webhook/paystack/"

    def build(count, first):
        facts = run_setup(cluster, WEBHOOK_SETUP, count=count, tag=f"{first}", first_id=900_000_000 + first)
        return [
            {
                "path": path,
                "body": e["body"],
                "headers": {"Content-Type": "application/json", "x-paystack-signature": e["signature"]},
            }
            for e in facts["entries"]
        ]

    return path, Pool(
        build,
        "PayStack webhook: each delivery settles one pending order (webhook event stored, "
        "payment, invoice number, enrollment; the task that writes the ledger rows and the "
        "enrollment notice and queues the receipt is queued, no worker runs it here)",
    )


def probe(url, pool: Pool, *, duration: int, connections: int) -> str:
    """Warm up with three requests, then a short saturated run on a first slice of the pool to
    learn its rate; then build what the two measured runs need. Returns the warm-up status."""
    pool.fill(3 + pool.needed(duration=PROBE_SECONDS, connections=connections, think=False))
    status = ""
    for entry in pool.take(3):
        status = str(
            requests.post(
                urljoin(url, entry["path"]), data=entry["body"].encode(), headers=entry["headers"], timeout=30
            ).status_code
        )
    result = wrk(url, duration=PROBE_SECONDS, connections=connections, pool=pool)
    rate = (result["requests"] - result["exhausted"]) / (result["seconds"] or 1)
    pool.rate = rate * 2 if result["exhausted"] else rate
    log(f"probe: {rate:.0f} requests/s, {result['errors'] + result['non2xx']} errors")
    pool.fill(
        pool.needed(duration=duration, connections=connections, think=False)
        + pool.needed(duration=duration, connections=connections, think=True)
    )
    return status


def pool_run(url, pool: Pool, *, duration: int, connections: int, think: bool) -> dict:
    """One wrk run of a pool target that never runs past the end of its pool: a run that did
    is thrown away and run again (fresh one-shot requests, none sent twice) with the pool sized
    from the rate it reached, RERUNS times at most. `reruns` in the result says how many."""
    run = think_run if think else wrk
    result = run(url, duration=duration, connections=connections, pool=pool)
    reruns = 0
    while result["exhausted"] and reruns < RERUNS:
        reruns += 1
        # The run's rate counts its cheap 404s too: an over-estimate, which is the safe side.
        pool.rate = max(pool.rate, result["rps"]) * 1.5
        log(
            f"{'users' if think else 'saturated'} run ran past the end of its pool "
            f"({result['exhausted']} requests): run again with {pool.rate:.0f} requests/s of margin"
        )
        result = run(url, duration=duration, connections=connections, pool=pool)
    result["reruns"] = reruns
    return result


ROTATE_LUA = """
local paths = __PATHS__
local cookies = __COOKIES__
request = function()
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Cookie"] = cookies[math.random(#cookies)]
  return wrk.format(nil, paths[math.random(#paths)], headers)
end
"""


def rotate_script(rotate: dict) -> str:
    """Lua for wrk: each request a random path of rotate["paths"] with a random cookie of
    rotate["cookies"] (a random student opening a random lesson), the other headers (-H) kept."""
    as_lua = lambda items: "{" + ", ".join(json.dumps(item) for item in items) + "}"  # noqa: E731
    return ROTATE_LUA.replace("__PATHS__", as_lua(rotate["paths"])).replace("__COOKIES__", as_lua(rotate["cookies"]))


def warm_up(url, *, method="GET", body=None, headers=()) -> tuple[str, bool]:
    """Three requests as wrk will send them; the last status, and whether the anonymous page
    cache answered it, are reported with the row."""
    args = ["curl", "-s", "-o", "/dev/null", "-D", "-", "-w", "%{http_code}", "-X", method]
    for header in headers:
        args += ["-H", header]
    if body is not None:
        args += ["--data-binary", body]
    for _ in range(3):
        answer = subprocess.run([*args, url], capture_output=True, text=True).stdout
    return answer[-3:], re.search(r"^x-page-cache: *hit", answer, re.I | re.M) is not None


# gunicorn's workers. A rotating row's warm-up sends each path WARM_UP_ROUNDS times, each on a
# new connection from several at once, so every process has likely met each lesson (its caches of
# the live lesson and the course, its kept fragments): a path the kernel hands to a random
# worker each time misses a given one of 4 with probability (3/4)^12, about 3%. (Until
# 2026-12-06 the warm-up went through one kept-alive connection, i.e. to one worker: the other
# three met each lesson for the first time during the measured run.)
WORKERS = 4
WARM_UP_ROUNDS = 3 * WORKERS
WARM_UP_CLIENTS = 8


def warm_up_rotation(url, rotate: dict, *, method="GET", body=None, headers=(), rounds=WARM_UP_ROUNDS) -> int:
    """Each path of `rotate` `rounds` times (a random cookie of the rotation each, the other
    headers kept), each request on its own connection, WARM_UP_CLIENTS at a time, so a rotating
    row measures a warm server as the one-path rows do (their warm-up meets their one path)
    rather than the caches filling with 200 lessons in each of its processes. Returns how many
    answers were not 2xx."""
    base = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    fixed = dict(header.split(": ", 1) for header in headers)
    sends = [path for _ in range(rounds) for path in rotate["paths"]]
    random.shuffle(sends)

    def send(path) -> bool:
        answer = requests.request(
            method,
            base + path,
            data=body,
            headers={**fixed, "Cookie": random.choice(rotate["cookies"]), "Connection": "close"},
            timeout=30,
        )
        return not answer.ok

    with ThreadPoolExecutor(WARM_UP_CLIENTS) as clients:
        return sum(clients.map(send, sends))


LOAD_START, LOAD_END = "<!-- load:start -->", "<!-- load:end -->"


def with_load_table(text: str, table: str) -> str:
    """`text` (bench/README.md) with its load block, from LOAD_START to the first LOAD_END after
    it, replaced by `table` (appended when there is none). Only that block: the README mentions
    the end marker further on, and a run of 2026-12-06 that matched up to the last mention
    deleted the sections in between."""
    block = f"{LOAD_START}\n{table}\n\nCommand: `.venv/bin/python bench/load.py --write-readme`\n{LOAD_END}"
    if LOAD_START not in text:
        return f"{text}\n{block}\n"
    start = text.index(LOAD_START)
    end = text.index(LOAD_END, start) + len(LOAD_END)
    return text[:start] + block + text[end:]


def redis_forget(env: dict):
    """Drop this run's keys (cache, sessions, the Celery queue of tasks no worker ran)."""
    client = redis.Redis.from_url(env["REDIS_URL"])
    keys = [
        *client.scan_iter(match=f"{env['CACHE_KEY_PREFIX']}*", count=1000),
        *client.scan_iter(match=f"{env['CELERY_QUEUE']}*", count=1000),
        *client.scan_iter(match=f"_kombu.binding*.{env['CELERY_QUEUE']}", count=1000),
    ]
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def wrk(url, *, duration, connections, think=False, method="GET", body=None, headers=(), pool=None, rotate=None):
    """A wrk run (saturated unless `think`: wrk's delay(), unwarmed connections; the users
    runs use think_run)."""
    with tempfile.TemporaryDirectory(prefix="lectern-wrk-") as folder:
        setup = []
        if rotate is not None:
            setup.append(rotate_script(rotate))
        if pool is not None:
            entries = pool.take(pool.needed(duration=duration, connections=connections, think=think))
            setup.append(pool_script(entries, host=urlsplit(url).netloc, folder=Path(folder)))
        if method != "GET":
            setup.append(f'wrk.method = "{method}"')
        if body is not None:
            setup.append(f"wrk.body = {json.dumps(body)}")
        if think:
            setup.append(THINK)
        script = Path(folder) / "bench.lua"
        script.write_text(LUA_REPORT.replace("{setup}", "\n".join(setup)))
        args = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script)]
        for header in headers:
            args += ["-H", header]
        before = cpu.snapshot(APP_SESSION, database=APP_DATABASE) if APP_SESSION else None
        output = subprocess.run([*args, url], capture_output=True, text=True, timeout=duration + 60).stdout
        after = cpu.snapshot(APP_SESSION, database=APP_DATABASE) if APP_SESSION else None
    match = re.search(r"^JSON (.*)$", output, re.M)
    if not match:
        raise RuntimeError(f"wrk gave no result for {url}:\n{output}")
    result = json.loads(match.group(1))
    if pool is not None:
        pool.give_back(entries, result["sent"])
    result["rps"] = result["requests"] / result["seconds"] if result["seconds"] else 0
    result["cpu"] = cpu.per_request(before, after, result["requests"])
    return result


# Users runs: a Python client, one thread per connection. Each connection first sends one
# unmeasured request (so no measured request pays for a connection of a server that has just
# been hit by N new ones at once: wrk opened all N in one burst and measured their first
# requests), then thinks THINK_SECONDS between requests, as wrk's delay() did.
THINK_SECONDS = (0.5, 1.5)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `samples` (0 without any)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def think_run(
    url, *, duration, connections, method="GET", body=None, headers=(), rotate=None, pool=None, think=THINK_SECONDS
) -> dict:
    """N users on N keep-alive connections, each warmed by one unmeasured request, then
    pausing `think` (seconds, uniform) between requests for `duration` s; the measured requests'
    latency. The same result as wrk() (p50/p95 in ms, requests, errors, non2xx, exhausted,
    sent, rps). `rotate` and `pool` as for wrk(): a random path and cookie per request, or
    each request a one-shot entry of the pool sent once (what was not sent goes back)."""
    parts = urlsplit(url)
    base_headers = {"Host": parts.netloc}
    for header in headers:
        name, _, value = header.partition(":")
        base_headers[name.strip()] = value.strip()
    entries: list[dict] = []
    if pool is not None:  # the measured requests, and one warm-up per connection
        entries = pool.take(pool.needed(duration=duration, connections=connections, think=True) + connections)
    lock = threading.Lock()
    handed = [0]
    latencies: list[float] = []
    counts = {"errors": 0, "non2xx": 0, "exhausted": 0, "sent": 0}
    start = [0.0]
    # Measuring starts when the last connection is warm: the barrier's action runs before any
    # thread goes on, so every one reads the same start.
    ready = threading.Barrier(connections + 1, action=lambda: start.__setitem__(0, time.monotonic()), timeout=120)

    def next_request():
        if pool is None:
            request_headers = dict(base_headers)
            path = parts.path or "/"
            if rotate is not None:
                path = random.choice(rotate["paths"])
                request_headers["Cookie"] = random.choice(rotate["cookies"])
            return method, path, body, request_headers
        with lock:
            if handed[0] >= len(entries):
                return None
            entry = entries[handed[0]]
            handed[0] += 1
        return "POST", entry["path"], entry["body"], {"Host": parts.netloc, **entry["headers"]}

    def send(connection, request) -> tuple[http.client.HTTPConnection, int | None]:
        verb, path, payload, request_headers = request
        try:
            connection.request(
                verb, path, body=payload.encode() if payload is not None else None, headers=request_headers
            )
            response = connection.getresponse()
            response.read()
            return connection, response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10), None

    def user():
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            request = next_request()
            if request is not None:
                connection, _status = send(connection, request)  # the warm-up: not measured
            ready.wait()
            deadline = start[0] + duration
            while True:
                time.sleep(random.uniform(*think))
                if time.monotonic() >= deadline:
                    return
                request = next_request()
                if request is None:
                    with lock:
                        counts["exhausted"] += 1
                    continue
                began = time.perf_counter()
                connection, status = send(connection, request)
                took = (time.perf_counter() - began) * 1000
                with lock:
                    counts["sent"] += 1
                    if status is None:
                        counts["errors"] += 1
                    else:
                        latencies.append(took)
                        if not 200 <= status < 300:
                            counts["non2xx"] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=user, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join(duration + 60)
    seconds = time.monotonic() - start[0]
    if pool is not None:
        pool.entries = entries[handed[0] :] + pool.entries
    requests_made = len(latencies) + counts["errors"]
    return {
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "requests": requests_made,
        "seconds": seconds,
        "errors": counts["errors"],
        "non2xx": counts["non2xx"],
        "exhausted": counts["exhausted"],
        "sent": [counts["sent"] + counts["exhausted"]],  # as wrk's: how far the pool was read, past its end too
        "rps": requests_made / seconds if seconds else 0,
    }


def cpu_table(rows: list[dict]) -> list[str]:
    """Where each saturated run's machine time went, per request (bench/cpu.py)."""
    measured = [row for row in rows if row["saturated"].get("cpu")]
    if not measured:
        return []
    lines = [
        "",
        "Machine time per request in the saturated runs, ms of CPU (bench/cpu.py: the app server's "
        "processes, PostgreSQL's, Redis's and wrk's from /proc; other = the machine's busy time "
        "outside them):",
        "",
        "| target | app (gunicorn) | PostgreSQL | Redis | wrk | other | machine |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in measured:
        used = row["saturated"]["cpu"]
        lines.append(
            f"| {row['name']} | "
            + " | ".join(f"{used[group]:.2f}" for group in ("app", "postgres", "redis", "wrk", "other", "total"))
            + " |"
        )
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated words: run only the targets whose name has one (the bare view always "
        "runs), e.g. --only lesson,heartbeat",
    )
    parser.add_argument(
        "--page-cache-seconds",
        type=int,
        default=None,
        help="PAGE_CACHE_SECONDS of the server (default: the settings' default; 0 = off)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of the server other than the production default, e.g. --env DATABASE_POOL=false",
    )
    options = parser.parse_args()
    if options.only and options.write_readme:
        parser.error("--write-readme records a whole run: leave out --only")

    workdir = Path(tempfile.mkdtemp(prefix="lectern-bench-"))
    cluster = Cluster(workdir)
    cluster.env.pop("AWS_STORAGE_BUCKET_NAME")
    cluster.env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    # Exactly the production defaults (database connections included); --env changes one for a comparison.
    for assignment in options.env:
        key, _, value = assignment.partition("=")
        cluster.env[key] = value
    cluster.env["BENCH_VIEWS"] = "true"  # /bench/bare/ and /bench/bare-signed-in/ are the baselines
    if options.page_cache_seconds is not None:
        cluster.env["PAGE_CACHE_SECONDS"] = str(options.page_cache_seconds)
    cluster.env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", cluster.env["REDIS_URL"])
    cluster.env["PAYSTACK_SECRET_KEY"] = f"sk_test_bench_{os.urandom(8).hex()}"  # webhook_pool signs with it
    rows = []
    try:
        cluster.create_database()
        log("migrating, seeding the demo and a course of 200 lessons")
        cluster.manage("migrate", "--noinput")
        cluster.manage("collectstatic", "--noinput")
        cluster.manage("seed_demo")
        setup = SETUP.replace("__PARAMS__", json.dumps({"lessons": 200, "learners": options.connections}))
        facts = json.loads(re.search(r"^BENCH (.*)$", cluster.manage("shell", "-c", setup), re.M).group(1))
        server = cluster.start(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(WORKERS),
                "--threads",
                "4",
                "config.wsgi",
            ],
        )
        base = f"http://127.0.0.1:{PORT}"
        wait_for(f"{base}/healthz")
        global APP_SESSION, APP_DATABASE
        APP_SESSION, APP_DATABASE = server.pid, cluster.env["DATABASE_URL"].rsplit("/", 1)[1]
        cookie = f"Cookie: sessionid={facts['session']}"
        only = [word.strip().lower() for word in options.only.split(",") if word.strip()]

        def wanted(name):
            return name.startswith("bare Django") or not only or any(word in name.lower() for word in only)

        quiz_path, quiz = quiz_pool(cluster, facts["quiz_block_id"]) if wanted("quiz submit") else ("", None)
        webhook_path, webhooks = webhook_pool(cluster) if wanted("paystack webhook") else ("", None)
        targets = [
            ("bare Django view", f"{base}/bench/bare/", {}),
            (
                "bare view, signed in (session and user loaded, nothing else)",
                f"{base}/bench/bare-signed-in/",
                {"headers": [cookie]},
            ),
            ("anonymous catalog", f"{base}/courses/", {}),
            ("course page", f"{base}{facts['course_url']}", {}),
            ("lesson page, enrolled, course of 200 lessons", f"{base}{facts['lesson_url']}", {"headers": [cookie]}),
            (
                f"lesson pages, {options.connections} students moving through a course of 200 lessons",
                f"{base}{facts['lesson_url']}",
                {"headers": [cookie], "rotate": {"paths": facts["lesson_urls"], "cookies": facts["learner_cookies"]}},
            ),
            (
                "progress heartbeat (PUT)",
                f"{base}/api/v1/lessons/{facts['lesson_id']}/progress/",
                {
                    "method": "PUT",
                    "body": json.dumps({"time_spent_delta": 15}),
                    "headers": [
                        f"Cookie: {facts['cookie']}",
                        f"X-CSRFToken: {facts['csrf_token']}",
                        "Content-Type: application/json",
                    ],
                },
            ),
            (
                f"progress heartbeats (PUT), {options.connections} students moving through a course of 200 lessons",
                f"{base}/api/v1/lessons/{facts['lesson_id']}/progress/",
                {
                    "method": "PUT",
                    "body": json.dumps({"time_spent_delta": 15}),
                    "headers": [
                        f"Cookie: {facts['cookie']}",
                        f"X-CSRFToken: {facts['csrf_token']}",
                        "Content-Type: application/json",
                    ],
                    "rotate": {
                        "paths": [f"/api/v1/lessons/{pk}/progress/" for pk in facts["lesson_ids"]],
                        "cookies": facts["learner_csrf_cookies"],
                    },
                },
            ),
            ("quiz submit (POST, JWT)", f"{base}{quiz_path}", {"pool": quiz}),
            ("PayStack webhook, charge.success", f"{base}{webhook_path}", {"pool": webhooks}),
        ]
        for name, url, extra in targets:
            if not wanted(name):
                continue
            if "pool" in extra:
                status, cached = (
                    probe(url, extra["pool"], duration=options.duration, connections=options.connections),
                    False,
                )
            else:
                status, cached = warm_up(url, **{key: value for key, value in extra.items() if key != "rotate"})
                if "rotate" in extra:
                    refused = warm_up_rotation(
                        url,
                        extra["rotate"],
                        **{key: extra[key] for key in ("method", "body", "headers") if key in extra},
                    )
                    status += f", {len(extra['rotate']['paths']) * WARM_UP_ROUNDS} warm-up requests" + (
                        f" ({refused} not 2xx)" if refused else ""
                    )
            if "pool" in extra:
                runs = {"duration": options.duration, "connections": options.connections, "pool": extra["pool"]}
                saturated = pool_run(url, think=False, **runs)
                users = pool_run(url, think=True, **runs)
            else:
                saturated = wrk(url, duration=options.duration, connections=options.connections, **extra)
                users = think_run(url, duration=options.duration, connections=options.connections, **extra)
            rows.append(
                {
                    "name": name + (" [page cache hit]" if cached else ""),
                    "status": status,
                    "saturated": saturated,
                    "users": users,
                    "pool": extra.get("pool"),
                }
            )
            log(f"{name}: {saturated['rps']:.0f} rps saturated, users p95 {users['p95']:.1f} ms")
            time.sleep(1)
    finally:
        cluster.stop()
        redis_forget(cluster.env)
    bare = rows[0]["saturated"]["rps"] or 1
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores: gunicorn 4×4 threads, "
        f"PostgreSQL, Redis; wrk {options.connections} connections × {options.duration} s each; "
        f"production settings{' with ' + ', '.join(options.env) if options.env else ''}.",
        "Rows marked [page cache hit] were answered from the anonymous page cache (no SQL); "
        "`--page-cache-seconds 0` measures them rendered.",
        "",
        f"| target | saturated rps | ratio to bare | saturated p50 / p95 ms | {options.connections} users "
        "(connections warmed, 0.5–1.5 s think) p50 / p95 ms | errors |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    notes = []
    for row in rows:
        s, u = row["saturated"], row["users"]
        errors = f"{s['errors'] + s['non2xx'] + u['errors'] + u['non2xx']}"
        if s["exhausted"] + u["exhausted"]:
            errors += f" ({s['exhausted'] + u['exhausted']} past the end of the pool: not measured)"
        # A run that ran past the end of its pool (even after its reruns) mixes real requests
        # with 404s: its numbers are not shown as if they were clean.
        ran_out = "pool ran out"
        rps = ran_out if s["exhausted"] else f"{s['rps']:.0f}"
        ratio = ran_out if s["exhausted"] else f"{s['rps'] / bare:.2f}"
        saturated_ms = ran_out if s["exhausted"] else f"{s['p50']:.1f} / {s['p95']:.1f}"
        users_ms = ran_out if u["exhausted"] else f"{u['p50']:.1f} / {u['p95']:.1f}"
        lines.append(
            f"| {row['name']} (HTTP {row['status']}) | {rps} | {ratio} | {saturated_ms} | {users_ms} | {errors} |"
        )
        if row["pool"]:
            sent = sum(s["sent"]) + sum(u["sent"]) - s["exhausted"] - u["exhausted"]
            reruns = s.get("reruns", 0) + u.get("reruns", 0)
            notes.append(
                f"- {row['pool'].note}; {sent} sent in the two measured runs, {row['pool'].built} prepared"
                + (f" ({reruns} run(s) ran past the end of the pool and were run again)" if reruns else "")
                + "."
            )
    if notes:
        lines += ["", "Each request of these rows changes state once, as in production:", *notes]
    lines += cpu_table(rows)
    table = "\n".join(lines)
    print(table)
    if options.write_readme:
        readme = ROOT / "bench" / "README.md"
        readme.write_text(with_load_table(readme.read_text() if readme.exists() else "# Benchmarks\n", table))


if __name__ == "__main__":
    main()
