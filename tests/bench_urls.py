"""config.urls as on a server bench/ starts (BENCH_VIEWS on), for tests in this process:
config.urls is built once per process, so a test points ROOT_URLCONF here instead."""

from config.urls import bench_urlpatterns
from config.urls import urlpatterns as site_urlpatterns

urlpatterns = bench_urlpatterns + site_urlpatterns
