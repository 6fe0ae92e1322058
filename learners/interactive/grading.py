"""Server-side grading of H5P answers: the score is recomputed from the statement's
`result.response` against the package's own `content/content.json`, so a statement's claimed
score (kept in the stored statement, for the record) never decides a grade.

Each grader follows the scoring code of the H5P library itself and reads the response in the
format that library puts in its xAPI statements (`getxAPIResponse` / `getXAPIResponse`):

- H5P.TrueFalse: "true"/"false" against `correct`; 1 point.
- H5P.MultiChoice: the chosen answers' indexes in content.json joined by "[,]"; +1 for each
  correct answer chosen, −1 for each wrong one, at least 0, out of the number of correct
  answers, or all-or-nothing 1 point with `behaviour.singlePoint` (or one correct answer).
- H5P.Blanks: the text typed in each blank, in order, joined by "[,]"; a blank is `*answer*`
  in `questions` (alternatives `*a/b*`, a tip after `:`), compared trimmed, ignoring case
  unless `behaviour.caseSensitive`, with H5P's Damerau–Levenshtein tolerance under
  `behaviour.acceptSpellingErrors`; one point per blank.
- H5P.DragText: the word dropped in each zone, in order, joined by "[,]" ("" when empty);
  a zone is `*answer*` in `textField` (tip `:…`, feedback `\\+…`/`\\-…` stripped); one point
  per zone. A word is accepted only as often as the task offers it (answers + distractors).
- H5P.MarkTheWords: the indexes of the selected words joined by "[,]"; the words are
  `textField`'s text split as the library splits it, `*word*` marks an answer; correct
  selections minus wrong ones, at least 0, out of the number of answers (1 when there is
  none and selecting nothing is right).
- H5P.SingleChoiceSet: one point per question whose latest answer in this attempt (the child
  statement of its `subContentId`) is index 0, the set's right answer.
- H5P.QuestionSet: the sum of its questions' scores, each graded as above from the latest
  child statement of its `subContentId` in this attempt, out of the sum of their maxima;
  success when the percentage reaches `passPercentage`. Graded only when every question is of
  a type above (and no random pool hides which ones were shown): otherwise completion only.

Other content types, and packages whose content gives nothing to grade, are "completion
only": the server records no score for them, and the block decides whether their completion
may complete the lesson."""

import html
import json
import re
from collections import Counter
from html.parser import HTMLParser

from django.core.files.storage import storages

GRADED_LIBRARIES = (
    "H5P.TrueFalse",
    "H5P.MultiChoice",
    "H5P.SingleChoiceSet",
    "H5P.Blanks",
    "H5P.DragText",
    "H5P.MarkTheWords",
    "H5P.QuestionSet",
)
QUESTION_LIBRARIES = ("H5P.TrueFalse", "H5P.MultiChoice", "H5P.Blanks", "H5P.DragText", "H5P.MarkTheWords")
SEPARATOR = "[,]"
# Bumped when the graders change what they can grade: verdicts kept by an older version are
# worked out again.
GRADING_VERSION = 2


def package_content(package) -> dict | None:
    try:
        with storages["private"].open(f"{package.content_path}/content/content.json") as handle:
            content = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    return content if isinstance(content, dict) else None


def _library_name(library) -> str:
    return str(library or "").split(" ", 1)[0]


def _split(response) -> list[str]:
    return response.split(SEPARATOR) if isinstance(response, str) and response != "" else []


def _indexes(response, count: int) -> set[int]:
    return {int(part) for part in _split(response) if part.strip().isdigit() and int(part) < count}


# --- True/False and Multiple Choice -------------------------------------------------------


def _true_false_max(params: dict) -> float | None:
    return 1.0 if str(params.get("correct", "")).lower() in ("true", "false") else None


def _true_false(params: dict, response) -> float:
    correct = str(params.get("correct", "")).lower()
    return 1.0 if isinstance(response, str) and response.strip().lower() == correct else 0.0


def _multi_choice_key(params: dict) -> tuple[list, set[int], bool]:
    answers = params.get("answers") if isinstance(params.get("answers"), list) else []
    correct = {index for index, answer in enumerate(answers) if isinstance(answer, dict) and answer.get("correct")}
    single_point = bool((params.get("behaviour") or {}).get("singlePoint")) or len(correct) <= 1
    return answers, correct, single_point


