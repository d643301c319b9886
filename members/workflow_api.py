"""API of the development pipeline (``/api/v1/applicants/``) and transfers
(``/api/v1/transfers/``), mirroring the pages' buttons.

``POST applicants/`` registers an application; ``POST applicants/{id}/talk|activist|candidate|
vet|admit|extend|confirm|cancel|stop/`` takes a step. ``POST transfers/`` initiates a transfer,
``POST transfers/receive/`` records one from outside the district, ``POST transfers/{id}/
approve|accept|reject|revoke/`` moves it. Each answers the object, or 400 with the reason
(nothing written). Neither resource is edited, deleted or upserted directly.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from members import services
from members.models import Applicant, ApplicantStep, Member, Transfer, TransferStep
from members.workflow_views import ApplicantFilterSet, TransferFilterSet
from organizations.models import Organization
from portal import api
from portal.permissions import ScopedModelPermissions
from portal.routers import router


@extend_schema_field(
    {"type": "object", "properties": {"id": {"type": "integer"}, "username": {"type": "string"}}}
)
class StepActorField(serializers.RelatedField):
    def to_representation(self, value):
        return {"id": value.pk, "username": value.username}


# --- development ------------------------------------------------------------------------------


class ApplicantStepSerializer(serializers.ModelSerializer):
    actor = StepActorField(read_only=True)

    class Meta:
        model = ApplicantStep
        fields = ["id", "action", "from_stage", "to_stage", "on", "actor", "note", "created_at"]


class ApplicantSerializer(api.ScopedModelSerializer):
    """Read: the applicant with the masked ID number and the timeline. Write (create only):
    name, plain ``id_number`` (stored encrypted), ``organization`` and ``applied_on``."""

    id_number = serializers.CharField(label=_("身份证号"), write_only=True, max_length=20)
    contacts = api.BriefRelatedField(many=True, read_only=True)
    introducers = api.BriefRelatedField(many=True, read_only=True)
    member = api.BriefRelatedField(read_only=True)
    steps = ApplicantStepSerializer(many=True, read_only=True)
    probation_ends_on = serializers.DateField(read_only=True)

    class Meta:
        model = Applicant
        fields = [
            "id",
            "url",
            "name",
            "id_number",
            "id_number_masked",
            "gender",
            "birth_date",
            "organization",
            "stage",
            "applied_on",
            "talked_on",
            "activist_on",
            "contacts",
            "candidate_on",
            "political_review_on",
            "training_on",
            "admitted_on",
            "introducers",
            "pledge_number",
            "member",
            "extension_months",
            "probation_ends_on",
            "full_member_on",
            "ended_on",
            "end_reason",
            "note",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["gender", "birth_date", "created_at", "updated_at"]

    def validate(self, attrs):
        return attrs  # the service validates (and says what is wrong)

    def create(self, validated_data):
        return services.register_applicant(self.context["request"].user, **validated_data)


class StepSerializer(serializers.Serializer):
    on = serializers.DateField(label=_("日期"))
    note = serializers.CharField(required=False, allow_blank=True, default="")


def members_field(label):
    return api.BriefRelatedField(many=True, queryset=Member.objects.all(), label=label)


class ActivistSerializer(StepSerializer):
    contacts = members_field(_("培养联系人"))


class VetSerializer(serializers.Serializer):
    political_review_on = serializers.DateField(label=_("政治审查完成日期"))
    training_on = serializers.DateField(label=_("集中培训完成日期"))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AdmitSerializer(StepSerializer):
    introducers = members_field(_("入党介绍人"))
    pledge_number = serializers.CharField(label=_("入党志愿书编号"), max_length=50)


class ExtendSerializer(StepSerializer):
    months = serializers.IntegerField(label=_("延长月数"))


DEVELOPMENT_SERIALIZERS = {
    "activist": ActivistSerializer,
    "vet": VetSerializer,
    "admit": AdmitSerializer,
    "extend": ExtendSerializer,
}


class StepPermission(ScopedModelPermissions):
    """A step is a change of the object: ``change_<model>``, not ``add_<model>``."""

    steps = ()

    def has_permission(self, request, view):
        if getattr(view, "action", None) in self.steps:
            model = view.queryset.model
            return bool(
                request.user
                and request.user.is_authenticated
                and request.user.has_perm(f"members.change_{model._meta.model_name}")
            )
        return super().has_permission(request, view)


class ApplicantPermission(StepPermission):
    steps = set(services.DEVELOPMENT_ACTIONS)


class TransferPermission(StepPermission):
    steps = set(services.TRANSFER_ACTIONS)


def step_action(name, actions, serializers_by_name, labels, response_serializer):
    """A ``POST {id}/<name>/`` action calling ``actions[name]``."""
    serializer_class = serializers_by_name.get(name, StepSerializer)

    @extend_schema(request=serializer_class, responses=response_serializer)
    def handler(self, request, pk=None):
        obj = self.get_object()
        data = request.data if hasattr(request.data, "get") else {}
        serializer = serializer_class(data=data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        actions[name](obj, request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data)

    handler.__name__ = name
    handler.__doc__ = f"{labels[name]}（{name}）"
    return action(detail=True, methods=["post"], url_path=name)(handler)


class WorkflowViewSet(api.ScopedModelViewSet):
    http_method_names = ["get", "post", "head", "options"]

    @classmethod
    def get_extra_actions(cls):
        return [a for a in super().get_extra_actions() if a.__name__ != "upsert"]

    def perform_create(self, serializer):
        serializer.save()  # the service checks permission and scope

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.status_code = status.HTTP_201_CREATED
        return response


def _development_step(name):
    return step_action(
        name,
        services.DEVELOPMENT_ACTIONS,
        DEVELOPMENT_SERIALIZERS,
        services.DEVELOPMENT_LABELS,
        ApplicantSerializer,
    )


class ApplicantViewSet(WorkflowViewSet):
    """Applicants (发展党员) in the user's scope, with their timeline."""

    queryset = Applicant.objects.select_related("organization", "member").prefetch_related(
        "contacts", "introducers", "steps__actor"
    )
    serializer_class = ApplicantSerializer
    filterset_class = ApplicantFilterSet
    permission_classes = [ApplicantPermission]
    ordering_fields = ["applied_on", "name", "updated_at"]

    talk = _development_step("talk")
    activist = _development_step("activist")
    candidate = _development_step("candidate")
    vet = _development_step("vet")
    admit = _development_step("admit")
    extend = _development_step("extend")
    confirm = _development_step("confirm")
    cancel = _development_step("cancel")
    stop = _development_step("stop")


