"""The catalog page (/courses/) with 40 courses, anonymous visitor. Usage:
.venv/bin/python bench/catalog.py                # BENCH_SECONDS, BENCH_CONNECTIONS
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.learning_common import run  # noqa: E402

SETUP = """
from learners.models import Review
from learners.enrollment.services import enrollment_create
from tests.factories import make_course, make_user

for n in range(40):
    course = make_course(title=f"Course {n}", lessons=3)
    student = make_user()
    enrollment_create(user=student, course=course)
    Review.objects.create(user=student, course=course, rating=1 + n % 5)
print(json.dumps({"path": "/courses/"}))
"""

if __name__ == "__main__":
    # This script measures rendering the catalog, so the anonymous page cache is off unless
    # asked for (bench/load.py measures the cached catalog that anonymous visitors get).
    os.environ.setdefault("PAGE_CACHE_SECONDS", "0")
    run("catalog (40 courses, anonymous)", SETUP, port=8102)
