"""Logging filters that keep secrets out of the log."""

import logging
import re

# The API's /api/v1/ratings/<token>/ and the party's page /r/<token>.
RATING_TOKEN = re.compile(r"((?:/ratings/|(?<![\w.-])/r/))[^/?#\s]+")


def redact_rating_tokens(text: str) -> str:
    return RATING_TOKEN.sub(r"\1[redacted]", text)


class RedactRatingTokens(logging.Filter):
    """A rating link's token is its only credential: Django logs every 4xx with the path
    ("Not Found: /api/v1/ratings/<token>/"), so the token is cut from the message and
    its arguments before any handler sees the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_rating_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_rating_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        elif isinstance(record.args, dict):
            record.args = {
                key: redact_rating_tokens(value) if isinstance(value, str) else value
                for key, value in record.args.items()
            }
        return True
