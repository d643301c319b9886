"""API viewsets of grids' work models (registered with portal.routers.router):
``/api/v1/wishes/`` and ``/api/v1/visits/``.

Wishes are created by ``POST wishes/`` (submitted for review) and move only through their
transition actions, ``POST wishes/{id}/review|claim|fulfil|confirm|withdraw/``, which call
``grids.services.wishes``; they are never edited or deleted over the API. The resident's name
is read masked (``beneficiary``); name and contact are written, never read back.
``POST visits/`` may open a case in the same step: ``"open_case": {"category": <id or
code>, "title": "..."}``.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from grids.models import CaseCategory, Visit, Wish, WishStep
from grids.services import visits as visit_services
from grids.services import wishes as wish_services
from grids.work_filters import VisitFilterSet, WishFilterSet
from members.models import Member
from portal import api
from portal.permissions import ScopedModelPermissions
from portal.routers import router

TIMESTAMPS = ["created_at", "updated_at"]


class TransitionPermission(ScopedModelPermissions):
    """A transition is a change of the row, whatever its HTTP verb."""

    perms_map = {
        **ScopedModelPermissions.perms_map,
        "POST": ["%(app_label)s.change_%(model_name)s"],
    }


# --- wishes --------------------------------------------------------------------------------


class WishSerializer(api.ScopedModelSerializer):
    beneficiary = serializers.CharField(
        source="beneficiary_masked", read_only=True, label=_("心愿人（脱敏）")
    )
    beneficiary_name = serializers.CharField(label=_("心愿人"), max_length=50, write_only=True)
    beneficiary_contact = serializers.CharField(
        label=_("联系方式"), max_length=100, write_only=True, required=False, allow_blank=True
    )
    has_photo = serializers.SerializerMethodField(label=_("有实现照片"))

    class Meta:
        model = Wish
        fields = [
            "id",
            "url",
            "number",
            "grid",
            "title",
            "description",
            "beneficiary",
            "beneficiary_name",
            "beneficiary_contact",
            "submitted_by_member",
            "state",
            "claimed_by_member",
            "claimed_by_unit",
            "claimed_at",
            "claim_expires_at",
            "fulfilled_at",
            "proof_note",
            "has_photo",
            "confirmed_at",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS

    def get_has_photo(self, wish) -> bool:
        return bool(wish.proof_photo)

    def create(self, validated_data):
        return wish_services.submit(self.context["request"].user, **validated_data)


class WishStepSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WishStep
        fields = ["id", "action", "from_state", "to_state", "actor", "note", "created_at"]


class NoteInput(serializers.Serializer):
    note = serializers.CharField(label=_("说明"), required=False, allow_blank=True, default="")


class ReviewInput(NoteInput):
    approve = serializers.BooleanField(label=_("通过并发布"))


class ClaimInput(NoteInput):
    member = api.BriefRelatedField(
        label=_("认领党员"), queryset=Member.objects.all(), required=False, allow_null=True
    )
    unit = serializers.CharField(
        label=_("认领单位"), max_length=200, required=False, allow_blank=True, default=""
    )


class FulfilInput(serializers.Serializer):
    note = serializers.CharField(label=_("实现情况"))
    photo = serializers.FileField(label=_("照片"), required=False)


TRANSITION_INPUTS = {
    "review": ReviewInput,
    "claim": ClaimInput,
    "fulfil": FulfilInput,
    "confirm": NoteInput,
    "withdraw": NoteInput,
}


class WishViewSet(api.ScopedModelViewSet):
    """Micro-wishes (微心愿). Create submits one for review; the transitions are actions."""

    queryset = Wish.objects.select_related("grid", "submitted_by_member", "claimed_by_member")
    serializer_class = WishSerializer
    filterset_class = WishFilterSet
    ordering_fields = ["created_at", "updated_at", "claim_expires_at"]
    http_method_names = ["get", "post", "head", "options"]

    @classmethod
    def get_extra_actions(cls):
        # No upsert: a wish changes only through its transitions.
        return [a for a in super().get_extra_actions() if a.__name__ != "upsert"]

    def transition(self, request, name):
        wish = self.get_object()
        payload = TRANSITION_INPUTS[name](data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        wish = wish_services.apply(name, wish, request.user, payload.validated_data)
        return Response(self.get_serializer(wish).data)

    @extend_schema(request=ReviewInput, responses=WishSerializer)
    @action(detail=True, methods=["post"], permission_classes=[TransitionPermission])
    def review(self, request, pk=None):
        """审核：approve=true 发布，false 不予发布（需说明理由）；提交人本人不能审核。"""
        return self.transition(request, "review")

    @extend_schema(request=ClaimInput, responses=WishSerializer)
    @action(detail=True, methods=["post"], permission_classes=[TransitionPermission])
    def claim(self, request, pk=None):
        """认领：member（党员编号）或 unit（驻区单位名称）二选一；不能认领自己提交的心愿。"""
        return self.transition(request, "claim")

    @extend_schema(request=FulfilInput, responses=WishSerializer)
    @action(detail=True, methods=["post"], permission_classes=[TransitionPermission])
    def fulfil(self, request, pk=None):
        """登记实现：note 必填，photo 可选（multipart，PNG/JPEG/WebP，≤5 MB）。"""
        return self.transition(request, "fulfil")

    @extend_schema(request=NoteInput, responses=WishSerializer)
    @action(detail=True, methods=["post"], permission_classes=[TransitionPermission])
    def confirm(self, request, pk=None):
        """确认实现（网格工作人员或提交人；认领人、登记实现的人除外）。"""
        return self.transition(request, "confirm")

    @extend_schema(request=NoteInput, responses=WishSerializer)
    @action(detail=True, methods=["post"], permission_classes=[TransitionPermission])
    def withdraw(self, request, pk=None):
        """撤回（待审核、已发布或已认领的心愿）。"""
        return self.transition(request, "withdraw")

    @extend_schema(responses=WishStepSerializer(many=True))
    @action(detail=True, methods=["get"])
    def steps(self, request, pk=None):
        """The wish's timeline: who did what, when."""
        wish = self.get_object()
        steps = wish.steps.select_related("actor").order_by("created_at", "id")
        return Response(WishStepSerializer(steps, many=True).data)


