"""The demo AI tutor: a small LTI 1.3 *tool* served by this project on its own path
(/demotool/), built with pylti1p3 on the tool side. It knows the platform only as an LTI
platform: the issuer is the origin it is served from, and it reaches the platform's JWKS,
token and score endpoints over HTTP like any external tool would (it imports nothing of the
platform's code).

The tutor asks three VAT questions in a chat, grades the answers here, on the tool's
server, and posts the score back by Assignment and Grade Services (a client-credentials
token obtained with a JWT signed by the tutor's own key). Answers are canned: it is a demo
tutor, not a language model. The browser never sends a score: it sends chat messages."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.tool_config import ToolConfDict

from demotool.models import TutorKey

CLIENT_ID = "lectern-demo-tutor"
DEPLOYMENT_ID = "1"
TOOL_NAME = "Lectern demo tutor"
VAT_RATE = Decimal("0.15")
# VAT-inclusive prices, in rand, the tutor asks about (in this order).
PRICES = [Decimal("115.00"), Decimal("49.99"), Decimal("1234.50")]
NONCE_SECONDS = 24 * 3600  # longer than any id_token lives
HINT_WORDS = ("hint", "help", "how", "formula", "explain", "?")
RESTART_WORDS = ("again", "restart", "start over")


class TutorError(Exception):
    """A launch or chat the tutor refuses (the view answers 400 with the message)."""


# ---------------------------------------------------------------- the tool's key


def tutor_key() -> TutorKey:
    """The tutor's RSA key (made on first use)."""
    key = TutorKey.objects.first()
    if key is not None:
        return key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    try:
        with transaction.atomic():
            TutorKey.objects.create(private_key_pem=pem)
    except IntegrityError:  # pragma: no cover - concurrent first use
        pass
    return TutorKey.objects.first()


def tutor_public_key_pem() -> str:
    """What a platform admin pastes into the tool registration (the demo seed does it)."""
    private = serialization.load_pem_private_key(tutor_key().private_key_pem.encode(), password=None)
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


# ---------------------------------------------------------------- pylti1p3 configuration


def tool_config(*, platform: str) -> ToolConfDict:
    """The tutor trusts one platform: the origin it is served from (`platform`)."""
    config = ToolConfDict(
        {
            platform: [
                {
                    "default": True,
                    "client_id": CLIENT_ID,
                    "auth_login_url": platform + reverse("learners:lti-authorize"),
                    "auth_token_url": platform + reverse("learners:lti-token"),
                    "key_set_url": platform + reverse("learners:lti-jwks"),
                    "key_set": None,
                    "deployment_ids": [DEPLOYMENT_ID],
                }
            ]
        }
    )
    config.set_private_key(platform, tutor_key().private_key_pem, client_id=CLIENT_ID)
    return config


def http_session() -> requests.Session:
    """The HTTP client the tutor calls the platform with (tests mount a transport on it)."""
    return requests.Session()


def tutor_login(*, request, platform: str, launch_url: str):
    """Step 1 of the launch (OIDC third-party login): pylti1p3 checks the platform and
    client id, keeps a state cookie and a nonce, and redirects to the platform."""
    # The tool configuration knows one issuer; pylti1p3 would fail on another with a bare
    # Exception, so the tutor refuses it first.
    if (request.GET.get("iss") or request.POST.get("iss")) != platform:
        raise TutorError("The tutor only accepts launches from the site that serves it.")
    try:
        return DjangoOIDCLogin(request, tool_config(platform=platform)).redirect(launch_url)
    except LtiException as error:
        raise TutorError(f"The launch was refused: {error}") from error


