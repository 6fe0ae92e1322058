""" "Ask this course": the passages of a course ranked for a question in plain language, by
meaning (embeddings, coursepages.embeddings) and by words (full-text search,
coursepages.passages), fused by reciprocal rank (docs/search.md)."""

import time
from collections import OrderedDict

from django.conf import settings
from django.db.models import Count, Max

from .models import LessonPassage
from .passages import STOP_WORDS, PassageHit, passages_search, python_snippet, terms_of

CANDIDATES = 50
RRF_K = 60  # the usual constant of reciprocal rank fusion: 1 / (60 + rank)
MODES = ("hybrid", "fulltext", "embedding")


# The embedding matrix of each recently asked course, in this process: rebuilding it means
# reading every passage's array from the database, which costs more than the ranking itself.
# Keyed by the course's passage count and latest change, so any edit (or a new embedding)
# makes the copy stale; nothing another process needs lives only here.
_matrices: OrderedDict = OrderedDict()
MATRICES_KEPT = 32


def _course_matrix(course_ids):
    import numpy as np

    embedded = LessonPassage.objects.filter(course_id__in=course_ids, embedding__isnull=False).order_by()
    stamp = embedded.aggregate(count=Count("id"), latest=Max("updated_at"))
    key = (tuple(sorted(course_ids)), stamp["count"], stamp["latest"])
    if key in _matrices:
        _matrices.move_to_end(key)
        return _matrices[key]
    rows = list(embedded.values_list("pk", "embedding")[: settings.ASK_MAX_PASSAGES])
    ids = [pk for pk, _ in rows]
    matrix = np.asarray([vector for _, vector in rows], dtype=np.float32) if rows else None
    _matrices[key] = (ids, matrix)
    while len(_matrices) > MATRICES_KEPT:
        _matrices.popitem(last=False)
    return ids, matrix


def _semantic_ranking(*, q: str, course_ids, deadline: float) -> list[int]:
    """Passage ids by cosine similarity to the question; [] when out of budget."""
    import numpy as np

    from .embeddings import embed_texts

    question = embed_texts([q])[0]
    ids, matrix = _course_matrix(list(course_ids))
    if matrix is None or time.monotonic() > deadline:
        return []
    if matrix.shape[1] != question.shape[0]:
        return []  # embeddings of another model size: wait for them to be recomputed
    scores = matrix @ question
    order = np.argsort(-scores)[:CANDIDATES]
    return [ids[i] for i in order]


def passages_ask(*, q: str, course_ids, limit: int = 5, mode: str = "hybrid") -> list[PassageHit]:
    """The `limit` passages that best answer `q`. `mode` "fulltext" or "embedding" ranks by one
    signal alone (for measuring). Within ASK_BUDGET_SECONDS: past it, the meaning ranking is
    left out and the words decide."""
    q = " ".join((q or "").split())[:500]
    if not q:
        return []
    deadline = time.monotonic() + settings.ASK_BUDGET_SECONDS
    words = (
        passages_search(q=q, course_ids=course_ids, limit=CANDIDATES, any_word=True, snippets=False)
        if mode != "embedding"
        else []
    )
    meaning = _semantic_ranking(q=q, course_ids=course_ids, deadline=deadline) if mode != "fulltext" else []
    scores: dict[int, float] = {}
    for ranking in ([hit.passage.pk for hit in words], meaning):
        for rank, pk in enumerate(ranking, start=1):
            scores[pk] = scores.get(pk, 0.0) + 1.0 / (RRF_K + rank)
    best = sorted(scores, key=lambda pk: -scores[pk])[:limit]
    passages = LessonPassage.objects.select_related("lesson").in_bulk(best)
    terms = [t for t in terms_of(q) if len(t) > 2 and t not in STOP_WORDS]
    return [
        PassageHit(passage=passages[pk], rank=scores[pk], snippet=python_snippet(passages[pk].text, terms))
        for pk in best
        if pk in passages
    ]
