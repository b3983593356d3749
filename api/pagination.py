from rest_framework.pagination import CursorPagination as DRFCursorPagination


class CursorPagination(DRFCursorPagination):
    """{"results", "next", "previous"}; `?page_size=` up to 200; newest-created last."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "id"


class CaseCursorPagination(CursorPagination):
    """Newest first."""

    ordering = "-id"
