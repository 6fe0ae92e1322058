"""The learning area's pages, one URL module per part, all in the `learners` namespace."""

from django.urls import include, path

app_name = "learners"

urlpatterns = [
    path("", include("learners.enrollment.urls")),
    path("", include("learners.assessments.urls")),
    path("", include("learners.interactive.urls")),
]
