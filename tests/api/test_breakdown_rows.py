"""The breakdown row serializer's fast path gives exactly DRF's generic output."""

from decimal import Decimal

from rest_framework import serializers as drf

from api.serializers import BreakdownRowSerializer, BreakdownSerializer
from mediation import statistics


def row(**dims):
    counts = {name: index for index, name in enumerate(statistics.ADDITIVE)}
    counts["amount_involved"] = Decimal("1234.5")
    counts["agreement_amount"] = Decimal("0")
    counts.update(statistics.rates(counts))
    return {**counts, **dims}


ROWS = [
    row(month="2026-11", dispute_type="neighbourhood"),
    row(committee=7, area=None),  # a committee without an area
    row(committee=7, area=12, year="2026", quarter="2026-Q4", source="screening"),
    row(status="mediating", outcome=""),
    {**row(month="2026-01"), "success_rate": None, "one_visit_rate": None},
]


def test_the_fast_rows_equal_drfs_generic_representation():
    child = BreakdownRowSerializer()
    for value in ROWS:
        assert child.to_representation(value) == drf.Serializer.to_representation(child, value)
        assert list(child.to_representation(value)) == list(
            drf.Serializer.to_representation(child, value)
        )


def test_a_whole_answer_renders_every_row():
    data = BreakdownSerializer(
        {"dimensions": ["month"], "rows": ROWS, "as_of": None, "computed_from": "rollup"}
    ).data
    assert len(data["rows"]) == len(ROWS)
    assert data["rows"][0]["amount_involved"] == "1234.50"
    assert data["rows"][1]["area"] is None and "month" not in data["rows"][1]
