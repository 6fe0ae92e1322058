"""Search inside courses: the searchable passages of each live lesson, kept in step with
publishing, and the full-text search over them (docs/search.md).

A passage is one block of a lesson body as plain text: rich text and Markdown without markup,
block titles, a PDF's title and description, a quiz's title, description and question texts
(never its options, feedback or explanations: they would give answers away), an assignment's
instructions and rubric, a callout, an image's caption. On PostgreSQL the search is
PostgreSQL's own full-text search (English configuration, titles weighted above text,
websearch syntax, ts_rank, ts_headline snippets); elsewhere (SQLite) every word must appear,
ranked by how often, with a snippet cut around the first hit."""

import hashlib
import html
import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from blocks.text import render_markdown

from .models import CoursePage, LessonPage, LessonPassage

SEARCH_CONFIG = "english"
# ts_headline's highlight markers: control characters no passage text contains, so the snippet
# can be HTML-escaped as a whole and the markers turned into <mark> afterwards.
_START, _STOP = "\x02", "\x03"
MAX_TERMS = 12
# Words a plain-language question carries that say nothing about its subject.
STOP_WORDS = frozenset(
    "the and for are was were what when where which who why how does did can could should would "
    "this that these those with from into about there their them then than you your our has have "
    "had not but all any its it's is be do of in on to a an or as at by if so".split()
)
SNIPPET_CHARS = 220


@dataclass(frozen=True)
class PassageData:
    block_id: str
    block_type: str
    position: int
    title: str
    text: str

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(f"{self.block_type}\x00{self.title}\x00{self.text}".encode()).hexdigest()


def _plain(markup: str) -> str:
    return " ".join(html.unescape(strip_tags(markup or "")).split())


def _join(*parts) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def _passage_text(block_type: str, value, document_titles: dict) -> tuple[str, str]:
    """(title, text) of one raw block value."""
    if block_type == "rich_text":
        return "", _plain(value)
    if block_type == "markdown":
        return "", _plain(render_markdown(value))
    value = value if isinstance(value, dict) else {}
    title = (value.get("title") or "").strip()
    if block_type == "document":
        document_title = document_titles.get(value.get("document"), "")
        return title or document_title, _join(document_title if title else "", value.get("description", ""))
    if block_type == "quiz":
        questions = [q.get("value", q).get("text", "") for q in value.get("questions", [])]
        return title, _join(value.get("description", ""), *questions)
    if block_type == "assignment":
        rubric = [
            _join(r.get("value", r).get("title", ""), r.get("value", r).get("description", ""))
            for r in value.get("rubric", [])
        ]
        return title, _join(_plain(value.get("instructions", "")), *rubric)
    if block_type == "callout":
        return title, _plain(value.get("body", ""))
    if block_type == "image":
        return "", _join(value.get("caption", ""), value.get("alt_text", ""))
    return title, ""  # video, h5p, ai_tool: their title


def lesson_passages(lesson: LessonPage) -> list[PassageData]:
    """The passages of a lesson's body, in body order (one query for the PDFs' titles)."""
    from wagtail.documents import get_document_model

    raw = list(lesson.body.raw_data)
    document_ids = {
        b["value"].get("document") for b in raw if b.get("type") == "document" and isinstance(b.get("value"), dict)
    }
    titles = dict(get_document_model().objects.filter(pk__in=document_ids - {None}).values_list("pk", "title"))
    passages = []
    for position, block in enumerate(raw):
        title, text = _passage_text(block.get("type", ""), block.get("value"), titles)
        if title or text:
            passages.append(
                PassageData(str(block.get("id", position)), block.get("type", ""), position, title[:255], text)
            )
    return passages


def lesson_passages_sync(*, lesson_id: int) -> list[int]:
    """Bring a lesson's stored passages in step with its live body: only blocks whose text
    changed are written (and their embeddings recomputed); a lesson no longer live loses them.
    Idempotent. Returns the ids of the passages written."""
    lesson = LessonPage.objects.filter(pk=lesson_id).first()
    if lesson is None or not lesson.live:
        LessonPassage.objects.filter(lesson_id=lesson_id).delete()
        return []
    course = CoursePage.objects.ancestor_of(lesson).first()
    if course is None:
        return []
    wanted = {p.block_id: p for p in lesson_passages(lesson)}
    written = []
    with transaction.atomic():
        stored = {p.block_id: p for p in LessonPassage.objects.select_for_update().filter(lesson=lesson)}
        LessonPassage.objects.filter(pk__in=[p.pk for bid, p in stored.items() if bid not in wanted]).delete()
        for block_id, data in wanted.items():
            row = stored.get(block_id)
            if row and row.content_hash == data.content_hash and row.course_id == course.pk:
                if row.position != data.position:
                    LessonPassage.objects.filter(pk=row.pk).update(position=data.position)
                continue
            row, _ = LessonPassage.objects.update_or_create(
                lesson=lesson,
                block_id=block_id,
                defaults={
                    "course": course,
                    "block_type": data.block_type,
                    "position": data.position,
                    "title": data.title,
                    "text": data.text,
                    "content_hash": data.content_hash,
                    "embedding": None,
                },
            )
            written.append(row.pk)
    return written


