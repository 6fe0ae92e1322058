"""The demo tutor's pages (an LTI 1.3 tool on its own path). Thin: pylti1p3 and the
tutor's services do the work. Framed only by this site (X-Frame-Options SAMEORIGIN)."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from demotool.services import TutorError, tutor_launch, tutor_login, tutor_reply, tutor_state


def _platform(request) -> str:
    """The one platform the tutor trusts: the origin it is served from."""
    return f"{request.scheme}://{request.get_host()}"


def _refused(request, error: TutorError):
    return render(request, "demotool/refused.html", {"message": str(error)}, status=400)


def _chat(request, launch_id: str, state: dict, status: int = 200):
    return render(
        request,
        "demotool/chat.html",
        {"launch_id": launch_id, "state": state, "platform": state["platform"]},
        status=status,
    )


@csrf_exempt  # the platform's login initiation may be a cross-site form post
@never_cache
@xframe_options_sameorigin
@require_http_methods(["GET", "POST"])
def login(request):
    """OIDC third-party login initiation (the registration's login URL)."""
    try:
        return tutor_login(
            request=request,
            platform=_platform(request),
            launch_url=request.build_absolute_uri(reverse("demotool:launch")),
        )
    except TutorError as error:
        return _refused(request, error)


@csrf_exempt  # the platform form-posts the id_token; pylti1p3 checks state, nonce and signature
@never_cache
@xframe_options_sameorigin
@require_POST
def launch(request):
    """The launch (redirect) URL: verify the id_token and open the conversation."""
    try:
        launch_id, state = tutor_launch(request=request, platform=_platform(request))
    except TutorError as error:
        return _refused(request, error)
    return _chat(request, launch_id, state)


@never_cache
@xframe_options_sameorigin
@require_http_methods(["GET", "POST"])
def chat(request, launch_id: str):
    """Show the conversation (GET) or take the student's next message (POST)."""
    try:
        if request.method == "GET":
            return _chat(request, launch_id, tutor_state(request=request, launch_id=launch_id))
        state = tutor_reply(request=request, launch_id=launch_id, message=request.POST.get("message", ""))
    except TutorError as error:
        return _refused(request, error)
    return _chat(request, launch_id, state)
