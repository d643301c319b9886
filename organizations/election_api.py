"""REST resources of terms and elections.

``/api/v1/elections/`` lists and shows elections and records one (POST, with its nested
``results``) through ``organizations.services.record_election``; elections are never updated
or deleted over the API. ``/api/v1/term-rules/`` is the district's term table (district
admins write it). ``/api/v1/term-status/`` lists the organisations whose term has ended or
ends within six months, with ``days_left``.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from organizations import services
from organizations.election_filters import ElectionFilterSet, TermStatusFilterSet
from organizations.models import (
    ELECTION_FIELDS,
    Election,
    ElectionResult,
    Organization,
    TermRule,
)
from portal import api, scoping
from portal.routers import router


class ElectionResultSerializer(api.ScopedModelSerializer):
    candidate_name = serializers.CharField(max_length=50, required=False, allow_blank=True)

    class Meta:
        model = ElectionResult
        fields = ["title", "candidate", "candidate_name", "votes", "elected", "position"]
        read_only_fields = ["position"]

    def validate(self, attrs):
        # The rules need the whole election: ``record_election`` checks every row.
        return attrs


class ElectionSerializer(api.ScopedModelSerializer):
    results = ElectionResultSerializer(many=True)

    class Meta:
        model = Election
        fields = ["id", "url", *ELECTION_FIELDS, "results", "created_at", "updated_at"]
        read_only_fields = ["term_number", "created_at", "updated_at"]

    def validate(self, attrs):
        # ``record_election`` validates the election with its results, all or nothing.
        return attrs


def api_errors(exc):
    """An ``ElectionError`` as the API's error body: fields, plus one object per result."""
    detail = {
        ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
        for field, messages in exc.field_errors.items()
    }
    if any(exc.result_errors):
        detail["results"] = exc.result_errors
    return detail


class ElectionViewSet(api.ScopedModelViewSet):
    """Elections (换届选举/补选). ``POST`` records one with its results and applies it: a general
    election opens the next term and replaces the leadership; a by-election adds positions."""

    queryset = Election.objects.select_related("organization").prefetch_related(
        "results__candidate", "results__position"
    )
    serializer_class = ElectionSerializer
    filterset_class = ElectionFilterSet
    ordering_fields = ["held_on", "updated_at"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        results = [dict(row) for row in data.pop("results")]
        organization = data.pop("organization")
        try:
            election = services.record_election(
                request.user, organization=organization, results=results, **data
            )
        except services.ElectionError as exc:
            raise exceptions.ValidationError(api_errors(exc)) from None
        election = self.get_queryset().get(pk=election.pk)
        return Response(self.get_serializer(election).data, status=status.HTTP_201_CREATED)


class TermRuleSerializer(api.ScopedModelSerializer):
    class Meta:
        model = TermRule
        fields = ["id", "url", "kind", "term_years", "basis", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class TermRuleViewSet(api.ScopedModelViewSet):
    """The term table (任期规则): everyone reads it, district admins change it."""

    queryset = TermRule.objects.all()
    serializer_class = TermRuleSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["kind"]


class TermStatusSerializer(serializers.ModelSerializer):
    url = api.IdentityField(view_name="api:organization-detail")
    region = api.BriefRelatedField(read_only=True)
    days_left = serializers.IntegerField(read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "id",
            "url",
            "code",
            "name",
            "kind",
            "region",
            "term_number",
            "term_started_on",
            "term_end",
            "days_left",
            "overdue",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return obj.days_left < 0


class TermStatusViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Organisations whose term has ended (``overdue``) or ends within six months, soonest
    (most overdue) first. Read only."""

    queryset = Organization.objects.all()
    serializer_class = TermStatusSerializer
    filterset_class = TermStatusFilterSet
    ordering_fields = ["days_left", "term_end", "code"]
    ordering = ["days_left", "path"]

    def get_queryset(self):
        base = services.term_status().select_related("region").order_by("days_left", "path")
        return scoping.restrict(base, self.request.user, "view")


router.register("elections", ElectionViewSet, basename="election")
router.register("term-rules", TermRuleViewSet, basename="termrule")
router.register("term-status", TermStatusViewSet, basename="term-status")
