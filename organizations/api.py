from organizations.filters import LeadershipPositionFilterSet, OrganizationFilterSet
from organizations.models import LeadershipPosition, Organization
from portal import api
from portal.routers import router


class OrganizationSerializer(api.ScopedModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id",
            "url",
            "code",
            "name",
            "short_name",
            "kind",
            "sector",
            "parent",
            "region",
            "building",
            "path",
            "depth",
            "founded_on",
            "dissolved_on",
            "term_number",
            "term_started_on",
            "term_end",
            "contact_phone",
            "address",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["path", "depth", "created_at", "updated_at"]


class OrganizationViewSet(api.ScopedModelViewSet):
    """Party organisations. Moving one (a new ``parent``) moves its whole subtree."""

    queryset = Organization.objects.select_related("parent", "region", "building")
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ["code", "name", "path", "updated_at", "term_end"]


class LeadershipPositionSerializer(api.ScopedModelSerializer):
    class Meta:
        model = LeadershipPosition
        fields = [
            "id",
            "url",
            "organization",
            "title",
            "holder_name",
            "holder",
            "started_on",
            "ended_on",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class LeadershipPositionViewSet(api.ScopedModelViewSet):
    queryset = LeadershipPosition.objects.select_related("organization", "holder")
    serializer_class = LeadershipPositionSerializer
    filterset_class = LeadershipPositionFilterSet
    ordering_fields = ["started_on", "ended_on", "updated_at"]


router.register("organizations", OrganizationViewSet, basename="organization")
router.register("positions", LeadershipPositionViewSet, basename="leadershipposition")

# Terms and elections (换届选举): organizations/election_api.py
from organizations import election_api  # noqa: E402, F401