def passages_rebuild(*, course: CoursePage | None = None) -> int:
    """Sync every lesson (of one course): after an import, or to fill the table the first time."""
    lessons = LessonPage.objects.all()
    if course is not None:
        lessons = lessons.descendant_of(course)
    count = 0
    for lesson_id in lessons.values_list("pk", flat=True):
        count += len(lesson_passages_sync(lesson_id=lesson_id))
    return count


# Search ------------------------------------------------------------------------------------


@dataclass
class PassageHit:
    passage: LessonPassage
    rank: float
    snippet: SafeString


def terms_of(q: str) -> list[str]:
    return re.findall(r"\w+", (q or "").lower())[:MAX_TERMS]


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _vector():
    """The stored, generated tsvector column (title A, text B, English; migration 0005 adds it
    on PostgreSQL only, so the model does not declare it)."""
    return RawSQL('"coursepages_lessonpassage"."search_vector"', [], output_field=SearchVectorField())


def _query(q: str):
    return SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)


def _matching(q: str, passages):
    if uses_postgres():
        return passages.annotate(search=_vector()).filter(search=_query(q))
    terms = terms_of(q)
    any_word = " or " in f" {q.lower()} "
    condition = Q()
    for term in terms:
        if term == "or" and any_word:
            continue
        word = Q(title__icontains=term) | Q(text__icontains=term)
        condition = (condition | word) if any_word else (condition & word)
    return passages.filter(condition)


def python_snippet(text: str, terms: list[str]) -> SafeString:
    lowered = text.lower()
    hits = [lowered.find(t) for t in terms if lowered.find(t) >= 0]
    start = max(0, min(hits) - SNIPPET_CHARS // 3) if hits else 0
    piece = text[start : start + SNIPPET_CHARS]
    out = escape(piece)
    if terms:
        pattern = re.compile("(" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + ")", re.I)
        out = pattern.sub(r"<mark>\1</mark>", out)
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_CHARS < len(text) else ""
    return mark_safe(f"{prefix}{out}{suffix}")  # escaped above; only <mark> added


def passages_search(
    *, q: str, course_ids=None, limit: int = 50, any_word: bool = False, snippets: bool = True
) -> list[PassageHit]:
    """Passages matching `q` (of the given courses), best first, with a highlighted snippet.
    The snippet is HTML: the passage text escaped, the matched words in <mark>. With
    `any_word` a passage needs only one of the words (a question in plain language), ranked
    by how many it has. Without `snippets` the ranking alone is computed (ts_headline is the
    costly part), and each hit's snippet is empty."""
    terms = terms_of(q)
    if any_word:
        terms = [t for t in terms if len(t) > 2 and t not in STOP_WORDS]
    if not terms:
        return []
    passages = LessonPassage.objects.select_related("lesson")
    if course_ids is not None:
        passages = passages.filter(course_id__in=course_ids)
    if any_word:
        q = " OR ".join(terms)
    if uses_postgres():
        query = _query(q)
        if not snippets:
            rows = (
                _matching(q, passages)
                .annotate(rank=SearchRank(_vector(), query))
                .order_by("-rank", "lesson_id", "position")[:limit]
            )
            return [PassageHit(passage=row, rank=float(row.rank), snippet=mark_safe("")) for row in rows]
        rows = (
            _matching(q, passages)
            .annotate(
                rank=SearchRank(_vector(), query),
                headline=SearchHeadline(
                    "text",
                    query,
                    config=SEARCH_CONFIG,
                    start_sel=_START,
                    stop_sel=_STOP,
                    max_words=35,
                    min_words=12,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
            .order_by("-rank", "lesson_id", "position")[:limit]
        )
        return [
            PassageHit(
                passage=row,
                rank=float(row.rank),
                snippet=mark_safe(escape(row.headline).replace(_START, "<mark>").replace(_STOP, "</mark>")),
            )
            for row in rows
        ]
    hits = []
    for row in _matching(q, passages)[: limit * 4]:
        title, text = row.title.lower(), row.text.lower()
        # A word in the title weighs three times one in the text (as weights A and B on PostgreSQL).
        rank = sum(3 * title.count(t) + text.count(t) for t in terms) / (1 + len(text) / 2000)
        snippet = python_snippet(row.text, terms) if snippets else mark_safe("")
        hits.append(PassageHit(passage=row, rank=rank, snippet=snippet))
    hits.sort(key=lambda h: (-h.rank, h.passage.lesson_id, h.passage.position))
    return hits[:limit]


def course_ids_matching_passages(q: str) -> list[int]:
    """Courses with a lesson passage matching `q`: the catalog search finds courses by their lessons."""
    if not terms_of(q):
        return []
    return list(_matching(q, LessonPassage.objects.all()).values_list("course_id", flat=True).distinct())
