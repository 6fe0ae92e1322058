from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from api.v1 import api as api_v1
from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.healthz_live, name="healthz_live"),
    path("healthz/ready", views.healthz_ready, name="healthz_ready"),
    # The Wagtail admin's own sign-in form would skip the second factor: allauth's instead.
    path("admin/login/", views.admin_login, name="admin_login_redirect"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("api/v1/", api_v1.urls),
    path("", include("learners.urls")),
    path("payments/", include("payments.urls")),
    path("certificates/", include("certificates.urls")),
    path("live/", include("live.urls")),
    path("messages/", include("messaging.urls")),
    path("demotool/", include("demotool.urls")),
    path("discussions/", include("discussions.urls")),
]

# The benchmark baselines (bench/load.py): mounted only on servers bench/ starts.
bench_urlpatterns = [
    path("bench/bare/", views.bare, name="bench_bare"),
    path("bench/bare-signed-in/", views.bare_signed_in, name="bench_bare_signed_in"),
]
if settings.BENCH_VIEWS:
    urlpatterns += bench_urlpatterns

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
