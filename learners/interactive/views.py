"""Views of interactive content: H5P package files and lesson files behind the access
policy, the AI-tool launch and status, and the LTI 1.3 platform endpoints (the demo
AI tutor is an LTI tool of its own: demotool/)."""

import json
import mimetypes

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from blocks.ai_tool import origin_of
from core.errors import status_for
from core.security import media_sources
from learners.access import LearningContext, learning_context_for
from learners.enrollment.services import LearningError
from learners.interactive.ai_tools import ai_tool_launch as launch_service
from learners.interactive.ai_tools import ai_tool_status as status_service
from learners.interactive.ai_tools import tool_launch_url
from learners.interactive.h5p import (
    CONTENT_PATH,
    h5p_content_without_retry,
    h5p_file_name,
    h5p_file_played,
    h5p_player_token_read,
)
from learners.interactive.h5p_libraries import h5p_package_playable, h5p_package_untrusted_message
from learners.interactive.lti import lti_authorize as authorize_service
from learners.interactive.lti import lti_jwks as jwks_service
from learners.interactive.lti import lti_login_initiation, lti_score_post, lti_token_grant
from learners.interactive.media import (
    document_download_record,
    file_response,
    interactive_block,
    lesson_file_document,
    lesson_for,
)
from learners.interactive.xapi import activity_iri, h5p_attempt_open
from learners.models import H5PResult


def _lesson_context(request, lesson_id) -> LearningContext:
    """The viewer's learning context in the live lesson (404 when there is none)."""
    try:
        lesson = lesson_for(lesson_id=lesson_id)
    except LearningError as exc:
        raise Http404(str(exc)) from exc
    return learning_context_for(user=request.user, lesson=lesson)


def _player_target(token: str):
    """(learning context, block, package) of a valid player token whose viewer may still
    open the lesson; Http404 / PermissionDenied otherwise."""
    data = h5p_player_token_read(token)
    if data is None:
        raise Http404("This player link is not valid (reload the lesson).")
    user = get_user_model().objects.filter(pk=data["u"], is_active=True).first() if data["u"] else None
    try:
        lesson = lesson_for(lesson_id=data["l"])
    except LearningError as exc:
        raise Http404(str(exc)) from exc
    context = learning_context_for(user=user or AnonymousUser(), lesson=lesson)
    if (data["u"] and user is None) or not context.verdict.allowed:
        raise PermissionDenied("You do not have access to this lesson.")
    try:
        block = interactive_block(lesson=lesson, block_id=data["b"], block_type="h5p")
    except LearningError as exc:
        raise Http404(str(exc)) from exc
    package = block.value.get("package")
    if package is None or not package.content_path:
        raise Http404("This activity has no package.")
    if not h5p_package_playable(package):  # library code no admin has approved: never served
        raise PermissionDenied(h5p_package_untrusted_message(package))
    return context, block, package


def _absolute(request, url: str) -> str:
    return url if "://" in url else request.build_absolute_uri(url)


