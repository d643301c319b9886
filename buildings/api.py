"""REST resources of the enterprise and building registers: /parks/, /buildings/,
/enterprises/, /service-sites/ and the read-only /tenancies/.

Upserts go by natural key: a park's, building's or site's ``code``, an enterprise's USCC
(written in any case or width, found in its canonical form). An enterprise carries its
coverage facts read-only, from the fact table ``buildings.coverage`` refreshes (null until
the first refresh has seen it).
"""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from buildings.filters import (
    BuildingFilterSet,
    EnterpriseFilterSet,
    ParkFilterSet,
    ServiceSiteFilterSet,
    TenancyFilterSet,
)
from buildings.models import (
    BUILDING_INPUT_FIELDS,
    ENTERPRISE_INPUT_FIELDS,
    PARK_INPUT_FIELDS,
    SERVICE_SITE_INPUT_FIELDS,
    Building,
    Enterprise,
    Park,
    ServiceSite,
    Tenancy,
)
from portal import api
from portal.routers import router

TIMESTAMPS = ["created_at", "updated_at"]
#: A code registered already, wherever (it may be outside the writer's scope): no more said.
USCC_TAKEN = _("该统一社会信用代码已登记。")


class UsccField(serializers.CharField):
    """A USCC in its canonical form before any validator sees it (``91350100m…`` and
    full-width input name the stored ``91350100M…``); the model's ``clean`` judges it."""

    def to_internal_value(self, data):
        return Enterprise.normalize_natural_key(super().to_internal_value(data))


# --- serializers ----------------------------------------------------------------------


class ParkSerializer(api.ScopedModelSerializer):
    class Meta:
        model = Park
        fields = ["id", "url", *PARK_INPUT_FIELDS, *TIMESTAMPS]
        read_only_fields = TIMESTAMPS


class BuildingSerializer(api.ScopedModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "url", *BUILDING_INPUT_FIELDS, *TIMESTAMPS]
        read_only_fields = TIMESTAMPS


class EnterpriseSerializer(api.ScopedModelSerializer):
    """``uscc_override_reason`` accepts a code that fails only its check character (an early
    pilot-region code), if the requesting user holds ``buildings.override_uscc``; who
    accepted it is ``uscc_override_by``. The coverage facts are read-only."""

    uscc = UsccField(
        label=_("统一社会信用代码"),
        max_length=40,
        validators=[
            UniqueValidator(
                queryset=Enterprise.objects.all(), message=_("该统一社会信用代码已登记。")
            )
        ],
    )
    uscc_override_by = serializers.SlugRelatedField(
        label=_("例外批准人"), slug_field="username", read_only=True, allow_null=True
    )
    members = serializers.SerializerMethodField(label=_("党员数"))
    full_members = serializers.SerializerMethodField(label=_("正式党员"))
    should_found = serializers.SerializerMethodField(label=_("应建未建"))
    organization_kind = serializers.SerializerMethodField(
        label=_("党组织形式"), help_text=_("own 单独建立、joint 联合建立、none 未建立")
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "url",
            *ENTERPRISE_INPUT_FIELDS,
            "uscc_override_by",
            "members",
            "full_members",
            "should_found",
            "organization_kind",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS

    def apply_extra(self, candidate, extra):
        request = self.context.get("request")
        candidate.validating_user = request.user if request is not None else None

    @staticmethod
    def _facts(instance):
        try:
            return instance.facts
        except ObjectDoesNotExist:
            return None

    def get_members(self, instance) -> int | None:
        facts = self._facts(instance)
        return facts.members if facts else None

    def get_full_members(self, instance) -> int | None:
        facts = self._facts(instance)
        return facts.full_members if facts else None

    def get_should_found(self, instance) -> bool | None:
        facts = self._facts(instance)
        return facts.should_found if facts else None

    def get_organization_kind(self, instance) -> str | None:
        facts = self._facts(instance)
        if facts is None:
            return None
        if facts.has_own_organization:
            return "own"
        return "joint" if facts.has_joint_organization else "none"


class ServiceSiteSerializer(api.ScopedModelSerializer):
    class Meta:
        model = ServiceSite
        fields = ["id", "url", *SERVICE_SITE_INPUT_FIELDS, *TIMESTAMPS]
        read_only_fields = TIMESTAMPS


class TenancySerializer(api.ScopedModelSerializer):
    class Meta:
        model = Tenancy
        fields = [
            "id",
            "url",
            "enterprise",
            "building",
            "floor",
            "room",
            "moved_in_on",
            "moved_out_on",
            *TIMESTAMPS,
        ]
        read_only_fields = fields


# --- viewsets -------------------------------------------------------------------------


class ParkViewSet(api.ScopedModelViewSet):
    """Industrial parks (产业园区). ``POST parks/upsert/`` by ``code``."""

    queryset = Park.objects.select_related("region")
    serializer_class = ParkSerializer
    filterset_class = ParkFilterSet
    ordering_fields = ["code", "name", "updated_at"]


class BuildingViewSet(api.ScopedModelViewSet):
    """Buildings (商务楼宇/园区楼宇/商圈市场). ``POST buildings/upsert/`` by ``code``."""

    queryset = Building.objects.select_related("region", "grid", "park")
    serializer_class = BuildingSerializer
    filterset_class = BuildingFilterSet
    ordering_fields = ["code", "name", "updated_at"]


class EnterpriseViewSet(api.ScopedModelViewSet):
    """Enterprises and social organisations. ``POST enterprises/upsert/`` by ``uscc``."""

    queryset = Enterprise.objects.select_related(
        "region", "building", "party_organization", "uscc_override_by", "facts"
    )
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    ordering_fields = ["name", "uscc", "employees", "updated_at"]

    def natural_key_filter(self, item):
        raw = item.get("uscc")
        if not raw or not isinstance(raw, str):
            return None
        return {"uscc": Enterprise.normalize_natural_key(raw)}


class ServiceSiteViewSet(api.ScopedModelViewSet):
    """Party service sites (党建服务中心/站, 金领驿站). ``POST service-sites/upsert/`` by
    ``code``."""

    queryset = ServiceSite.objects.select_related("region", "building")
    serializer_class = ServiceSiteSerializer
    filterset_class = ServiceSiteFilterSet
    ordering_fields = ["code", "name", "updated_at"]


class TenancyViewSet(api.ScopedModelViewSet):
    """The tenancy history (入驻记录), read-only: it follows the enterprises' building,
    floor and room."""

    queryset = Tenancy.objects.select_related("enterprise", "building")
    serializer_class = TenancySerializer
    filterset_class = TenancyFilterSet
    ordering_fields = ["moved_in_on", "moved_out_on", "updated_at"]
    http_method_names = ["get", "head", "options"]


router.register("parks", ParkViewSet, basename="park")
router.register("buildings", BuildingViewSet, basename="building")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("service-sites", ServiceSiteViewSet, basename="servicesite")
router.register("tenancies", TenancyViewSet, basename="tenancy")
