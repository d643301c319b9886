"""API of the status changes (``/api/v1/member-status/``), mirroring the detail page's buttons.

``GET member-status/{member id}/`` answers the member's status and flags with the changes the
user may make now (``actions``); ``POST member-status/{member id}/stop|restore|lose_contact|
found|flow_out|flow_back|death/`` makes one through ``members.status`` and answers the new
state, or 400 with the reason (nothing written). Members out of the user's scope are 404.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from members import status
from members.models import Member
from portal import scoping
from portal.permissions import ScopedModelPermissions
from portal.routers import router


class MemberStatusSerializer(serializers.ModelSerializer):
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = ["id", "name", *Member.STATUS_FIELDS, "note", "actions"]
        read_only_fields = fields

    def get_actions(self, obj) -> list[str]:
        return status.available(obj, self.context["request"].user)


class ChangeSerializer(serializers.Serializer):
    on = serializers.DateField(label=_("日期"))
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class StopSerializer(ChangeSerializer):
    reason = serializers.CharField(label=_("停止党籍原因"))


class LoseContactSerializer(ChangeSerializer):
    reason_code = serializers.ChoiceField(label=_("失联原因"), choices=status.LOST_CONTACT_REASONS)


class FlowOutSerializer(ChangeSerializer):
    destination = serializers.CharField(label=_("流向地"), max_length=200)
    contact_organization = serializers.CharField(label=_("流入地联系党组织"), max_length=200)


SERIALIZERS = {
    "stop": StopSerializer,
    "lose_contact": LoseContactSerializer,
    "flow_out": FlowOutSerializer,
}


class StatusPermission(ScopedModelPermissions):
    """Reading needs ``view_member``; every change ``change_member`` (not ``add_member``)."""

    perms_map = {
        **ScopedModelPermissions.perms_map,
        "POST": ["%(app_label)s.change_%(model_name)s"],
    }


def change_action(name):
    serializer_class = SERIALIZERS.get(name, ChangeSerializer)

    @extend_schema(request=serializer_class, responses=MemberStatusSerializer)
    def handler(self, request, pk=None):
        member = self.get_object()
        data = request.data if hasattr(request.data, "get") else {}
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        status.ACTIONS[name](member, request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=member.pk)).data)

    handler.__name__ = name
    handler.__doc__ = f"{status.CHANGES[name].label}（{name}）"
    return action(detail=True, methods=["post"], url_path=name)(handler)


class MemberStatusViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A member's status and flags (党籍状态、失联、流动) and the changes of them."""

    queryset = Member.objects.all()
    serializer_class = MemberStatusSerializer
    permission_classes = [StatusPermission]

    def get_queryset(self):
        return scoping.restrict(super().get_queryset(), self.request.user, "view")

    stop = change_action("stop")
    restore = change_action("restore")
    lose_contact = change_action("lose_contact")
    found = change_action("found")
    flow_out = change_action("flow_out")
    flow_back = change_action("flow_back")
    death = change_action("death")


router.register("member-status", MemberStatusViewSet, basename="member-status")
