"""Pages for people, mounted at ``/``; each persona's module owns its URLs."""

from django.urls import include, path

app_name = "web"

urlpatterns = [
    path("", include("web.views.auth")),
    path("", include("web.views.mediator")),
    path("", include("web.views.director")),
    path("", include("web.views.district")),
    path("", include("web.views.liaison")),
    path("", include("web.views.party")),
]
