"""The project's URLs plus the floor views of the load benchmark (bench/floor.py), which have
no authentication: only the benchmark's own server (bench/settings.py) mounts them."""

from bench import floor
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, *floor.urlpatterns]
