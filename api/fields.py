"""Input fields whose refusals say what was wrong, in Chinese.

DRF answers "2026-02-30" with its format message (日期格式错误), though the format is right
and only the day does not exist; and an unknown choice with "is not a valid choice",
without saying which are valid. These fields name the missing day (the code stays
`invalid`, as for any bad date) and list the valid codes (code `invalid_choice`). Every
input serializer uses them; the list filters say the same (api.filters.FilterBackend).
"""

import re
from datetime import date

from django.db import models
from rest_framework import serializers

ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]|$)")

NONEXISTENT_DATE = "日期 {input} 不存在：日历上没有这一天。"
CHOICE_MESSAGE = "“{input}”不是有效的选项，可选值：{allowed}。"


def nonexistent_day(value) -> str | None:
    """The YYYY-MM-DD that starts `value` when it is well formed but not a real day."""
    if not isinstance(value, str):
        return None
    match = ISO_DATE.match(value.strip())
    if not match:
        return None
    try:
        date.fromisoformat(match.group(1))
    except ValueError:
        return match.group(1)
    return None


def refuse_nonexistent_day(value) -> None:
    if day := nonexistent_day(value):
        raise serializers.ValidationError(NONEXISTENT_DATE.format(input=day), code="invalid")


class DateField(serializers.DateField):
    def to_internal_value(self, value):
        refuse_nonexistent_day(value)
        return super().to_internal_value(value)


class DateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value):
        refuse_nonexistent_day(value)
        return super().to_internal_value(value)


class ChoiceField(serializers.ChoiceField):
    default_error_messages = {"invalid_choice": CHOICE_MESSAGE}

    def fail(self, key, **kwargs):
        if key == "invalid_choice":
            kwargs["allowed"] = "、".join(self.choice_strings_to_values)
        super().fail(key, **kwargs)


# For ModelSerializers that take input: the model's date, datetime and choice fields.
MODEL_FIELD_MAPPING = {
    **serializers.ModelSerializer.serializer_field_mapping,
    models.DateField: DateField,
    models.DateTimeField: DateTimeField,
}
