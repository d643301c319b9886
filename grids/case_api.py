"""API of cases (``/api/v1/cases/``) and case categories (``/api/v1/case-categories/``),
registered with portal.routers.router.

Creating a case is ``services.cases.report``; its state moves only through the transition
actions ``POST /api/v1/cases/{id}/accept|reject|dispatch|start|resolve|verify|close|reopen|
escalate/`` (``note`` plus the action's fields), answering the case or 400 with the reason.
A case has no external natural key (its number is ours), so there is no upsert; it is not
edited or deleted through the API either: what changes is recorded by the transitions.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grids.case_filters import CaseCategoryFilterSet, CaseFilterSet
from grids.case_views import wants_unmasked
from grids.models import Case, CaseCategory, CaseStep
from grids.services import cases as services
from members.models import Member
from organizations.models import Organization
from portal import api
from portal.accounts.models import User
from portal.models import SensitiveAccess
from portal.permissions import ScopedModelPermissions
from portal.routers import router

# --- categories ----------------------------------------------------------------------------


class CategoryPermission(permissions.BasePermission):
    """Anyone signed in reads the categories (the Open311 service list); only district
    users (or superusers) with the model permission change them."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        perm = ScopedModelPermissions.perms_map[request.method][0] % {
            "app_label": "grids",
            "model_name": "casecategory",
        }
        return user.has_perm(perm) and services.user_tier(user) <= 2


class CaseCategorySerializer(api.ScopedModelSerializer):
    class Meta:
        model = CaseCategory
        fields = [
            "id",
            "url",
            "code",
            "name",
            "group",
            "description",
            "keywords",
            "accept_hours",
            "dispatch_hours",
            "resolve_hours",
            "verify_hours",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class CaseCategoryViewSet(viewsets.ModelViewSet):
    """Case categories with their stage deadlines (hours); the district's shared table."""

    queryset = CaseCategory.objects.all()
    serializer_class = CaseCategorySerializer
    filterset_class = CaseCategoryFilterSet
    permission_classes = [CategoryPermission]
    ordering_fields = ["code", "name", "updated_at"]


# --- cases ---------------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "object"}],
        "description": "类别：编号、编码，或 {id, code, name}",
    }
)
class CategoryField(api.BriefRelatedField):
    """A category by id or code: the active ones, the same for every user (no scope)."""

    def get_queryset(self):
        return CaseCategory.objects.filter(active=True)

    def _natural_key(self):
        return "code"


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "name": {"type": "string"},
        },
    }
)
class UserBriefField(serializers.RelatedField):
    def to_representation(self, value):
        return {"id": value.pk, "username": value.username, "name": value.get_full_name()}


class ContactField(serializers.CharField):
    """Written in plain text; read masked unless the context says ``unmask``."""

    def to_representation(self, value):
        text = super().to_representation(value)
        return text if self.context.get("unmask") else services.mask_contact(text)


class CaseStepSerializer(serializers.ModelSerializer):
    actor = UserBriefField(read_only=True, allow_null=True)

    class Meta:
        model = CaseStep
        fields = ["id", "action", "from_state", "to_state", "actor", "note", "due_at", "created_at"]


class CasePhotoBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        from django.urls import reverse

        request = self.context.get("request")
        path = reverse("grids:casephoto_file", args=[photo.pk])
        return request.build_absolute_uri(path) if request is not None else path


class CaseSerializer(api.ScopedModelSerializer):
    category = CategoryField(queryset=CaseCategory.objects.all())
    reporter_user = UserBriefField(read_only=True, allow_null=True)
    assignee_user = UserBriefField(read_only=True, allow_null=True)
    reporter_contact = ContactField(
        label=_("联系方式"), max_length=100, required=False, allow_blank=True
    )
    steps = CaseStepSerializer(many=True, read_only=True)
    photos = CasePhotoBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "url",
            "number",
            "title",
            "description",
            "category",
            "grid",
            "building",
            "latitude",
            "longitude",
            "address",
            "source",
            "reporter_user",
            "reporter_member",
            "reporter_name",
            "reporter_contact",
            "state",
            "level",
            "assignee_organization",
            "assignee_member",
            "assignee_unit",
            "assignee_user",
            "due_at",
            "overdue",
            "reported_at",
            "closed_at",
            "steps",
            "photos",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "source",
            "state",
            "level",
            "assignee_organization",
            "assignee_member",
            "assignee_unit",
            "due_at",
            "overdue",
            "reported_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]

    def create(self, validated_data):
        request = self.context["request"]
        return services.report(
            request.user,
            source=Case.Source.API,
            photos=request.FILES.getlist("photos") if request.FILES else (),
            **validated_data,
        )


