""" "Ask this course": the passages of a course ranked for a question in plain language, by
meaning (embeddings, coursepages.embeddings) and by words (full-text search,
coursepages.passages), fused by reciprocal rank (docs/search.md)."""

import time

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import LessonPassage
from .passages import SNIPPET_CHARS, PassageHit, passages_search

CANDIDATES = 50
RRF_K = 60  # the usual constant of reciprocal rank fusion: 1 / (60 + rank)
MODES = ("hybrid", "fulltext", "embedding")


def _semantic_ranking(*, q: str, course_ids, deadline: float) -> list[int]:
    """Passage ids by cosine similarity to the question; [] when out of budget."""
    import numpy as np

    from .embeddings import embed_texts

    question = embed_texts([q])[0]
    rows = list(
        LessonPassage.objects.filter(course_id__in=course_ids, embedding__isnull=False)
        .order_by()
        .values_list("pk", "embedding")[: settings.ASK_MAX_PASSAGES]
    )
    if not rows or time.monotonic() > deadline:
        return []
    ids = [pk for pk, _ in rows]
    matrix = np.asarray([vector for _, vector in rows], dtype=np.float32)
    if matrix.shape[1] != question.shape[0]:
        return []  # embeddings of another model size: wait for them to be recomputed
    scores = matrix @ question
    order = np.argsort(-scores)[:CANDIDATES]
    return [ids[i] for i in order]


def _lead(text: str) -> str:
    piece = text[:SNIPPET_CHARS]
    return escape(piece) + (" …" if len(text) > SNIPPET_CHARS else "")


def passages_ask(*, q: str, course_ids, limit: int = 5, mode: str = "hybrid") -> list[PassageHit]:
    """The `limit` passages that best answer `q`. `mode` "fulltext" or "embedding" ranks by one
    signal alone (for measuring). Within ASK_BUDGET_SECONDS: past it, the meaning ranking is
    left out and the words decide."""
    q = " ".join((q or "").split())[:500]
    if not q:
        return []
    deadline = time.monotonic() + settings.ASK_BUDGET_SECONDS
    words = passages_search(q=q, course_ids=course_ids, limit=CANDIDATES, any_word=True) if mode != "embedding" else []
    meaning = _semantic_ranking(q=q, course_ids=course_ids, deadline=deadline) if mode != "fulltext" else []
    scores: dict[int, float] = {}
    for ranking in ([hit.passage.pk for hit in words], meaning):
        for rank, pk in enumerate(ranking, start=1):
            scores[pk] = scores.get(pk, 0.0) + 1.0 / (RRF_K + rank)
    best = sorted(scores, key=lambda pk: -scores[pk])[:limit]
    snippets = {hit.passage.pk: hit.snippet for hit in words}
    passages = LessonPassage.objects.select_related("lesson").in_bulk(best)
    return [
        PassageHit(
            passage=passages[pk],
            rank=scores[pk],
            snippet=snippets.get(pk) or mark_safe(_lead(passages[pk].text)),  # escaped in _lead
        )
        for pk in best
        if pk in passages
    ]
