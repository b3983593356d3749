"""Limits shared by the request serializers of several resources."""

from decimal import Decimal

MAX_ID = 2**63 - 1  # ids are 64-bit; larger numbers are bad input, not a server error
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999

AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}
