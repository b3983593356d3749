"""Settings of the load benchmark's own server (bench/load.py): the project's settings with
the floor views mounted (bench/urls.py). Never used by the product."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
