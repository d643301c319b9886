"""API pagination: limit/offset with a maximum, and keyset (cursor) mode for sync."""

from django.conf import settings
from rest_framework import pagination


class OffsetPagination(pagination.LimitOffsetPagination):
    default_limit = 50

    @property
    def max_limit(self):
        return settings.API_MAX_PAGE_SIZE


class SyncCursorPagination(pagination.CursorPagination):
    """Keyset pagination for nightly sync: stable under concurrent writes, no COUNT."""

    ordering = ("updated_at", "id")
    page_size = 100
    page_size_query_param = "limit"

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE


class Pagination(OffsetPagination):
    """Limit/offset by default; ``?cursor=`` or ``?sync=1`` switches to cursor mode."""

    def __init__(self):
        self._cursor = None

    def _use_cursor(self, request):
        return "cursor" in request.query_params or request.query_params.get("sync") in ("1", "true")

    def paginate_queryset(self, queryset, request, view=None):
        if self._use_cursor(request):
            self._cursor = SyncCursorPagination()
            return self._cursor.paginate_queryset(queryset.order_by(), request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self._cursor is not None:
            return self._cursor.get_paginated_response(data)
        return super().get_paginated_response(data)
