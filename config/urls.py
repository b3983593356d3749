import os

from django.contrib import admin
from django.urls import include, path

from api.auth import admin_login

admin.site.site_header = "人民调解案件管理"
admin.site.site_title = "人民调解案件管理"
admin.site.index_title = "管理"

urlpatterns = [
    # The admin login behind the API's failed-login lock-out (before the admin's own URL).
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]

# Errors under /api/ are JSON in the API's shape; elsewhere Django's pages (api/exceptions.py).
handler400 = "api.exceptions.bad_request"
handler404 = "api.exceptions.not_found"
handler500 = "api.exceptions.server_error"

# Floor views of the load benchmark (bench/load.py): no authentication, so only ever on
# the benchmark's own server, which sets TIAOJIE_BENCH_FLOOR=1.
if os.environ.get("TIAOJIE_BENCH_FLOOR") == "1":
    from api import bench_floor

    urlpatterns += bench_floor.urlpatterns
