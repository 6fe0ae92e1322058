"""Measure "ask this course" (docs/search.md): recall@3 on the written course of
bench/ask_corpus.py for full text alone, embeddings alone and both fused; then the query time
on a course of 200 lessons (BENCH_ASK_LESSONS). A throwaway database: SQLite in a temp folder,
or BENCH_DATABASE_URL (PostgreSQL: its full-text search). Prints a Markdown table.

    .venv/bin/python bench/ask_course.py [--queries 50]"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.learning_common import environment  # noqa: E402

WORDS = (
    "account balance interest saving investment loan budget income expense tax pension risk return share bond "
    "market fund fee inflation insurance premium claim salary bracket deduction credit debit deposit withdrawal "
    "transfer mortgage rent property asset liability dividend yield portfolio rate currency exchange price cost"
).split()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    env = environment()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from bench.ask_corpus import build_course, expected_block_ids
    from coursepages.ask import passages_ask
    from coursepages.embeddings import embedding_model, passages_embed
    from coursepages.models import LessonPassage
    from coursepages.passages import passages_rebuild
    from tests.factories import make_course

    started = time.perf_counter()
    embedding_model()
    load_seconds = time.perf_counter() - started
    course = build_course()
    pairs = expected_block_ids(course)
    rows = []
    for mode in ("fulltext", "embedding", "hybrid"):
        found = 0
        for question, block_id in pairs:
            hits = passages_ask(q=question, course_ids=[course.pk], limit=3, mode=mode)
            found += any(hit.passage.block_id == block_id for hit in hits)
        rows.append((mode, found, len(pairs)))

    lessons = int(os.environ.get("BENCH_ASK_LESSONS", "200"))
    rng = random.Random(7)
    body = [
        (f"Lesson {i}", [("rich_text", "<p>" + " ".join(rng.choices(WORDS, k=120)) + ".</p>")] * 3, {})
        for i in range(lessons)
    ]
    big = make_course(
        title="Big course", sections=[(f"Part {s}", body[s * 20 : s * 20 + 20]) for s in range(lessons // 20)]
    )
    started = time.perf_counter()
    passages_rebuild(course=big)
    passages_embed()
    index_seconds = time.perf_counter() - started
    passages = LessonPassage.objects.filter(course=big).count()
    questions = [" ".join(rng.choices(WORDS, k=8)) + "?" for _ in range(args.queries)]
    timing = {}
    for mode in ("fulltext", "embedding", "hybrid"):
        timings = []
        for question in questions:
            t0 = time.perf_counter()
            passages_ask(q=question, course_ids=[big.pk], limit=5, mode=mode)
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        timing[mode] = (statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)])

    print(f"\ndatabase: {connection.vendor}; model load {load_seconds * 1000:.0f} ms\n")
    print(f"| ranking | recall@3 (10 written questions) | ask, {lessons}-lesson course: median / p95 |")
    print("| --- | --- | --- |")
    for mode, found, total in rows:
        median, p95 = timing[mode]
        print(f"| {mode} | {found}/{total} = {found / total:.1f} | {median:.0f} ms / {p95:.0f} ms |")
    print(
        f"\n{lessons} lessons, {passages} passages: indexing and embedding {index_seconds:.1f} s; "
        f"{len(questions)} questions of 8 words each"
    )


if __name__ == "__main__":
    main()
