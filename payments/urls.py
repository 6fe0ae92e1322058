"""The money area's pages: commerce in the `payments` namespace, earnings in `payments:earnings`."""

from django.urls import include, path

app_name = "payments"

urlpatterns = [
    path("earnings/", include("payments.earnings.urls")),
    path("", include("payments.commerce.urls")),
]