def _multi_choice_max(params: dict) -> float | None:
    answers, correct, single_point = _multi_choice_key(params)
    if not answers or not correct:
        return None
    return 1.0 if single_point else float(len(correct))


def _multi_choice(params: dict, response) -> float:
    answers, correct, single_point = _multi_choice_key(params)
    chosen = _indexes(response, len(answers))
    if single_point:
        return 1.0 if chosen == correct and correct else 0.0
    return float(max(0, len(chosen & correct) - len(chosen - correct)))


# --- Fill in the blanks -------------------------------------------------------------------


def _blank_solutions(question: str) -> list[list[str]]:
    """The solutions of each `*…*` blank of one question (H5P.Blanks `handleBlanks` +
    `parseSolution`): tags inside the blank removed, the tip after ":" dropped,
    alternatives split on "/", trimmed and HTML-decoded."""
    blanks = []
    start = question.find("*")
    while start != -1:
        end = question.find("*", start + 1)
        if end == -1:
            break
        inner = re.sub(r"</?[a-z]*\d?>", "", question[start + 1 : end], flags=re.IGNORECASE)
        if inner:
            solution = inner.split(":", 1)[0]
            blanks.append([html.unescape(part.strip()) for part in solution.split("/")])
            start = question.find("*", end + 1)
        else:  # "**" is not a blank
            start = question.find("*", end)
    return blanks


def _blanks_key(params: dict) -> list[list[str]]:
    questions = params.get("questions") if isinstance(params.get("questions"), list) else []
    return [blank for question in questions if isinstance(question, str) for blank in _blank_solutions(question)]


def _damerau_levenshtein(first: str, second: str) -> int:
    """Optimal string alignment distance (H5P.TextUtilities.computeLevenshteinDistance with
    swapping counted as one operation)."""
    rows = [[0] * (len(second) + 1) for _ in range(len(first) + 1)]
    for i in range(len(first) + 1):
        rows[i][0] = i
    for j in range(len(second) + 1):
        rows[0][j] = j
    for i in range(1, len(first) + 1):
        for j in range(1, len(second) + 1):
            cost = 0 if first[i - 1] == second[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and first[i - 1] == second[j - 2] and first[i - 2] == second[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + cost)
    return rows[-1][-1]


def _blank_correct(answered: str, solutions: list[str], behaviour: dict) -> bool:
    answered = answered.replace("&nbsp;", " ").strip()
    if behaviour.get("caseSensitive", True) is not True:
        answered = answered.lower()
        solutions = [solution.lower() for solution in solutions]
    for solution in solutions:
        if behaviour.get("acceptSpellingErrors") is True:
            distance = _damerau_levenshtein(answered, solution.strip())
            if (len(solution) > 9 and distance <= 2) or (len(solution) > 3 and distance <= 1):
                return True
        if answered == solution.strip():
            return True
    return False


def _blanks_max(params: dict) -> float | None:
    return float(len(_blanks_key(params))) or None


def _blanks(params: dict, response) -> float:
    key = _blanks_key(params)
    answers = response.split(SEPARATOR) if isinstance(response, str) else []
    if len(answers) != len(key):  # one typed text per blank, or the response is not this task's
        return 0.0
    behaviour = params.get("behaviour") if isinstance(params.get("behaviour"), dict) else {}
    return float(
        sum(
            1
            for answered, solutions in zip(answers, key, strict=True)
            if _blank_correct(answered, solutions, behaviour)
        )
    )


# --- Drag the words -----------------------------------------------------------------------


def _drag_text_lex(part: str) -> str:
    """The answer text of one `*…*` part (h5p-drag-text `lex`)."""
    text = part[1:] if part.startswith("*") else part
    text = text[:-1] if text.endswith("*") else text
    for pattern in (r"(:([^\\*]+))", r"(\\\+([^\\*:]+))", r"(\\\-([^\\*:]+))"):
        found = [match.group(0) for match in re.finditer(pattern, part)]
        if found:
            text = text.replace(",".join(found), "", 1)
    return re.sub(r"\s+$", "", text)


def _drag_text_parts(text) -> list[str]:
    text = re.sub(r"(\r\n|\n|\r)", "<br/>", text if isinstance(text, str) else "")
    return [part for part in re.split(r"(\*.*?\*)", text) if part]


def _drag_text_key(params: dict) -> tuple[list[str], Counter]:
    zones = [
        _drag_text_lex(part)
        for part in _drag_text_parts(params.get("textField"))
        if part.startswith("*") and part.endswith("*")
    ]
    offered = Counter(zones)
    for part in _drag_text_parts(params.get("distractors")):
        if part.strip() and part.startswith("*") and part.endswith("*"):
            offered[_drag_text_lex(part)] += 1
    return zones, offered


def _drag_text_max(params: dict) -> float | None:
    return float(len(_drag_text_key(params)[0])) or None


def _drag_text(params: dict, response) -> float:
    zones, offered = _drag_text_key(params)
    dropped = response.split(SEPARATOR) if isinstance(response, str) else []
    if len(dropped) != len(zones):
        return 0.0
    used = Counter(word for word in dropped if word)
    if any(count > offered[word] for word, count in used.items()):  # words the task never offered
        return 0.0
    return float(sum(1 for word, answer in zip(dropped, zones, strict=True) if word == answer))


# --- Mark the words -----------------------------------------------------------------------

_MTW_STRINGS = re.compile(r" \*[^\* ]+\* |[^\s]+")
_MTW_PREFIX = re.compile(r"^[\[\({⟨¿¡“\"«„]+")
_MTW_SUFFIX = re.compile(r"[\",….:;?!\]\)}⟩»”]+$")


class _TextNodes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)


