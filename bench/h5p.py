"""H5P on the server: the time to store an uploaded package (validate, extract, work out its
grading, checksum and register its library folders), first with new library code and then
with code already registered; and the time to record a Question Set's `completed` statement,
which the server grades from the attempt's child answers and the package's content.json.

    .venv/bin/python bench/h5p.py [--count 30]

Runs in-process on a throwaway SQLite database and private storage in a temp folder."""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CODE = r"""
import copy, json, statistics, time, uuid
from pathlib import Path
from django.core.files import File
from coursepages.models import H5PPackage
from learners.interactive.h5p import h5p_package_store
from learners.interactive.xapi import activity_iri, xapi_statement_record
from learners.models import H5PAttempt
from tests.factories import make_user
from tests.learners.interactive.interactive_helpers import enrolled, h5p_course, repackaged, libraries_installed
from tests.learners.interactive.test_h5p_grading import BERRIES, DRAG, SUBJUNTIVO

fixtures = Path("/work/shared/fixtures/h5p")
names = sorted(p.name for p in fixtures.glob("*.h5p")) if fixtures.exists() else []
if not names:
    fixtures, names = Path("learners/interactive/demo_content"), ["python-lists-true-false.h5p"]
stores = {}
for name in names:
    row = []
    for _ in range(2):  # new library code, then the same code again
        with open(fixtures / name, "rb") as handle:
            start = time.perf_counter()
            h5p_package_store(package=H5PPackage(title=name), upload=File(handle, name=name))
            row.append((time.perf_counter() - start) * 1000)
    stores[name] = row

content = {"passPercentage": 50, "questions": [
    {"library": "H5P.TrueFalse 1.6", "subContentId": "tf", "params": {"correct": "true"}},
    {"library": "H5P.MultiChoice 1.14", "subContentId": "mc", "params": {"answers": [{"correct": True}, {"correct": False}]}},
    {"library": "H5P.Blanks 1.12", "subContentId": "blanks", "params": BERRIES},
    {"library": "H5P.DragText 1.8", "subContentId": "drag", "params": DRAG},
    {"library": "H5P.MarkTheWords 1.9", "subContentId": "mark", "params": SUBJUNTIVO},
]}
package = repackaged("H5P.QuestionSet 1.17", content)
course, lesson, block_id = h5p_course(package)
user = enrolled(make_user(), course)
iri = activity_iri(lesson_id=lesson.pk, block_id=block_id)
answers = {"tf": "true", "mc": "0", "blanks": "blue[,]cloud[,]black", "drag": "Norway[,]Denmark[,]Stockholm", "mark": "4[,]7"}
times = []
for _ in range(COUNT):
    attempt = H5PAttempt.objects.create(user=user, lesson=lesson, block_id=block_id)
    for sub, response in answers.items():
        xapi_statement_record(user=user, block_id=block_id, statement={
            "id": str(uuid.uuid4()), "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
            "object": {"id": f"{iri}?subContentId={sub}"}, "result": {"response": response},
            "context": {"registration": str(attempt.pk), "contextActivities": {"parent": [{"id": iri}]}}})
    statement = {"id": str(uuid.uuid4()), "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                 "object": {"id": iri}, "result": {"completion": True}, "context": {"registration": str(attempt.pk)}}
    start = time.perf_counter()
    outcome = xapi_statement_record(user=user, block_id=block_id, statement=statement)
    times.append((time.perf_counter() - start) * 1000)
    assert outcome["result"].score_raw == 10, outcome["result"].score_raw  # 1 + 1 + 3 + 3 + 2 of 14
times.sort()
print("RESULT " + json.dumps({"stores": stores, "median_ms": statistics.median(times),
                              "p95_ms": times[max(0, int(len(times) * 0.95) - 1)], "count": len(times)}))
"""


def main(count: int):
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "MEDIA_ROOT": f"{tmp}/m",
            "PRIVATE_MEDIA_ROOT": f"{tmp}/p",
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "PATH": "/usr/bin:/bin",
        }
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        run = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", CODE.replace("COUNT", str(count))],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if run.returncode:
            sys.exit(run.stderr[-3000:])
        output = run.stdout
    result = json.loads(re.search(r"^RESULT (.*)$", output, re.M).group(1))
    for name, (first, again) in result["stores"].items():
        print(f"store {name}: {first:.0f} ms with new library code, {again:.0f} ms with it registered")
    print(
        f"record and grade a Question Set's completed statement (5 questions): median {result['median_ms']:.1f} ms, "
        f"p95 {result['p95_ms']:.1f} ms over {result['count']}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=30)
    main(parser.parse_args().count)
