"""Case serializers build their fields from the model once per class (BuiltOnceFields);
every serializer still gets fields of its own, bound to it."""

from unittest import mock

from rest_framework.utils import model_meta

from api.serializers import CaseListSerializer, CaseSerializer


def test_the_model_is_inspected_once_per_class():
    CaseSerializer().fields  # noqa: B018 - built (perhaps by an earlier test) and kept
    with mock.patch.object(model_meta, "get_field_info", wraps=model_meta.get_field_info) as spy:
        CaseSerializer().fields  # noqa: B018
        CaseSerializer().fields  # noqa: B018
    assert spy.call_count == 0


def test_fields_are_built_once_per_class_and_never_shared():
    first, second = CaseSerializer(), CaseSerializer()

    assert list(first.fields) == list(second.fields)
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
    assert first.fields["number"].parent is first and second.fields["number"].parent is second
    # a subclass keeps its own field set, not its parent's
    assert "sessions" in first.fields
    assert "sessions" not in CaseListSerializer().fields
    assert set(CaseListSerializer().fields) < set(first.fields)