def mark_the_words_words(text_field) -> list[tuple[str, bool]]:
    """The selectable words of a Mark the Words text, in the library's order, each with
    whether it is an answer (h5p-mark-the-words `createHtmlForWords` and `Word`)."""
    parser = _TextNodes()
    parser.feed(text_field if isinstance(text_field, str) else "")
    parser.close()
    words = []
    for text in parser.texts:
        for entry in _MTW_STRINGS.findall(re.sub(r"(&nbsp;|\r\n|\n|\r)", " ", text)):
            entry = entry.strip()
            prefix = _MTW_PREFIX.search(entry)
            start = len(prefix.group(0)) if prefix else 0
            suffix = _MTW_SUFFIX.search(entry)
            end = len(entry) - (len(suffix.group(0)) if suffix else 0)
            word = entry[start:end] if end > start else ""
            if word:
                words.append(_mark_the_words_word(word))
    return words


def _mark_the_words_word(word: str) -> tuple[str, bool]:
    # Word.removeDoubleAsterisks, faithfully (it keeps only the last "**" removal).
    sliced, index = word, word.find("*")
    while index != -1:
        if word.find("*", index + 1) == index + 1:
            sliced = word[:index] + word[index + 2 :]
        index = word.find("*", index + 1)
    if sliced[:1] == "*" and len(sliced) > 2:
        if sliced[-1] == "*":
            return word[1:-1], True
        if sliced[-2] == "*":
            return word[1:-2], True
    return word, False


def _mark_the_words_max(params: dict) -> float | None:
    words = mark_the_words_words(params.get("textField"))
    if not words:
        return None
    return float(sum(1 for _, answer in words if answer) or 1)


def _mark_the_words(params: dict, response) -> float:
    words = mark_the_words_words(params.get("textField"))
    answers = {index for index, (_, answer) in enumerate(words) if answer}
    selected = _indexes(response, len(words))
    correct, wrong = len(selected & answers), len(selected - answers)
    if not answers and not wrong:  # nothing to mark, and nothing marked: right
        correct = 1
    return float(max(correct - wrong, 0))


QUESTIONS = {
    "H5P.TrueFalse": (_true_false_max, _true_false),
    "H5P.MultiChoice": (_multi_choice_max, _multi_choice),
    "H5P.Blanks": (_blanks_max, _blanks),
    "H5P.DragText": (_drag_text_max, _drag_text),
    "H5P.MarkTheWords": (_mark_the_words_max, _mark_the_words),
}


# --- Sets: answers come from the attempt's child statements ---------------------------------


