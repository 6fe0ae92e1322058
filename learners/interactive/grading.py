"""Server-side grading of H5P answers: the score is recomputed from the statement's
`result.response` against the package's own `content/content.json`, so a statement's claimed
score (kept in the stored statement, for the record) never decides a grade.

Graded here: H5P.TrueFalse (response "true"/"false" against `correct`) and H5P.MultiChoice
(response = the chosen answers' indexes in content.json joined by "[,]"; H5P's scoring: +1
for each correct answer chosen, −1 for each wrong one, at least 0, out of the number of
correct answers, or all-or-nothing 1 point with `behaviour.singlePoint`), and
H5P.SingleChoiceSet (one point per question whose latest answer in this attempt — the child
statement of its `subContentId` — is index 0, the set's right answer). Other content types
are "completion only": the server records no score for them, and the block decides whether
their completion may complete the lesson."""

import json

from django.core.files.storage import storages

GRADED_LIBRARIES = ("H5P.TrueFalse", "H5P.MultiChoice", "H5P.SingleChoiceSet")


def _content(package) -> dict | None:
    try:
        with storages["private"].open(f"{package.content_path}/content/content.json") as handle:
            content = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    return content if isinstance(content, dict) else None


def h5p_gradable(package) -> bool:
    """Whether the server grades this package's answers ("completion only" otherwise)."""
    return bool(package) and package.main_library.split(" ", 1)[0] in GRADED_LIBRARIES


def _true_false(content: dict, response: str) -> tuple[float, float]:
    correct = str(content.get("correct", "")).lower()
    return (1.0 if response.strip().lower() == correct and correct in ("true", "false") else 0.0), 1.0


def _multi_choice(content: dict, response: str) -> tuple[float, float]:
    answers = content.get("answers") if isinstance(content.get("answers"), list) else []
    correct = {index for index, answer in enumerate(answers) if isinstance(answer, dict) and answer.get("correct")}
    chosen = {int(part) for part in response.split("[,]") if part.strip().isdigit()} if response else set()
    chosen &= set(range(len(answers)))
    single_point = bool((content.get("behaviour") or {}).get("singlePoint")) or len(correct) <= 1
    maximum = 1.0 if single_point else float(len(correct))
    raw = max(0, len(chosen & correct) - len(chosen - correct))
    if single_point:
        raw = 1 if chosen == correct and correct else 0
    return float(raw), maximum


def _single_choice_set(content: dict, children: list[dict]) -> tuple[float, float]:
    choices = [choice for choice in content.get("choices") or [] if isinstance(choice, dict)]
    latest: dict[str, str] = {}
    for statement in children:
        activity = str((statement.get("object") or {}).get("id", ""))
        sub_content = activity.split("?subContentId=", 1)[1] if "?subContentId=" in activity else ""
        response = (statement.get("result") or {}).get("response")
        if sub_content and isinstance(response, str):
            latest[sub_content] = response
    raw = sum(1 for choice in choices if latest.get(str(choice.get("subContentId"))) == "0")
    return float(raw), float(len(choices))


def h5p_grade(*, package, result: dict, children: list[dict] | None = None) -> dict | None:
    """{"raw", "min", "max", "scaled", "success"} recomputed by the server for a top-level
    result of a gradable package, or None when the server does not grade this type."""
    if not h5p_gradable(package):
        return None
    content = _content(package)
    if content is None:
        return None
    response = result.get("response")
    response = response if isinstance(response, str) else ""
    library = package.main_library.split(" ", 1)[0]
    if library == "H5P.SingleChoiceSet":
        raw, maximum = _single_choice_set(content, children or [])
    else:
        grader = _true_false if library == "H5P.TrueFalse" else _multi_choice
        raw, maximum = grader(content, response)
    return {
        "raw": raw,
        "min": 0.0,
        "max": maximum,
        "scaled": raw / maximum if maximum else 0.0,
        "success": raw == maximum,
    }