# --- transfers --------------------------------------------------------------------------------


class TransferStepSerializer(serializers.ModelSerializer):
    actor = StepActorField(read_only=True)

    class Meta:
        model = TransferStep
        fields = ["id", "action", "from_state", "to_state", "on", "actor", "note", "created_at"]


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "object"}],
        "description": "转入党支部：编号、编码，或 {id, code}",
    }
)
class AnyBranchField(api.BriefRelatedField):
    """Any active branch of the district may receive a member, whichever street it is in."""

    def get_queryset(self):
        return Organization.objects.active().filter(kind__in=Organization.BRANCH_KINDS)


class TransferSerializer(api.ScopedModelSerializer):
    """Read: the transfer and its timeline. Write (create = initiate): ``member``, either
    ``destination`` (a branch of the district) or ``external_organization``, the letter."""

    member = api.BriefRelatedField(queryset=Member.objects.all())
    destination = AnyBranchField(
        queryset=Organization.objects.all(),
        write_only=True,
        required=False,
        allow_null=True,
        label=_("转入党支部"),
    )
    steps = TransferStepSerializer(many=True, read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "url",
            "kind",
            "state",
            "member",
            "source_organization",
            "destination_organization",
            "destination",
            "external_organization",
            "letter_number",
            "issued_on",
            "valid_until",
            "dues_paid_until",
            "reason",
            "completed_on",
            "refusal",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["source_organization", "destination_organization"]

    def validate(self, attrs):
        return attrs  # the service validates

    def create(self, validated_data):
        return services.initiate(self.context["request"].user, **validated_data)


class ReceiveSerializer(serializers.Serializer):
    destination = api.BriefRelatedField(queryset=Organization.objects.all())
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=20)
    category = serializers.ChoiceField(choices=Member.Category.choices)
    joined_on = serializers.DateField()
    full_member_on = serializers.DateField(required=False, allow_null=True, default=None)
    external_organization = serializers.CharField(max_length=200)
    letter_number = serializers.CharField(max_length=50)
    issued_on = serializers.DateField()
    dues_paid_until = serializers.DateField(required=False, allow_null=True, default=None)
    on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    MEMBER_FIELDS = ("name", "category", "joined_on", "full_member_on")


def _transfer_step(name):
    return step_action(
        name, services.TRANSFER_ACTIONS, {}, services.TRANSFER_LABELS, TransferSerializer
    )


class TransferViewSet(WorkflowViewSet):
    """Transfers (组织关系转接) whose source or destination is in the user's scope."""

    queryset = Transfer.objects.select_related(
        "member", "source_organization", "destination_organization"
    ).prefetch_related("steps__actor")
    serializer_class = TransferSerializer
    filterset_class = TransferFilterSet
    permission_classes = [TransferPermission]
    ordering_fields = ["issued_on", "updated_at"]

    def get_queryset(self):
        return services.visible(
            super(api.ScopedModelViewSet, self).get_queryset(), self.request.user
        )

    approve = _transfer_step("approve")
    accept = _transfer_step("accept")
    reject = _transfer_step("reject")
    revoke = _transfer_step("revoke")

    @extend_schema(request=ReceiveSerializer, responses=TransferSerializer)
    @action(detail=False, methods=["post"], url_path="receive")
    def receive(self, request):
        """登记从区外转入（receive）: creates the member in ``destination``."""
        serializer = ReceiveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member_data = {name: data.pop(name) for name in ReceiveSerializer.MEMBER_FIELDS}
        transfer = services.receive(request.user, member_data=member_data, **data)
        body = self.get_serializer(self.get_queryset().get(pk=transfer.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


router.register("applicants", ApplicantViewSet, basename="applicant")
router.register("transfers", TransferViewSet, basename="transfer")
