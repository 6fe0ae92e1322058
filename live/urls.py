from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("book/", views.book_choose, name="book"),
    path("book/<int:course_id>/<int:teacher_id>/", views.book_slots, name="book_slots"),
    path("availability/", views.availability, name="availability"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/join/", views.join, name="join"),
    path("<int:pk>/invite.ics", views.invite, name="invite"),
    path("zoom/webhook/", views.zoom_webhook, name="zoom_webhook"),
]
