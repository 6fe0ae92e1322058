"""The demo AI tutor (an LTI 1.3 tool), mounted at /demotool/ by config/urls.py."""

from django.urls import path

from demotool import views

app_name = "demotool"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("chat/<str:launch_id>/", views.chat, name="chat"),
]