def tutor_launch(*, request, platform: str) -> tuple[str, dict]:
    """Step 2: pylti1p3 validates the id_token (state, nonce, signature by the platform's
    JWKS, deployment, claims); the tutor starts a conversation. Returns (launch id, state)."""
    try:
        issuer = jwt.decode(request.POST.get("id_token", ""), options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError as error:
        raise TutorError("The launch carries no valid id_token.") from error
    if issuer != platform:
        raise TutorError("The tutor only accepts launches from the site that serves it.")
    launch = DjangoMessageLaunch(request, tool_config(platform=platform), requests_session=http_session())
    try:
        data = launch.get_launch_data()
    except LtiException as error:
        raise TutorError(f"The launch could not be verified: {error}") from error
    # pylti1p3 checks the nonce is one this browser's login made, but keeps it: the tutor
    # takes each id_token once, so a replayed launch post is refused.
    if not cache.add(f"demotool:nonce:{data.get('nonce')}", True, timeout=NONCE_SECONDS):
        raise TutorError("This launch was already used; reload the lesson to launch the tutor again.")
    if not launch.is_resource_launch() or not launch.has_ags():
        raise TutorError("The tutor needs a resource-link launch with Assignment and Grade Services.")
    launch_id = launch.get_launch_id()
    name = data.get("given_name") or ""
    state = _new_state(name=name, platform=platform)
    request.session[_state_key(launch_id)] = state
    return launch_id, state


def _state_key(launch_id: str) -> str:
    return f"demotool:chat:{launch_id}"


def _new_state(*, name: str, platform: str) -> dict:
    hello = f"Hi {name}! " if name else "Hi! "
    return {
        "platform": platform,
        "index": 0,
        "correct": 0,
        "finished": False,
        "reported": False,
        "score": None,
        "transcript": [
            ("tutor", hello + "I'm your VAT tutor. I'll ask you three quick questions; type 'hint' any time."),
            ("tutor", _question(0)),
        ],
    }


def _question(index: int) -> str:
    return (
        f"Question {index + 1} of {len(PRICES)}: a price of R{PRICES[index]:,.2f} includes VAT at 15%. "
        "How much of it is VAT, in rand, to the cent?"
    )


def vat_part(gross: Decimal) -> Decimal:
    """VAT inside a VAT-inclusive price: gross × rate / (1 + rate), half-up to the cent."""
    return (gross * VAT_RATE / (1 + VAT_RATE)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _number(text: str) -> Decimal | None:
    """A rand amount as people type it: "R6.52", "6,52" (decimal comma), "1 234.50", "1,234.50"."""
    cleaned = text.strip().lower().removeprefix("r").replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned and len(cleaned.rsplit(",", 1)[1]) == 2:
        cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def tutor_state(*, request, launch_id: str) -> dict:
    state = request.session.get(_state_key(launch_id))
    if state is None:
        raise TutorError("This conversation has ended; reload the lesson to launch the tutor again.")
    return state


def tutor_reply(*, request, launch_id: str, message: str) -> dict:
    """Take the student's chat message, answer it (canned), grade a number given as an
    answer, and when the last question is answered post the score to the platform by AGS."""
    state = tutor_state(request=request, launch_id=launch_id)
    message = (message or "").strip()[:500]
    if not message:
        raise TutorError("Type a message first.")
    transcript = state["transcript"]
    transcript.append(("student", message))
    lowered = message.lower()
    answer = _number(message)
    if state["finished"] and any(word in lowered for word in RESTART_WORDS):
        fresh = _new_state(name="", platform=state["platform"])
        fresh["transcript"] = [*transcript, ("tutor", "Let's go again."), ("tutor", _question(0))]
        state = fresh
    elif state["finished"]:
        if state["reported"]:
            transcript.append(("tutor", "We're done: your score is with your course. Type 'again' to practise more."))
        else:
            _report(request=request, launch_id=launch_id, state=state)
    elif answer is not None:
        expected = vat_part(PRICES[state["index"]])
        if answer == expected:
            state["correct"] += 1
            transcript.append(("tutor", f"Correct: R{expected:,.2f}."))
        else:
            gross = PRICES[state["index"]]
            transcript.append(
                ("tutor", f"Not quite. R{gross:,.2f} × 15 ÷ 115 = R{expected:,.2f} (rounded to the cent).")
            )
        state["index"] += 1
        if state["index"] < len(PRICES):
            transcript.append(("tutor", _question(state["index"])))
        else:
            state["finished"] = True
            state["score"] = state["correct"]
            _report(request=request, launch_id=launch_id, state=state)
    elif any(word in lowered for word in HINT_WORDS):
        transcript.append(
            (
                "tutor",
                "Hint: the price already includes VAT, so it is 115% of the price before VAT. "
                "VAT = price × 15 ÷ 115, rounded to the cent. Then type just the number, like 12.34.",
            )
        )
    else:
        transcript.append(
            (
                "tutor",
                "I'm a demo tutor with a few canned answers: type 'hint' for help, or type the VAT "
                "amount as a number. " + _question(state["index"]),
            )
        )
    request.session[_state_key(launch_id)] = state
    return state


def _report(*, request, launch_id: str, state: dict) -> None:
    """Post the score to the platform's line item (AGS), server to server."""
    try:
        launch = DjangoMessageLaunch.from_cache(
            launch_id, request, tool_config(platform=state["platform"]), requests_session=http_session()
        )
        grade = (
            Grade()
            .set_score_given(state["score"])
            .set_score_maximum(len(PRICES))
            .set_timestamp(_now_iso())
            .set_activity_progress("Completed")
            .set_grading_progress("FullyGraded")
            .set_user_id(launch.get_launch_data()["sub"])
        )
        launch.get_ags().put_grade(grade)
    except (LtiException, LtiServiceException, requests.RequestException) as error:
        state["transcript"].append(
            ("tutor", f"I could not send your score to your course ({error}). Send any message to try again.")
        )
        return
    state["reported"] = True
    state["transcript"].append(
        (
            "tutor",
            f"That's all three: you got {state['score']} of {len(PRICES)} right. "
            "I've sent your score to your course. Type 'again' to practise more.",
        )
    )


def _now_iso() -> str:
    return timezone.now().isoformat()
