"""REST resources of regional Party building under /api/v1/: joint meetings, resident units,
sessions, the three lists (with the project's workflow actions), pairings and industry
committees.

Workflow states (a need's, a project's, a milestone's ``done_on``) are read-only here and
change through ``regional.services``: ``POST projects/{id}/allocate/``,
``projects/{id}/complete-milestone/``, ``projects/{id}/close/`` and ``needs/escalate/``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from portal import api, scoping
from portal.routers import router
from regional import filters, models, services
from regional.models import (
    IndustryCommittee,
    IndustryCommitteeMember,
    IndustryIssue,
    JointMeeting,
    JointMeetingMembership,
    JointMeetingSession,
    Milestone,
    Need,
    Pairing,
    PairingActivity,
    PairingEvaluation,
    Project,
    ProjectAllocation,
    ProjectUpdate,
    ResidentUnit,
    Resource,
    SessionAttendance,
)
from regional.views import with_milestone_counts

TIMESTAMPS = ["created_at", "updated_at"]


def serializer_for(model_class, field_names, read_only=()):
    """A scoped serializer of ``model_class`` with ``id``, ``url``, ``field_names`` and the
    timestamps (``read_only`` fields come after the input fields)."""
    meta = type(
        "Meta",
        (),
        {
            "model": model_class,
            "fields": ["id", "url", *field_names, *read_only, *TIMESTAMPS],
            "read_only_fields": [*read_only, *TIMESTAMPS],
        },
    )
    return type(f"{model_class.__name__}Serializer", (api.ScopedModelSerializer,), {"Meta": meta})


ResidentUnitSerializer = serializer_for(ResidentUnit, models.RESIDENT_UNIT_INPUT_FIELDS)
JointMeetingSerializer = serializer_for(JointMeeting, models.JOINT_MEETING_INPUT_FIELDS)
MembershipSerializer = serializer_for(
    JointMeetingMembership,
    ("meeting", "unit", "representative", "representative_title", "joined_on", "left_on"),
)
SessionAttendanceSerializer = serializer_for(
    SessionAttendance, ("session", "unit", "present", "note")
)
NeedSerializer = serializer_for(
    Need, models.NEED_INPUT_FIELDS, read_only=("status", "source_case", "status_note")
)
MilestoneSerializer = serializer_for(
    Milestone, ("project", "title", "due_on", "note"), read_only=("done_on",)
)
ProjectUpdateSerializer = serializer_for(ProjectUpdate, ("project", "date", "text", "progress"))


class AllocationSerializer(
    serializer_for(ProjectAllocation, (), read_only=("project", "resource", "quantity"))
):
    allocated_by = serializers.SlugRelatedField(
        label=_("分配人"), slug_field="username", read_only=True
    )

    class Meta:
        model = ProjectAllocation
        fields = ["id", "url", "project", "resource", "quantity", "allocated_by", *TIMESTAMPS]
        read_only_fields = fields


PairingSerializer = serializer_for(Pairing, models.PAIRING_INPUT_FIELDS)
PairingActivitySerializer = serializer_for(
    PairingActivity, ("pairing", "held_on", "title", "participants", "note")
)
PairingEvaluationSerializer = serializer_for(
    PairingEvaluation, ("pairing", "year", "rating", "comment")
)
IndustryCommitteeSerializer = serializer_for(
    IndustryCommittee, models.INDUSTRY_COMMITTEE_INPUT_FIELDS
)
IndustryMemberSerializer = serializer_for(
    IndustryCommitteeMember, ("committee", "organization", "joined_on")
)
IndustryIssueSerializer = serializer_for(IndustryIssue, models.INDUSTRY_ISSUE_INPUT_FIELDS)


class SessionSerializer(serializer_for(JointMeetingSession, ("meeting", "held_on", "title"))):
    """A session with its agenda, minutes and (read-only) attendance list."""

    attendance = serializers.SerializerMethodField(label=_("出席情况"))

    class Meta:
        model = JointMeetingSession
        fields = [
            "id",
            "url",
            "meeting",
            "held_on",
            "title",
            "agenda",
            "minutes",
            "attendance",
            *TIMESTAMPS,
        ]
        read_only_fields = TIMESTAMPS

    def get_attendance(self, obj) -> list[dict]:
        return [
            {"unit": a.unit_id, "unit_name": a.unit.name, "present": a.present}
            for a in obj.attendance.all()
        ]


class ResourceSerializer(serializer_for(Resource, models.RESOURCE_INPUT_FIELDS)):
    remaining = serializers.DecimalField(
        label=_("剩余数量"), max_digits=12, decimal_places=2, read_only=True
    )

    class Meta:
        model = Resource
        fields = ["id", "url", *models.RESOURCE_INPUT_FIELDS, "remaining", *TIMESTAMPS]
        read_only_fields = TIMESTAMPS


class ProjectSerializer(serializer_for(Project, models.PROJECT_INPUT_FIELDS)):
    """``progress`` is ``progress_manual`` when set, else the share of milestones done."""

    progress = serializers.IntegerField(label=_("进度（%）"), read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "url",
            *models.PROJECT_INPUT_FIELDS,
            "status",
            "progress",
            "closing_note",
            *TIMESTAMPS,
        ]
        read_only_fields = ["status", "closing_note", *TIMESTAMPS]

    def _save(self, instance, validated_data):
        needs = validated_data.pop("needs", None)
        instance = self._candidate if instance is None else instance
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save()
        if needs is not None:
            instance.needs.set(needs)
        services.match_needs(instance)
        return instance

    def create(self, validated_data):
        return self._save(None, validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


# --- viewsets -----------------------------------------------------------------------------


def viewset(model_class, serializer, filterset, queryset, doc, ordering=("updated_at",)):
    return type(
        f"{model_class.__name__}ViewSet",
        (api.ScopedModelViewSet,),
        {
            "__doc__": doc,
            "queryset": queryset,
            "serializer_class": serializer,
            "filterset_class": filterset,
            "ordering_fields": list(ordering),
        },
    )


ResidentUnitViewSet = viewset(
    ResidentUnit,
    ResidentUnitSerializer,
    filters.ResidentUnitFilterSet,
    ResidentUnit.objects.select_related("region", "enterprise"),
    "Resident units (驻区单位). ``POST resident-units/upsert/`` by ``code``.",
    ("code", "name", "updated_at"),
)
JointMeetingViewSet = viewset(
    JointMeeting,
    JointMeetingSerializer,
    filters.JointMeetingFilterSet,
    JointMeeting.objects.select_related("region", "convener"),
    "Joint meetings (三级党建联席会议). A street sees the district's too.",
    ("code", "name", "updated_at"),
)
MembershipViewSet = viewset(
    JointMeetingMembership,
    MembershipSerializer,
    filters.JointMeetingMembershipFilterSet,
    JointMeetingMembership.objects.select_related("meeting", "unit"),
    "Member units of joint meetings, with representatives and join/leave dates.",
)
SessionViewSet = viewset(
    JointMeetingSession,
    SessionSerializer,
    filters.JointMeetingSessionFilterSet,
    JointMeetingSession.objects.select_related("meeting").prefetch_related("attendance__unit"),
    "Sessions of joint meetings: agenda, minutes, attendance.",
    ("held_on", "updated_at"),
)
AttendanceViewSet = viewset(
    SessionAttendance,
    SessionAttendanceSerializer,
    None,
    SessionAttendance.objects.select_related("session", "unit"),
    "Attendance of member units at sessions.",
)
ResourceViewSet = viewset(
    Resource,
    ResourceSerializer,
    filters.ResourceFilterSet,
    Resource.objects.with_remaining().select_related("unit", "region"),
    "Resources (资源清单) offered by member units, with what remains unallocated.",
)
MilestoneViewSet = viewset(
    Milestone,
    MilestoneSerializer,
    filters.MilestoneFilterSet,
    Milestone.objects.select_related("project"),
    "Project milestones; ``done_on`` is set by ``projects/{id}/complete-milestone/``.",
)
ProjectUpdateViewSet = viewset(
    ProjectUpdate,
    ProjectUpdateSerializer,
    filters.ProjectUpdateFilterSet,
    ProjectUpdate.objects.select_related("project"),
    "The projects' public progress timeline.",
)
PairingViewSet = viewset(
    Pairing,
    PairingSerializer,
    filters.PairingFilterSet,
    Pairing.objects.select_related("organization", "partner"),
    "Pairings (结对共建), seen by the scope of either organisation.",
)
PairingActivityViewSet = viewset(
    PairingActivity,
    PairingActivitySerializer,
    None,
    PairingActivity.objects.select_related("pairing"),
    "Joint activities of pairings.",
)
PairingEvaluationViewSet = viewset(
    PairingEvaluation,
    PairingEvaluationSerializer,
    None,
    PairingEvaluation.objects.select_related("pairing"),
    "Yearly evaluations of pairings (one per year).",
)
IndustryCommitteeViewSet = viewset(
    IndustryCommittee,
    IndustryCommitteeSerializer,
    filters.IndustryCommitteeFilterSet,
    IndustryCommittee.objects.select_related("organization"),
    "Industry Party committees (行业党委/党总支). ``POST industry-committees/upsert/`` by code.",
    ("code", "name", "updated_at"),
)
IndustryMemberViewSet = viewset(
    IndustryCommitteeMember,
    IndustryMemberSerializer,
    None,
    IndustryCommitteeMember.objects.select_related("committee", "organization"),
    "Member organisations of industry committees.",
)
IndustryIssueViewSet = viewset(
    IndustryIssue,
    IndustryIssueSerializer,
    filters.IndustryIssueFilterSet,
    IndustryIssue.objects.select_related("committee", "raised_by"),
    "Issues raised in industry committees, seen by the scope of the raising organisation.",
    ("raised_on", "updated_at"),
)


class NeedViewSet(api.ScopedModelViewSet):
    """Needs (需求清单). ``POST needs/escalate/ {"case": id}`` turns a grid case into one."""

    queryset = Need.objects.select_related("region", "source_unit", "source_case")
    serializer_class = NeedSerializer
    filterset_class = filters.NeedFilterSet
    ordering_fields = ["created_at", "updated_at"]

    @extend_schema(
        request=inline_serializer("EscalateCase", {"case": serializers.IntegerField()}),
        responses={201: NeedSerializer},
    )
    @action(detail=False, methods=["post"], url_path="escalate")
    def escalate(self, request):
        from grids.models import Case

        if not scoping.can(request.user, Need, "add"):
            raise PermissionDenied()
        case_id = request.data.get("case")
        if not isinstance(case_id, int):
            raise serializers.ValidationError({"case": [_("请填写网格案件编号（整数）。")]})
        case = scoping.restrict(Case.objects.all(), request.user).filter(pk=case_id).first()
        if case is None:
            raise NotFound()
        need = services.escalate_case(case, request.user)
        data = self.get_serializer(need).data
        return Response(data, status=status.HTTP_201_CREATED)


class ProjectViewSet(api.ScopedModelViewSet):
    """Projects (项目清单) matching needs to resources. Actions: ``allocate``
    ``{"resource", "quantity"}``, ``complete-milestone`` ``{"milestone"}``, ``close``
    ``{"note"}``."""

    queryset = with_milestone_counts(
        Project.objects.select_related("region", "owner_organization")
    ).prefetch_related("needs")
    serializer_class = ProjectSerializer
    filterset_class = filters.ProjectFilterSet
    ordering_fields = ["created_at", "updated_at"]

    def _project_for_change(self):
        project = self.get_object()
        if not scoping.can(self.request.user, Project, "change"):
            raise PermissionDenied()
        return project

    @extend_schema(
        request=inline_serializer(
            "Allocate",
            {"resource": serializers.IntegerField(), "quantity": serializers.CharField()},
        ),
        responses={201: AllocationSerializer},
    )
    @action(detail=True, methods=["post"], url_path="allocate")
    def allocate(self, request, pk=None):
        project = self._project_for_change()
        resource_id = request.data.get("resource")
        resource = (
            scoping.restrict(Resource.objects.all(), request.user)
            .filter(pk=resource_id if isinstance(resource_id, int) else None)
            .first()
        )
        if resource is None:
            raise serializers.ValidationError(
                {"resource": [_("该资源不存在或不在您的管辖范围内。")]}
            )
        allocation = services.allocate(
            project, resource, request.data.get("quantity"), request.user
        )
        data = AllocationSerializer(allocation, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer("CompleteMilestone", {"milestone": serializers.IntegerField()}),
        responses={200: MilestoneSerializer},
    )
    @action(detail=True, methods=["post"], url_path="complete-milestone")
    def complete_milestone(self, request, pk=None):
        project = self._project_for_change()
        milestone = project.milestones.filter(pk=request.data.get("milestone") or 0).first()
        if milestone is None:
            raise serializers.ValidationError({"milestone": [_("该项目没有这个节点。")]})
        milestone = services.complete_milestone(milestone, request.user)
        return Response(MilestoneSerializer(milestone, context=self.get_serializer_context()).data)

    @extend_schema(
        request=inline_serializer("CloseProject", {"note": serializers.CharField()}),
        responses={200: ProjectSerializer},
    )
    @action(detail=True, methods=["post"], url_path="close")
    def close(self, request, pk=None):
        project = self._project_for_change()
        services.close_project(project, request.user, note=request.data.get("note", ""))
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data)


class AllocationViewSet(api.ScopedModelViewSet):
    """Resource allocations, read-only: they are written by ``projects/{id}/allocate/``."""

    queryset = ProjectAllocation.objects.select_related("project", "resource", "allocated_by")
    serializer_class = AllocationSerializer
    filterset_class = filters.ProjectAllocationFilterSet
    http_method_names = ["get", "head", "options"]


router.register("resident-units", ResidentUnitViewSet, basename="residentunit")
router.register("joint-meetings", JointMeetingViewSet, basename="jointmeeting")
router.register("joint-meeting-memberships", MembershipViewSet, basename="jointmeetingmembership")
router.register("joint-meeting-sessions", SessionViewSet, basename="jointmeetingsession")
router.register("session-attendance", AttendanceViewSet, basename="sessionattendance")
router.register("needs", NeedViewSet, basename="need")
router.register("resources", ResourceViewSet, basename="resource")
router.register("projects", ProjectViewSet, basename="project")
router.register("project-allocations", AllocationViewSet, basename="projectallocation")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("project-updates", ProjectUpdateViewSet, basename="projectupdate")
router.register("pairings", PairingViewSet, basename="pairing")
router.register("pairing-activities", PairingActivityViewSet, basename="pairingactivity")
router.register("pairing-evaluations", PairingEvaluationViewSet, basename="pairingevaluation")
router.register("industry-committees", IndustryCommitteeViewSet, basename="industrycommittee")
router.register("industry-members", IndustryMemberViewSet, basename="industrycommitteemember")
router.register("industry-issues", IndustryIssueViewSet, basename="industryissue")
