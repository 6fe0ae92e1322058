"""The admin analytics dashboard on a busy day: closed days come from the roll-up, today and
yesterday are computed from their records when the page is opened (learners.analytics.services
.live_days). 20 courses, BENCH_STUDENTS (600) enrollments and progress rows and 300 sales
today. Usage:
    .venv/bin/python bench/analytics.py      # BENCH_SECONDS, BENCH_CONNECTIONS (a few admins: 4)
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.learning_common import run  # noqa: E402

SETUP = f"""
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from accounts.models import User
from coursepages.models import CoursePage
from learners.analytics.services import analytics_rollup
from learners.enrollment.services import enrollment_create
from learners.models import LessonProgress
from payments.earnings.ledger import ledger_record_sale
from tests.factories import lessons_of, make_course, make_user

courses = [make_course(title=f"Course {{n}}", lessons=2, pricing=CoursePage.Pricing.ONE_TIME, price_cents=49900)
           for n in range(20)]
lessons = {{course.pk: lessons_of(course) for course in courses}}
now = timezone.now()
progress = []
for n in range({int(os.environ.get("BENCH_STUDENTS", "600"))}):
    course = courses[n % len(courses)]
    enrollment, _ = enrollment_create(user=make_user(), course=course)
    for lesson in lessons[course.pk]:
        progress.append(LessonProgress(enrollment=enrollment, lesson=lesson, status="completed",
                                       first_accessed_at=now, last_accessed_at=now, completed_at=now))
LessonProgress.objects.bulk_create(progress, ignore_conflicts=True)
for n in range(300):
    ledger_record_sale(source_key=f"bench-{{n}}", course=courses[n % len(courses)], gross_cents=49900,
                       currency="ZAR", occurred_at=now)
analytics_rollup(days=30)
admin = make_user(role=User.Role.ADMIN, is_superuser=True, is_staff=True)
session = SessionStore()
session[SESSION_KEY] = str(admin.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
session.create()
print(json.dumps({{"path": "/admin/analytics/", "cookie": "sessionid=" + session.session_key}}))
"""

if __name__ == "__main__":
    os.environ.setdefault("BENCH_CONNECTIONS", "4")
    run("admin analytics (open days live)", SETUP, port=int(os.environ.get("BENCH_PORT", "8125")))
