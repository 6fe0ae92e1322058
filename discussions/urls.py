from django.urls import path

from . import views

app_name = "discussions"

urlpatterns = [
    path("course/<int:course_id>/", views.course_discussions, name="course"),
    path("thread/<int:pk>/", views.thread, name="thread"),
    path("thread/<int:pk>/action/", views.thread_action, name="thread_action"),
    path("post/<int:pk>/action/", views.post_action, name="post_action"),
    path("attachment/<int:pk>/", views.attachment, name="attachment"),
]
