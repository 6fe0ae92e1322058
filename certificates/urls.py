from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("", views.certificate_list, name="list"),
    path("<int:pk>/download/", views.certificate_download, name="download"),
    path("verify/", views.verify_form, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
]
