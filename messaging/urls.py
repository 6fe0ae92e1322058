from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.new, name="new"),
    path("notifications/", views.notifications, name="notifications"),
    path("<int:pk>/", views.conversation, name="conversation"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/poll/", views.poll, name="poll"),
    path("message/<int:pk>/report/", views.report, name="report"),
    path("attachment/<int:pk>/", views.attachment, name="attachment"),
]
