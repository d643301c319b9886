"""``GET /api/v1/search/?q=``: the one search box over the API, the same groups as the page."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import set_override
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response

from portal.routers import router
from search import engine

_details = inline_serializer(
    "SearchResultDetail",
    {"label": serializers.CharField(), "value": serializers.CharField()},
    many=True,
)
_results = inline_serializer(
    "SearchResult",
    {
        "id": serializers.IntegerField(),
        "title": serializers.CharField(),
        "rank": serializers.ChoiceField(choices=["exact", "prefix", "contains"]),
        "details": _details,
        "url": serializers.CharField(),
    },
    many=True,
)
_groups = inline_serializer(
    "SearchGroup",
    {
        "key": serializers.CharField(),
        "label": serializers.CharField(),
        "results": _results,
        "more_url": serializers.CharField(),
    },
    many=True,
)


class SearchViewSet(viewsets.ViewSet):
    """Members (masked), organisations, enterprises, buildings, grids and cases the user may
    see, grouped by kind, exact matches first. ID numbers and mobiles are not searched:
    ``POST /api/v1/members/lookup/`` finds a member by ID number."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description=str(_("名称、简称、编码或信用代码")))],
        # One object, though the action is ``list`` (which the schema would make an array).
        responses=set_override(
            inline_serializer(
                "SearchResponse",
                {
                    "q": serializers.CharField(),
                    "id_number_query": serializers.BooleanField(),
                    "groups": _groups,
                },
            ),
            "many",
            False,
        ),
    )
    def list(self, request):
        term = request.query_params.get("q", "")
        return Response(
            {
                "q": engine.normalize(term),
                "id_number_query": engine.looks_sensitive(term),
                "groups": engine.search(request.user, term),
            }
        )


router.register("search", SearchViewSet, basename="search")