def _latest_child_responses(children: list[dict]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for statement in children:
        activity = str((statement.get("object") or {}).get("id", ""))
        sub_content = activity.split("?subContentId=", 1)[1] if "?subContentId=" in activity else ""
        response = (statement.get("result") or {}).get("response")
        if sub_content and isinstance(response, str):
            latest[sub_content] = response
    return latest


def _single_choice_set_max(content: dict) -> float | None:
    return float(len([choice for choice in content.get("choices") or [] if isinstance(choice, dict)])) or None


def _single_choice_set(content: dict, children: list[dict]) -> float:
    latest = _latest_child_responses(children)
    choices = [choice for choice in content.get("choices") or [] if isinstance(choice, dict)]
    return float(sum(1 for choice in choices if latest.get(str(choice.get("subContentId"))) == "0"))


def _question_set_questions(content: dict) -> list[dict]:
    questions = content.get("questions") if isinstance(content.get("questions"), list) else []
    return [question for question in questions if isinstance(question, dict)]


def _question_set_why_not(content: dict) -> str:
    questions = _question_set_questions(content)
    if not questions:
        return "the set has no questions"
    pool = content.get("poolSize")
    if isinstance(pool, int) and 0 < pool < len(questions):
        return "the set shows a random pool of its questions"
    for question in questions:
        library = _library_name(question.get("library"))
        params = question.get("params") if isinstance(question.get("params"), dict) else {}
        if library not in QUESTIONS:
            return f"it contains {library or 'an unknown type'}, which the server cannot grade"
        if not question.get("subContentId"):
            return "a question has no subContentId"
        if QUESTIONS[library][0](params) is None:
            return f"its {library} question gives nothing to grade"
    return ""


def _question_set(content: dict, children: list[dict]) -> tuple[float, float]:
    latest = _latest_child_responses(children)
    raw = maximum = 0.0
    for question in _question_set_questions(content):
        maximum_of, score_of = QUESTIONS[_library_name(question.get("library"))]
        params = question["params"]
        maximum += maximum_of(params)
        response = latest.get(str(question.get("subContentId")))
        raw += score_of(params, response) if response is not None else 0.0
    return raw, maximum


# --- What the rest of the site asks ---------------------------------------------------------


def h5p_grading_of(*, library: str, content: dict | None) -> dict:
    """{"graded": bool, "reason": str}: whether the server grades this content, and if not why."""
    name = _library_name(library)
    if name not in GRADED_LIBRARIES:
        return {"graded": False, "reason": f"the server cannot grade {name or 'this type'}", "version": GRADING_VERSION}
    if content is None:
        return {"graded": False, "reason": "content/content.json cannot be read", "version": GRADING_VERSION}
    if name == "H5P.QuestionSet":
        why_not = _question_set_why_not(content)
    elif name == "H5P.SingleChoiceSet":
        why_not = "" if _single_choice_set_max(content) else "the set has no questions"
    else:
        why_not = "" if QUESTIONS[name][0](content) is not None else "its content gives nothing to grade"
    return {"graded": not why_not, "reason": why_not, "version": GRADING_VERSION}


def h5p_grading(package) -> dict:
    """The package's grading, kept in its metadata at upload (worked out once for packages
    uploaded before it was kept)."""
    if not package:
        return {"graded": False, "reason": "no package"}
    grading = (package.metadata or {}).get("grading")
    if not isinstance(grading, dict) or grading.get("version") != GRADING_VERSION:
        grading = h5p_grading_of(library=package.main_library, content=package_content(package))
        if package.pk:
            package.metadata = {**(package.metadata or {}), "grading": grading}
            type(package).objects.filter(pk=package.pk).update(metadata=package.metadata)
    return grading


def h5p_gradable(package) -> bool:
    """Whether the server grades this package's answers ("completion only" otherwise)."""
    return bool(package) and h5p_grading(package)["graded"]


def h5p_grade(*, package, result: dict, children: list[dict] | None = None) -> dict | None:
    """{"raw", "min", "max", "scaled", "success"} recomputed by the server for a top-level
    result of a gradable package, or None when the server does not grade this type."""
    if not h5p_gradable(package):
        return None
    content = package_content(package)
    if content is None:
        return None
    library = _library_name(package.main_library)
    if library == "H5P.QuestionSet":
        raw, maximum = _question_set(content, children or [])
        percent = content.get("passPercentage", 50)
        percent = percent if isinstance(percent, (int, float)) and not isinstance(percent, bool) else 50
        success = bool(maximum) and 100 * raw / maximum >= percent
    else:
        if library == "H5P.SingleChoiceSet":
            raw, maximum = _single_choice_set(content, children or []), _single_choice_set_max(content)
        else:
            maximum_of, score_of = QUESTIONS[library]
            raw, maximum = score_of(content, result.get("response")), maximum_of(content)
        success = raw == maximum
    return {"raw": raw, "min": 0.0, "max": maximum, "scaled": raw / maximum if maximum else 0.0, "success": success}