def _player_policy(request, *, files_url: str) -> str:
    """The player page's own policy: scripts only from our static files and this package's
    files, nothing posted or fetched elsewhere, and always sandboxed (opaque origin), even if
    the page is opened on its own."""
    static_url = _absolute(request, settings.STATIC_URL)
    files = _absolute(request, files_url)
    origin = f"{request.scheme}://{request.get_host()}"
    media = " ".join(media_sources())
    directives = {
        "default-src": "'none'",
        # H5P content types build functions from strings: allowed only inside this sandbox.
        "script-src": f"{static_url} {files} 'unsafe-eval'",
        "style-src": f"{static_url} {files} 'unsafe-inline'",
        "img-src": f"{static_url} {files} data: blob: {media}".strip(),
        "media-src": f"{files} blob: {media}".strip(),
        "font-src": f"{static_url} {files} data:",
        "connect-src": f"{files}",
        "frame-src": "https://www.youtube-nocookie.com https://www.youtube.com https://player.vimeo.com",
        "form-action": "'none'",
        "base-uri": files,
        "frame-ancestors": origin,
        "sandbox": "allow-scripts",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


@xframe_options_sameorigin
@require_GET
def h5p_player(request, token: str):
    """The document of one H5P block's sandboxed iframe: h5p-standalone and the package,
    configured through data attributes (no inline script), talking to the lesson page only
    by postMessage."""
    try:
        context, block, package = _player_target(token)
    except PermissionDenied as exc:
        return HttpResponseForbidden(str(exc))
    lesson = context.lesson
    files_url = reverse("learners:h5p-file", args=[token, "h5p.json"]).rsplit("/", 1)[0] + "/"
    state, attempt = "", None
    if context.may_record:
        try:
            attempt = h5p_attempt_open(context=context, block=block)
        except LearningError as exc:  # one attempt, already finished
            return HttpResponse(str(exc), status=status_for(exc), content_type="text/plain; charset=utf-8")
        state = (
            H5PResult.objects.filter(user=context.user, lesson=lesson, block_id=block.id)
            .values_list("state", flat=True)
            .first()
            or ""
        )
    response = render(
        request,
        "learners/interactive/h5p_player.html",
        {
            "title": block.value.get("title") or package.title,
            "block_id": block.id,
            "h5p_json_path": files_url.rstrip("/"),
            "iri": activity_iri(lesson_id=lesson.pk, block_id=block.id),
            "parent_origin": f"{request.scheme}://{request.get_host()}",
            "can_record": context.may_record,
            "state": state,
            "attempt": attempt.pk if attempt else "",
        },
    )
    response["Content-Security-Policy"] = _player_policy(request, files_url=files_url)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def h5p_file(request, token: str, path: str):
    """One file of the package of a player token. The player's opaque origin sends no
    cookies, so the token is the credential (CORS open to it). Only the types the player
    loads are served inline; every other file is a sandboxed download."""
    try:
        _, block, package = _player_target(token)
    except PermissionDenied as exc:
        return HttpResponseForbidden(str(exc))
    name = h5p_file_name(package=package, path=path)
    storage = storages["private"]
    if not name or not storage.exists(name):
        raise Http404("No such file in this package.")
    played = h5p_file_played(path)
    download_name = path.rsplit("/", 1)[-1]
    content_type = (mimetypes.guess_type(download_name)[0] if played else None) or "application/octet-stream"
    if download_name.lower().endswith(".js"):
        content_type = "text/javascript"
    if path == CONTENT_PATH and not block.value.get("allow_retry", True):
        with storage.open(name, "rb") as handle:
            content = h5p_content_without_retry(json.loads(handle.read()))
        response = HttpResponse(json.dumps(content), content_type=content_type)
    else:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    safe_name = download_name.replace('"', "")
    response["Content-Disposition"] = f'{"inline" if played else "attachment"}; filename="{safe_name}"'
    # Whatever a file is, opened as a page it is sandboxed, runs nothing and loads nothing.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    # A package folder never changes (a new upload gets a new folder).
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def lesson_file(request, lesson_id: int, block_id: str, field: str):
    """A document, uploaded video or captions file of a lesson block; `?download=1` saves
    it as an attachment and counts the download."""
    context = _lesson_context(request, lesson_id)
    if not context.verdict.allowed:
        return HttpResponseForbidden("You do not have access to this lesson.")
    lesson = context.lesson
    try:
        block, document = lesson_file_document(lesson=lesson, block_id=block_id, field=field)
    except LearningError as exc:
        raise Http404(str(exc)) from exc
    download = request.GET.get("download") == "1"
    if download:
        if block.block_type == "document" and not block.value.get("allow_download"):
            return HttpResponseForbidden("This document can be read here but not downloaded.")
        if request.user.is_authenticated:
            document_download_record(context=context, block_id=block_id, document=document)
    return file_response(
        request=request,
        storage=document.file.storage,
        name=document.file.name,
        download_name=document.filename,
        as_attachment=download,
    )


@login_required
@xframe_options_sameorigin
def ai_tool_launch(request, lesson_id: int, block_id: str):
    """Runs inside the lesson's iframe: start a session and send the browser to the tool."""
    try:
        lesson = lesson_for(lesson_id=lesson_id)
        session, token = launch_service(user=request.user, lesson=lesson, block_id=block_id)
    except LearningError as exc:
        if exc.code == "not_found":
            raise Http404(str(exc)) from exc
        return render(request, "learners/interactive/ai_tool_unavailable.html", {"message": str(exc)}, status=403)
    site_origin = f"{request.scheme}://{request.get_host()}"
    return HttpResponseRedirect(tool_launch_url(tool_url=session.tool_url, token=token, site_origin=site_origin))


@login_required
@require_GET
def ai_tool_status(request, lesson_id: int, block_id: str):
    """The server's record of the tool's completion, which the page shows after a
    completion message (a message alone proves nothing)."""
    try:
        lesson = lesson_for(lesson_id=lesson_id)
        return JsonResponse(status_service(user=request.user, lesson=lesson, block_id=block_id))
    except LearningError as exc:
        status = 404 if exc.code == "not_found" else 403
        return JsonResponse({"detail": str(exc), "code": exc.code}, status=status)


@require_GET
def lti_jwks(request):
    """The platform's public keys (JWKS) that LTI tools verify launches with; public."""
    response = JsonResponse(jwks_service())
    response["Cache-Control"] = "public, max-age=60"
    return response


def _lti_refusal(error: LearningError) -> JsonResponse:
    response = JsonResponse(
        {"detail": error.message, "code": error.code, "error": error.code}, status=status_for(error)
    )
    if response.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@csrf_exempt
@require_POST
def lti_token(request):
    """OAuth 2 client-credentials grant for LTI tools (AGS): form-encoded, the tool's signed
    JWT assertion in `client_assertion`. No cookie or session plays any part."""
    try:
        grant = lti_token_grant(
            grant_type=request.POST.get("grant_type", ""),
            assertion_type=request.POST.get("client_assertion_type", ""),
            assertion=request.POST.get("client_assertion", ""),
            scope=request.POST.get("scope", ""),
            token_url=request.build_absolute_uri(reverse("learners:lti-token")),
        )
    except LearningError as error:
        return _lti_refusal(error)
    response = JsonResponse(grant)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def lti_scores(request, lesson_id: int, block_id: str):
    """AGS Score service of one AI-tool block's line item: only a tool's AGS access token
    (Authorization: Bearer) is accepted; a browser session counts for nothing."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"detail": "The body must be JSON.", "code": "invalid"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"detail": "The body must be a JSON object.", "code": "invalid"}, status=400)
    try:
        score = lti_score_post(
            authorization=request.headers.get("Authorization", ""),
            lesson_id=lesson_id,
            block_id=block_id,
            score=body,
        )
    except LearningError as error:
        return _lti_refusal(error)
    return JsonResponse({"recorded": True, "activity_completed": score.activity_completed})


def _issuer(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


@login_required
@require_GET
@xframe_options_sameorigin
def lti_launch(request, lesson_id: int, block_id: str):
    """Start an LTI 1.3 launch of the AI-tool block's registered tool (in the lesson's iframe)."""
    try:
        lesson = lesson_for(lesson_id=lesson_id)
        return HttpResponseRedirect(
            lti_login_initiation(user=request.user, lesson=lesson, block_id=block_id, issuer=_issuer(request))
        )
    except LearningError as error:
        return _lti_refusal(error)


@require_GET
@xframe_options_sameorigin
def lti_authorize(request):
    """The platform's OIDC authorization endpoint: answers with a page that posts the
    id_token to the tool's launch URL (static/js/lti-post.js submits it)."""
    try:
        action, fields = authorize_service(
            user=request.user,
            params=request.GET.dict(),
            issuer=_issuer(request),
            lineitem_url_for=lambda lesson_pk, block: request.build_absolute_uri(
                reverse("learners:lti-scores", args=[lesson_pk, block]).removesuffix("/scores")
            ),
        )
    except LearningError as error:
        return _lti_refusal(error)
    response = render(request, "learners/interactive/lti_post.html", {"action": action, "fields": fields})
    response["Cache-Control"] = "no-store"
    # This page alone may post a form to the tool's launch URL.
    target = origin_of(action) or "'self'"
    response["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'self'; form-action {target}; frame-ancestors 'self'; base-uri 'none'"
    )
    return response
