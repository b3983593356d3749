"""DirectFields: DRF's Serializer.to_representation with the per-field look-up planned once.

DRF reads each field of each row through `Field.get_attribute` (source path walking,
callable checks, exception handling) and a fresh generator over the bound fields; on a
list page of 50 cases with their parties that was ~15 % of the request's CPU (issue 18).
For a field that shows one of the model's own columns (a concrete, non-relational field
read under its own attribute name) the value is the attribute itself, so it is read with
getattr; every other field (methods, relations, nested serializers, dotted sources,
properties) keeps DRF's own path. Each field's `to_representation` is DRF's, None stays
None, and the order is the serializer's: the JSON is the same.
"""

from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject


def _direct_attribute(model, field) -> str | None:
    if isinstance(
        field,
        serializers.SerializerMethodField
        | serializers.RelatedField
        | serializers.ManyRelatedField
        | serializers.BaseSerializer,
    ):
        return None
    if len(field.source_attrs) != 1:
        return None
    name = field.source_attrs[0]
    columns = {f.attname for f in model._meta.concrete_fields if not f.is_relation}
    return name if name in columns else None


class DirectFields:
    def _direct_plan(self) -> list:
        model = self.Meta.model
        return [
            (field.field_name, _direct_attribute(model, field), field)
            for field in self._readable_fields
        ]

    def to_representation(self, instance):
        plan = self.__dict__.get("_direct_plan_cache")
        if plan is None:
            plan = self.__dict__["_direct_plan_cache"] = self._direct_plan()
        ret = {}
        for name, attribute_name, field in plan:
            if attribute_name is not None:
                value = getattr(instance, attribute_name)
                ret[name] = None if value is None else field.to_representation(value)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check_for_none is None else field.to_representation(attribute)
        return ret
