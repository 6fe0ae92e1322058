"""URLs of interactive content, included (in the `learners` namespace) by learners/urls.py."""

from django.urls import path

from learners.interactive import views

urlpatterns = [
    path("h5p/play/<str:token>/", views.h5p_player, name="h5p-player"),
    path("h5p/play/<str:token>/files/<path:path>", views.h5p_file, name="h5p-file"),
    path("lessons/<int:lesson_id>/files/<str:block_id>/<str:field>/", views.lesson_file, name="lesson-file"),
    path("ai-tools/launch/<int:lesson_id>/<str:block_id>/", views.ai_tool_launch, name="ai-tool-launch"),
    path("ai-tools/status/<int:lesson_id>/<str:block_id>/", views.ai_tool_status, name="ai-tool-status"),
    path("lti/jwks/", views.lti_jwks, name="lti-jwks"),
    path("lti/token/", views.lti_token, name="lti-token"),
    path("lti/launch/<int:lesson_id>/<str:block_id>/", views.lti_launch, name="lti-launch"),
    path("lti/authorize/", views.lti_authorize, name="lti-authorize"),
    path("lti/ags/<int:lesson_id>/<str:block_id>/lineitem/scores", views.lti_scores, name="lti-scores"),
]
