"""The cross-database questions over the API: ``/api/v1/reports/`` lists them,
``/api/v1/reports/<key>/`` answers one with the page's parameters, paginated like every list
(``count`` capped, ``X-Count-Capped``). Rows are objects keyed by column; members appear
masked. A question whose data does not exist yet answers 501 with the reason."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.reverse import reverse

from portal import scoping
from portal.pagination import OffsetPagination
from portal.routers import router
from reports import questions


def _json(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class ReportViewSet(viewsets.ViewSet):
    """The questions the user may ask, and their answers."""

    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "key"
    lookup_value_regex = "[a-z0-9-]+"

    def visible(self, request):
        return [q for q in questions.all_questions() if scoping.can(request.user, q.model, "view")]

    @extend_schema(
        operation_id="reports_list",
        responses={
            200: inline_serializer(
                "ReportQuestion",
                {
                    "key": serializers.CharField(),
                    "title": serializers.CharField(),
                    "description": serializers.CharField(),
                    "available": serializers.BooleanField(),
                    "url": serializers.CharField(),
                    "columns": inline_serializer(
                        "ReportColumn",
                        {"key": serializers.CharField(), "label": serializers.CharField()},
                        many=True,
                    ),
                },
                many=True,
            )
        },
    )
    def list(self, request):
        return Response(
            [
                {
                    "key": q.key,
                    "title": str(q.title),
                    "description": str(q.description),
                    "available": q.available,
                    "url": reverse("api:report-detail", args=[q.key], request=request),
                    "columns": [
                        {"key": questions.column_key(c), "label": str(c.label)} for c in q.columns
                    ],
                }
                for q in self.visible(request)
            ]
        )

    @extend_schema(
        operation_id="reports_answer",
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 501: OpenApiTypes.OBJECT},
    )
    def retrieve(self, request, key=None):
        question = questions.get(key)
        if question is None:
            raise exceptions.NotFound()
        if not scoping.can(request.user, question.model, "view"):
            raise exceptions.PermissionDenied()
        if not question.available:
            return Response(
                {"key": key, "available": False, "detail": str(question.unavailable)},
                status=status.HTTP_501_NOT_IMPLEMENTED,
            )
        filterset, rows = question.answer(request.user, request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        paginator = OffsetPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        columns = question.bound_columns()
        data = [
            {questions.column_key(c): _json(c.value(obj)) for c in columns}
            for obj in question.records(page)
        ]
        return paginator.get_paginated_response(data)


router.register("reports", ReportViewSet, basename="report")
