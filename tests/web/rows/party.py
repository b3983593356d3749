"""web/views/party.py: the party's rating page (no login: everyone alike)."""

from tests.web.rows._table import Row, statuses

ROWS = [
    Row("rate", "GET", lambda w: f"/r/{w.link.token}", statuses(200)),
    Row(
        "rate",
        "POST",
        lambda w: f"/r/{w.link.token}",
        statuses(200),
        data=lambda w: {"stars": "4"},
        writes=True,
    ),
]
