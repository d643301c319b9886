"""API pagination: limit/offset with a maximum, and keyset (cursor) mode for sync."""

import base64
import binascii

from django.conf import settings
from django.db.models import Count, Q, Window
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class OffsetPagination(pagination.LimitOffsetPagination):
    """Limit/offset with a maximum page size. ``count`` is exact up to API_COUNT_CAP rows;
    past that it reads API_COUNT_CAP and the ``X-Count-Capped: true`` header says so (the
    body keeps the list contract), so a broad search of two million members costs a bounded
    count, not a scan of every match (DESIGN.md 7). Walk beyond the cap with ``?sync=1``."""

    default_limit = 50

    @property
    def max_limit(self):
        return settings.API_MAX_PAGE_SIZE

    def get_count(self, queryset):
        cap = settings.API_COUNT_CAP
        counted = queryset.order_by()[: cap + 1].count()
        self.count_capped = counted > cap
        return min(counted, cap)

    def paginate_queryset(self, queryset, request, view=None):
        count_with_page = getattr(view, "count_with_page", None)
        if count_with_page is not None and count_with_page(request):
            page = self._paginate_counting_in_page(queryset, request)
            if page is not None:
                return page
        return super().paginate_queryset(queryset, request, view)

    def _paginate_counting_in_page(self, queryset, request):
        """The page and its count from one scan, for a page that reads every match anyway
        (a search sorted by name: PostgreSQL sorts all the matches to find the first 20).
        A narrow query takes the page's keys and ``count(*) OVER ()``; a second fetches
        those rows by primary key. A separate COUNT would read every match a second time.
        None where the ordinary path answers the same at no extra cost (no page size, an
        offset past the cap, DISTINCT rows)."""
        cap = settings.API_COUNT_CAP
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        if self.limit is None or self.offset > cap or queryset.query.distinct:
            return None
        counted = queryset.annotate(_total=Window(Count("*"))).values_list("pk", "_total")
        keys = list(counted[self.offset : self.offset + self.limit])
        if not keys:  # past the last match: the count says how many there are
            self.count = self.get_count(queryset)
            return []
        total = keys[0][1]
        self.count_capped = total > cap
        self.count = min(total, cap)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        rows = queryset.in_bulk([pk for pk, _total in keys])
        return [rows[pk] for pk, _total in keys if pk in rows]

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if self.count_capped:
            response["X-Count-Capped"] = "true"
        return response


class KeysetPagination(pagination.BasePagination):
    """Keyset pagination for nightly sync, ordered by ``(updated_at, id)``.

    The cursor carries the last row's ``(updated_at, id)``; the next page is the rows after
    it (an index range scan, no OFFSET, no COUNT), so a sync is stable under concurrent
    writes and never stalls on rows that share a timestamp (a bulk import gives thousands
    the same ``updated_at``; DRF's CursorPagination pages ties by offset and stops at 1000).
    A row changed during a sync moves to the end and is picked up again.
    """

    page_size = 100
    cursor_query_param = "cursor"
    invalid_cursor_message = _("无效的游标。")

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request):
        try:
            size = int(request.query_params.get("limit", self.page_size))
        except ValueError:
            size = self.page_size
        return max(1, min(size, self.max_page_size))

    def decode(self, raw):
        try:
            stamp, pk = base64.urlsafe_b64decode(raw.encode()).decode().split("|")
            when = parse_datetime(stamp)
            if when is None:
                raise ValueError
            return when, int(pk)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise exceptions.NotFound(self.invalid_cursor_message) from None

    @staticmethod
    def encode(obj):
        raw = f"{obj.updated_at.isoformat()}|{obj.pk}"
        return base64.urlsafe_b64encode(raw.encode()).decode()

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.cursor_query_param)
        queryset = queryset.order_by("updated_at", "pk")
        if raw:
            when, pk = self.decode(raw)
            queryset = queryset.filter(Q(updated_at__gt=when) | Q(updated_at=when, pk__gt=pk))
        page = list(queryset[: size + 1])
        self.has_next = len(page) > size
        self.page = page[:size]
        return self.page

    def get_next_link(self):
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.encode(self.page[-1]))

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class Pagination(OffsetPagination):
    """Limit/offset by default; ``?cursor=`` or ``?sync=1`` switches to cursor mode."""

    def __init__(self):
        self._cursor = None

    def _use_cursor(self, request):
        return "cursor" in request.query_params or request.query_params.get("sync") in ("1", "true")

    def paginate_queryset(self, queryset, request, view=None):
        if self._use_cursor(request):
            self._cursor = KeysetPagination()
            return self._cursor.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self._cursor is not None:
            return self._cursor.get_paginated_response(data)
        return super().get_paginated_response(data)
