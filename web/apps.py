from django.apps import AppConfig


class WebConfig(AppConfig):
    """Pages for people: the same services, selectors and visibility rule as the API."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "web"
    verbose_name = "网页"
