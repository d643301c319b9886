from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from members import sensitive
from members.filters import MemberFilterSet
from members.models import INPUT_FIELDS, Member, id_number_hash
from portal import api, validators
from portal.models import SensitiveAccess
from portal.permissions import ScopedModelPermissions
from portal.routers import router


class LookupPermission(ScopedModelPermissions):
    """A lookup is a read sent by POST (the ID number stays out of URLs): it needs the view
    permission, not the add permission every other POST needs."""

    perms_map = {**ScopedModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


class SensitiveField(serializers.CharField):
    """Written in plain text; read masked (``<name>_masked``), or in full when the context
    says ``unmask``. Only an unmasked read decrypts."""

    def get_attribute(self, instance):
        if self.context.get("unmask", False):
            return super().get_attribute(instance)
        return getattr(instance, f"{self.source}_masked")


class MemberSerializer(api.ScopedModelSerializer):
    """ID number and mobile are written in plain text and read masked; ``?unmask=1`` by a
    user with ``view_sensitive`` reads them in full, and that access is logged. Hashes,
    ciphertexts and scope are not fields: sent anyway, they are ignored. The status and
    flags (``Member.STATUS_FIELDS``) may be set on create; an update (PUT, PATCH, upsert)
    may send them unchanged, and a change is a 400 from ``Member.clean``: they change
    through ``member-status/`` (members/status_api.py)."""

    id_number = SensitiveField(label=_("身份证号"), max_length=20)
    mobile = SensitiveField(label=_("手机号"), max_length=20, required=False, allow_blank=True)
    extra_input_fields = ("id_number", "mobile")

    class Meta:
        model = Member
        fields = ["id", "url", *INPUT_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            name: {"help_text": _("新增时可填写；已有党员的变更通过 member-status 接口办理。")}
            for name in ("status", "lost_contact", "flowing")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # On an update the ID number may be left out: the stored one stays.
            self.fields["id_number"].required = False

    def apply_extra(self, candidate, extra):
        request = self.context.get("request")
        candidate.validating_user = request.user if request is not None else None
        if extra.get("id_number"):
            candidate.set_id_number(extra["id_number"])
        if "mobile" in extra:
            candidate.set_mobile(extra["mobile"])


class MemberViewSet(api.ScopedModelViewSet):
    """Party members. ``POST members/lookup/`` finds one by ID number (never in a URL);
    ``POST members/upsert/`` creates or updates by ID number."""

    queryset = Member.objects.select_related(
        "organization", "residential_region", "residential_grid", "employer"
    )
    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet
    ordering_fields = ["name", "birth_date", "joined_on", "updated_at"]

    def count_with_page(self, request):
        """A name search sorts every match to find its page (they come unordered from the
        gram index), so the pagination counts them in the same scan (portal/pagination.py)."""
        return bool((request.query_params.get("q") or "").strip())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["unmask"] = sensitive.wants_unmasked(self.request)
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            response.status_code < 400
            and request.method == "GET"
            and sensitive.wants_unmasked(request)
        ):
            data = response.data if isinstance(response.data, dict) else {}
            rows = data.get("results", [data] if "id" in data else [])
            sensitive.log_access(request, [row["id"] for row in rows], SensitiveAccess.Channel.API)
        return response

    def natural_key_input(self):
        return "id_number"

    def natural_key_filter(self, item):
        raw = item.get("id_number")
        if not raw:
            return None
        try:
            return {"id_number_hash": id_number_hash(validators.normalize_id_number(raw))}
        except DjangoValidationError:
            # Let the serializer report the bad number, keyed by its field.
            return {"pk": None}

    @extend_schema(
        request=inline_serializer("MemberLookup", {"id_number": serializers.CharField()}),
        responses=MemberSerializer,
    )
    @action(
        detail=False, methods=["post"], url_path="lookup", permission_classes=[LookupPermission]
    )
    def lookup(self, request):
        """Find a member by ID number, sent in the body so it never lands in a URL or log."""
        raw = request.data.get("id_number") if isinstance(request.data, dict) else None
        if not raw:
            raise exceptions.ValidationError({"id_number": [_("该字段是必填项。")]})
        try:
            number = validators.normalize_id_number(raw)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"id_number": exc.messages}) from None
        member = self.get_queryset().filter(id_number_hash=id_number_hash(number)).first()
        if member is None:
            raise exceptions.NotFound(_("未找到该身份证号对应的党员，或不在您的管辖范围内。"))
        unmask = sensitive.wants_unmasked(request)
        if unmask:
            sensitive.log_access(request, [member.pk], SensitiveAccess.Channel.API)
        context = {**self.get_serializer_context(), "unmask": unmask}
        return Response(MemberSerializer(member, context=context).data)


router.register("members", MemberViewSet, basename="member")
import members.dues_api  # noqa: E402, F401
import members.meeting_api  # noqa: E402, F401
import members.status_api  # noqa: E402, F401
from members import workflow_api  # noqa: E402, F401
