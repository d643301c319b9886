"""Organisational life over the API.

- ``/api/v1/meetings/``: meetings with their attendance. Writes take ``present`` (member ids)
  and ``absent`` (``[{"member": id, "absence_reason": "illness", "absence_note": ""}]``, as the
  attendance reads); together they
  replace the meeting's attendance (left out on an update: unchanged), through
  ``members.meetings.record`` like the form. Errors of the attendance are keyed
  ``attendance`` and name the member.
- ``/api/v1/meeting-frequencies/``: the district's frequency table (district admins write).
- ``/api/v1/meeting-compliance/``: the compliance report, one object per branch, with the
  page's filters (``year``, ``quarter``, ``month``, ``kind``, ``region``, ``organization``,
  ``noncompliant``).
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, viewsets

from members import meetings
from members.meeting_filters import MeetingFilterSet, MeetingFrequencyFilterSet
from members.meeting_forms import ComplianceFilterForm
from members.meeting_views import resolve_within
from members.models import AbsenceReason, Meeting, MeetingAttendance, MeetingFrequency, Member
from portal import api, scoping
from portal.pagination import OffsetPagination
from portal.routers import router


class AttendanceSerializer(serializers.ModelSerializer):
    member = serializers.SerializerMethodField()

    class Meta:
        model = MeetingAttendance
        fields = ["member", "present", "absence_reason", "absence_note"]
        read_only_fields = fields

    def get_member(self, row) -> dict:
        return {"id": row.member_id, "name": row.member.name}


class AbsenceSerializer(serializers.Serializer):
    member = serializers.IntegerField(label=_("党员编号"))
    absence_reason = serializers.ChoiceField(label=_("缺席原因"), choices=AbsenceReason.choices)
    absence_note = serializers.CharField(
        label=_("缺席说明"), required=False, allow_blank=True, default=""
    )


class MeetingSerializer(api.ScopedModelSerializer):
    attendance = AttendanceSerializer(many=True, read_only=True)
    attendance_rate = serializers.SerializerMethodField()
    present = serializers.ListField(
        child=serializers.IntegerField(), write_only=True, required=False, label=_("出席党员编号")
    )
    absent = AbsenceSerializer(many=True, write_only=True, required=False, label=_("请假党员"))
    extra_input_fields = ("present", "absent")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "url",
            "organization",
            "kind",
            "held_on",
            "topic",
            "place",
            "host",
            "minutes",
            "attendance",
            "attendance_rate",
            "present",
            "absent",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_attendance_rate(self, meeting) -> float | None:
        return meetings.attendance_rate(meeting)

    def apply_extra(self, candidate, extra):
        """Turn the member ids into attendance entries (members looked up in the user's
        scope: one query)."""
        self._entries = None
        if "present" not in extra and "absent" not in extra:
            return
        present = list(extra.get("present") or [])
        absent = list(extra.get("absent") or [])
        ids = set(present) | {item["member"] for item in absent}
        request = self.context["request"]
        found = {
            m.pk: m
            for m in scoping.restrict(
                Member.objects.select_related("organization").filter(pk__in=ids), request.user
            )
        }
        missing = sorted(ids - set(found))
        if missing:
            raise serializers.ValidationError(
                {
                    "attendance": [
                        _("党员 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk} for pk in missing
                    ]
                }
            )
        entries = [meetings.Entry(found[pk], True) for pk in present]
        entries += [
            meetings.Entry(
                found[item["member"]], False, item["absence_reason"], item.get("absence_note", "")
            )
            for item in absent
        ]
        self._entries = entries

    def validate(self, attrs):
        attrs = super().validate(attrs)  # the meeting itself first: Meeting.full_clean()
        if self._entries is not None:
            problems = meetings.attendance_errors(self._candidate, self._entries)
            if problems:
                raise serializers.ValidationError({"attendance": problems})
        return attrs

    def _record(self, meeting):
        request = self.context["request"]
        return meetings.record(meeting, self._entries, user=request.user)

    def create(self, validated_data):
        return self._record(self._candidate)

    def update(self, instance, validated_data):
        return self._record(self._candidate)


def meeting_queryset():
    """Meetings with their attendance prefetched (the rate is counted from it)."""
    return Meeting.objects.select_related("organization").prefetch_related(
        Prefetch(
            "attendance",
            queryset=MeetingAttendance.objects.select_related("member").order_by("id"),
        )
    )


class MeetingViewSet(api.ScopedModelViewSet):
    """Meetings of organisational life in the user's scope, with their attendance."""

    queryset = meeting_queryset()
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet
    ordering_fields = ["held_on", "updated_at"]


class MeetingFrequencySerializer(api.ScopedModelSerializer):
    class Meta:
        model = MeetingFrequency
        fields = ["id", "url", "kind", "period", "required_count", "note", "updated_at"]
        read_only_fields = ["updated_at"]


class MeetingFrequencyViewSet(api.ScopedModelViewSet):
    """The district's organisational-life frequencies: everyone with the view permission
    reads them; only district admins change them (streets have it withheld)."""

    queryset = MeetingFrequency.objects.all()
    serializer_class = MeetingFrequencySerializer
    filterset_class = MeetingFrequencyFilterSet


class ListPagination(OffsetPagination):
    """Limit/offset over a computed list."""

    def get_count(self, queryset):
        self.count_capped = False
        return len(queryset)


def _kind_json(row):
    return {
        "kind": row.kind,
        "kind_label": str(row.kind_label),
        "period": row.period,
        "required_count": row.required_count,
        "units": row.units,
        "due_periods": row.due,
        "met_periods": row.met,
        "held": row.held,
        "rate": row.rate,
        "compliant": row.compliant,
        "missing_periods": row.missing,
        "periods": row.periods,
    }


class MeetingCompliancePermission(permissions.IsAuthenticated):
    def has_permission(self, request, view):
        return super().has_permission(request, view) and scoping.can(request.user, Meeting, "view")


class MeetingComplianceViewSet(viewsets.ViewSet):
    """The compliance report: one object per branch in scope."""

    permission_classes = [MeetingCompliancePermission]

    @extend_schema(
        operation_id="meeting_compliance_list",
        parameters=[
            OpenApiParameter("year", int, description="年度（默认今年）"),
            OpenApiParameter("quarter", int, description="季度 1-4"),
            OpenApiParameter("month", int, description="月份 1-12"),
            OpenApiParameter("kind", str, many=True, description="会议类型"),
            OpenApiParameter("region", str, description="街道/社区区划代码"),
            OpenApiParameter("organization", int, description="党组织编号（含下级）"),
            OpenApiParameter("noncompliant", bool, description="只看未达标"),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request):
        form = ComplianceFilterForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError({k: list(v) for k, v in form.errors.items()})
        branches = meetings.compliance(
            request.user, within=resolve_within(form, request.user), **form.window_kwargs()
        )
        paginator = ListPagination()
        page = paginator.paginate_queryset(branches, request, view=self)
        data = [
            {
                "organization": {
                    "id": item.branch.pk,
                    "code": item.branch.code,
                    "name": item.branch.name,
                },
                "due_periods": item.due,
                "met_periods": item.met,
                "rate": item.rate,
                "compliant": item.compliant,
                "kinds": [_kind_json(row) for row in item.kinds],
            }
            for item in page
        ]
        return paginator.get_paginated_response(data)


router.register("meetings", MeetingViewSet, basename="meeting")
router.register("meeting-frequencies", MeetingFrequencyViewSet, basename="meetingfrequency")
router.register("meeting-compliance", MeetingComplianceViewSet, basename="meetingcompliance")