# --- visits --------------------------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class CategoryField(serializers.RelatedField):
    """An active case category, by id or code."""

    default_error_messages = {"does_not_exist": _("类别“{value}”不存在或已停用。")}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", CaseCategory.objects.filter(active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        queryset = self.get_queryset()
        lookup = {"pk": data} if isinstance(data, int) else {"code": str(data)}
        try:
            return queryset.get(**lookup)
        except (CaseCategory.DoesNotExist, ValueError, TypeError):
            self.fail("does_not_exist", value=data)

    def to_representation(self, value):
        return value.code


class OpenCaseInput(serializers.Serializer):
    category = CategoryField(label=_("工单类别"))
    title = serializers.CharField(label=_("工单标题"), max_length=200)
    description = serializers.CharField(
        label=_("工单描述"), required=False, allow_blank=True, default=""
    )


class VisitSerializer(api.ScopedModelSerializer):
    open_case = OpenCaseInput(
        write_only=True,
        required=False,
        label=_("转立工单"),
        help_text=_("填写则同时上报一条“走访发现”的工单。"),
    )
    visitor_user = serializers.SlugRelatedField(
        slug_field="username", read_only=True, label=_("记录人")
    )
    case = serializers.SerializerMethodField(label=_("转立工单"))
    extra_input_fields = ("open_case",)

    class Meta:
        model = Visit
        fields = [
            "id",
            "url",
            "grid",
            "visitor_member",
            "visitor_user",
            "target",
            "household",
            "enterprise",
            "building",
            "visited_on",
            "notes",
            "needs_found",
            "case",
            "open_case",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS

    def apply_extra(self, candidate, extra):
        self._open_case = extra.get("open_case")
        try:
            visit_services.check_target(candidate)
        except DjangoValidationError as exc:
            raise api.django_errors_to_drf(exc) from None

    def get_case(self, visit) -> dict | None:
        if not visit.case_id:
            return None
        request = self.context.get("request")
        return {
            "id": visit.case_id,
            "url": api.detail_url(type(visit.case), visit.case_id, request),
            "number": visit.case.number,
        }

    def save_visit(self, visit):
        request = self.context["request"]
        return visit_services.record(
            visit, request.user, open_case=getattr(self, "_open_case", None)
        )

    def create(self, validated_data):
        return self.save_visit(self._candidate)

    def update(self, instance, validated_data):
        return self.save_visit(self._candidate)


class VisitViewSet(api.ScopedModelViewSet):
    """E-visits (电子走访). ``open_case`` on create or update reports a case from the visit."""

    queryset = Visit.objects.select_related(
        "grid", "visitor_member", "visitor_user", "enterprise", "building", "case"
    )
    serializer_class = VisitSerializer
    filterset_class = VisitFilterSet
    ordering_fields = ["visited_on", "updated_at"]


router.register("wishes", WishViewSet, basename="wish")
router.register("visits", VisitViewSet, basename="visit")
