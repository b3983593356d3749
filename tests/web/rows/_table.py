"""The row type of the web authorization table (see tests/web/rows/__init__.py)."""

from collections.abc import Callable
from dataclasses import dataclass, field

PERSONAS = ("anon", "outsider", "member", "director", "office_a", "office_b", "district", "court")

# What an anonymous visitor gets from a page that needs a session: the sign-in page.
SIGN_IN = 302


def statuses(default: int, **overrides: int) -> dict[str, int]:
    unknown = set(overrides) - set(PERSONAS)
    assert not unknown, f"unknown personas {unknown}"
    return {persona: overrides.get(persona, default) for persona in PERSONAS}


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: Callable
    expect: dict[str, int]
    data: Callable = field(default=lambda w: {})
    # Writes the allowed personas make: the table checks the database changed for them.
    writes: bool = False
