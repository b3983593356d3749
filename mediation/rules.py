"""The Ministry's time rules (and the house's own reminder times), read from their one
home: settings.TIAOJIE (config/settings.py, each overridable by environment)."""

from django.conf import settings


def rule(name: str) -> int:
    """A time rule from settings.TIAOJIE: a number of days, or a day of the month."""
    return settings.TIAOJIE[name]
