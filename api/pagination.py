from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination as DRFCursorPagination

from mediation.exceptions import InvalidInput


class InvalidCursor(InvalidInput):
    def __init__(self):
        super().__init__(
            "分页游标（cursor）无效：请使用上一页响应中的 next 或 previous 链接。",
            code="invalid_cursor",
        )


class CursorPagination(DRFCursorPagination):
    """{"results", "next", "previous"}; `?page_size=` up to 200; newest-created last.

    A cursor is only ever one the API gave out: one that does not decode, or whose position
    is not a value of the ordering field (`p=abc`, `p=1e5`, an id beyond 64 bits), is
    400 `invalid_cursor` before it reaches the database.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "id"

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise InvalidCursor() from None
        if cursor is not None and cursor.position is not None:
            field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
            try:
                field.run_validators(field.to_python(cursor.position))
            except ValidationError:
                raise InvalidCursor() from None
        return cursor


class CaseCursorPagination(CursorPagination):
    """Newest first."""

    ordering = "-id"
