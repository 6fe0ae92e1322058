"""Lesson page for an enrolled student (docs/architecture.md §9: p95 < 200 ms at 50 concurrent users on
2 cores; throughput at least half a bare Django view). Usage:
    .venv/bin/python bench/lesson_page.py            # BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_LESSONS
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.learning_common import run  # noqa: E402

SETUP = f"""
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from tests.factories import lessons_of, make_course, make_user

course = make_course(title="Bench course", lessons={int(os.environ.get("BENCH_LESSONS", "60"))})
student = make_user()
enrollment_create(user=student, course=course)
lessons = lessons_of(course)
for lesson in lessons[:10]:
    lesson_complete(context=learning_context_for(user=student, lesson=lesson))
session = SessionStore()
session[SESSION_KEY] = str(student.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = student.get_session_auth_hash()
session.create()
print(json.dumps({{"path": lessons[len(lessons) // 2].url, "cookie": "sessionid=" + session.session_key}}))
"""

if __name__ == "__main__":
    run("lesson page (enrolled student)", SETUP, port=8102)
