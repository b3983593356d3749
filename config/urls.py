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
    # Pages for people: sign-in at /, each persona's pages, the party's rating page /r/<token>.
    path("", include("web.urls")),
]

# Errors under /api/ are JSON in the API's shape; elsewhere Django's pages (api/exceptions.py).
handler400 = "api.exceptions.bad_request"
handler404 = "api.exceptions.not_found"
handler500 = "api.exceptions.server_error"