class CasePermission(ScopedModelPermissions):
    """Transitions are changes: they need ``change_case``, not ``add_case``."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) in TRANSITION_ATTRIBUTES:
            return bool(
                request.user
                and request.user.is_authenticated
                and request.user.has_perm("grids.change_case")
            )
        return super().has_permission(request, view)


class TransitionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DispatchSerializer(TransitionSerializer):
    organization = api.BriefRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    member = api.BriefRelatedField(queryset=Member.objects.all(), required=False, allow_null=True)
    unit = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    assignee_user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("承办账号（用户名）：须能办理此需求/问题。"),
    )


TRANSITION_SERIALIZERS = {"dispatch": DispatchSerializer}
#: The viewset attributes of the transition actions (``dispatch`` is View.dispatch).
TRANSITION_ATTRIBUTES = {*services.ACTIONS, "dispatch_case"} - {"dispatch"}


def transition_action(name, attribute=None):
    """A ``POST {id}/<name>/`` action calling ``services.cases.<name>``; ``attribute`` is
    the viewset attribute it is bound to where ``name`` is taken (``dispatch``)."""
    serializer_class = TRANSITION_SERIALIZERS.get(name, TransitionSerializer)

    @extend_schema(request=serializer_class, responses=CaseSerializer)
    def handler(self, request, pk=None):
        case = self.get_object()
        data = request.data if hasattr(request.data, "get") else {}
        serializer = serializer_class(data=data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        kwargs = dict(serializer.validated_data)
        if name == "resolve" and request.FILES:
            kwargs["photos"] = request.FILES.getlist("photos")
        services.ACTIONS[name](case, request.user, **kwargs)
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)

    handler.__name__ = attribute or name
    handler.__doc__ = f"{services.TRANSITIONS[name].label}（{name}）"
    return action(detail=True, methods=["post"], url_path=name)(handler)


class CaseViewSet(api.ScopedModelViewSet):
    """Cases (需求/问题) in the user's scope. Create reports one (``services.cases.report``);
    transitions are the POST actions; there is no update, delete or upsert."""

    queryset = Case.objects.select_related(
        "category",
        "grid",
        "building",
        "reporter_user",
        "reporter_member",
        "assignee_organization",
        "assignee_member",
        "assignee_user",
    ).prefetch_related("steps__actor", "photos")
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet
    permission_classes = [CasePermission]
    ordering_fields = ["reported_at", "due_at", "updated_at", "number"]
    http_method_names = ["get", "post", "head", "options"]

    @classmethod
    def get_extra_actions(cls):
        return [a for a in super().get_extra_actions() if a.__name__ != "upsert"]

    accept = transition_action("accept")
    reject = transition_action("reject")
    dispatch_case = transition_action("dispatch", "dispatch_case")
    start = transition_action("start")
    resolve = transition_action("resolve")
    verify = transition_action("verify")
    close = transition_action("close")
    reopen = transition_action("reopen")
    escalate = transition_action("escalate")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["unmask"] = wants_unmasked(self.request)
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        """Unmasked reads are logged (who, which cases, when)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code < 400 and request.method == "GET" and wants_unmasked(request):
            data = response.data if isinstance(response.data, dict) else {}
            rows = data.get("results", [data] if "id" in data else [])
            ids = [row["id"] for row in rows if row.get("reporter_contact")]
            if ids:
                SensitiveAccess.record(
                    request, Case, ids, ["reporter_contact"], SensitiveAccess.Channel.API
                )
        return response

    def perform_create(self, serializer):
        serializer.save()  # services.cases.report checks the grid is in the user's scope

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.status_code = status.HTTP_201_CREATED
        return response


router.register("case-categories", CaseCategoryViewSet, basename="casecategory")
router.register("cases", CaseViewSet, basename="case")
