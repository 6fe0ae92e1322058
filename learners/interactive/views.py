"""Views of interactive content: H5P package files and lesson files behind the access
policy, the AI-tool launch and status, and the demo AI tool."""

import json

from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.http import Http404, HttpResponseForbidden, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from blocks.ai_tool import origin_of
from core.errors import status_for
from learners.access import LearningContext, learning_context_for
from learners.enrollment.services import LearningError
from learners.interactive.ai_tools import ai_tool_launch as launch_service
from learners.interactive.ai_tools import ai_tool_status as status_service
from learners.interactive.ai_tools import tool_launch_url
from learners.interactive.h5p import h5p_file_name
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


def _lesson_context(request, lesson_id) -> LearningContext:
    """The viewer's learning context in the live lesson (404 when there is none)."""
    try:
        lesson = lesson_for(lesson_id=lesson_id)
    except LearningError as exc:
        raise Http404(str(exc)) from exc
    return learning_context_for(user=request.user, lesson=lesson)


@require_GET
def h5p_file(request, lesson_id: int, block_id: str, path: str):
    """One file of the H5P package of a lesson block, for a user who may open the lesson."""
    context = _lesson_context(request, lesson_id)
    if not context.verdict.allowed:
        return HttpResponseForbidden("You do not have access to this lesson.")
    lesson = context.lesson
    try:
        block = interactive_block(lesson=lesson, block_id=block_id, block_type="h5p")
    except LearningError as exc:
        raise Http404(str(exc)) from exc
    package = block.value.get("package")
    name = h5p_file_name(package=package, path=path) if package else None
    storage = storages["private"]
    if not name or not storage.exists(name):
        raise Http404("No such file in this package.")
    # The folder of an extracted package never changes (a new upload gets a new folder),
    # so browsers may keep its files for an hour.
    return file_response(
        request=request, storage=storage, name=name, download_name=path.rsplit("/", 1)[-1], cache_seconds=3600
    )


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


@xframe_options_sameorigin
@require_GET
def ai_tool_demo(request):
    """A small AI tool served by this site: VAT practice, graded in the browser, reporting
    through the launch/validate/complete protocol."""
    return render(request, "learners/interactive/ai_tool_demo.html")


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
