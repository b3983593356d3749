from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "人民调解案件管理"
admin.site.site_title = "人民调解案件管理"
admin.site.index_title = "管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]
