"""Case serializers build their fields from the model once per class (BuiltOnceFields);
every serializer still gets fields of its own, bound to it."""

from api.serializers import CaseListSerializer, CaseSerializer


def test_fields_are_built_once_per_class_and_never_shared():
    first, second = CaseSerializer(), CaseSerializer()

    assert list(first.fields) == list(second.fields)
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
    assert first.fields["number"].parent is first and second.fields["number"].parent is second
    # a subclass keeps its own field set, not its parent's
    assert "sessions" in first.fields
    assert "sessions" not in CaseListSerializer().fields
    assert set(CaseListSerializer().fields) < set(first.fields)
