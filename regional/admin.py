from django.contrib import admin

from portal.admin_base import ReadOnlyInline, ScopedAdmin
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


class RegionalAdmin(ScopedAdmin):
    readonly_fields = ["created_at", "updated_at"]


@admin.register(ResidentUnit)
class ResidentUnitAdmin(RegionalAdmin):
    list_display = ["code", "name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region", "enterprise"]
    list_select_related = ["region"]


class MembershipInline(admin.TabularInline):
    model = JointMeetingMembership
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(JointMeeting)
class JointMeetingAdmin(RegionalAdmin):
    list_display = ["code", "name", "level", "region", "convener"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region", "convener"]
    list_select_related = ["region", "convener"]
    inlines = [MembershipInline]


@admin.register(JointMeetingMembership)
class JointMeetingMembershipAdmin(RegionalAdmin):
    list_display = ["meeting", "unit", "representative", "joined_on", "left_on"]
    raw_id_fields = ["meeting", "unit"]
    list_select_related = ["meeting", "unit"]


class AttendanceInline(admin.TabularInline):
    model = SessionAttendance
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(JointMeetingSession)
class JointMeetingSessionAdmin(RegionalAdmin):
    list_display = ["held_on", "title", "meeting"]
    raw_id_fields = ["meeting"]
    list_select_related = ["meeting"]
    inlines = [AttendanceInline]


@admin.register(SessionAttendance)
class SessionAttendanceAdmin(RegionalAdmin):
    list_display = ["session", "unit", "present"]
    raw_id_fields = ["session", "unit"]
    list_select_related = ["session__meeting", "unit"]


@admin.register(Need)
class NeedAdmin(RegionalAdmin):
    list_display = ["title", "category", "status", "region"]
    list_filter = ["status", "category"]
    search_fields = ["title"]
    raw_id_fields = ["region", "source_unit"]
    readonly_fields = ["status", "source_case", "status_note", "created_at", "updated_at"]
    list_select_related = ["region"]


@admin.register(Resource)
class ResourceAdmin(RegionalAdmin):
    list_display = ["name", "kind", "unit", "quantity", "unit_of_measure"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["unit", "region"]
    list_select_related = ["unit"]


class AllocationInline(ReadOnlyInline):
    model = ProjectAllocation
    fields = ["resource", "quantity", "allocated_by", "created_at"]
    readonly_fields = fields


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_on", "done_on", "note"]
    readonly_fields = ["done_on"]


@admin.register(Project)
class ProjectAdmin(RegionalAdmin):
    list_display = ["name", "status", "owner_organization", "owner_person", "start_on"]
    list_filter = ["status"]
    search_fields = ["name"]
    raw_id_fields = ["region", "owner_organization", "needs"]
    readonly_fields = ["status", "closing_note", "created_at", "updated_at"]
    list_select_related = ["owner_organization"]
    inlines = [MilestoneInline, AllocationInline]


@admin.register(ProjectAllocation)
class ProjectAllocationAdmin(RegionalAdmin):
    """Allocations are written by ``regional.services.allocate`` only (it locks the
    resource and checks what remains)."""

    list_display = ["project", "resource", "quantity", "allocated_by"]
    list_select_related = ["project", "resource", "allocated_by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Milestone)
class MilestoneAdmin(RegionalAdmin):
    list_display = ["title", "project", "due_on", "done_on"]
    raw_id_fields = ["project"]
    readonly_fields = ["done_on", "created_at", "updated_at"]
    list_select_related = ["project"]


@admin.register(ProjectUpdate)
class ProjectUpdateAdmin(RegionalAdmin):
    list_display = ["date", "project", "progress"]
    raw_id_fields = ["project"]
    list_select_related = ["project"]


@admin.register(Pairing)
class PairingAdmin(RegionalAdmin):
    list_display = ["organization", "partner", "status", "started_on", "ended_on"]
    list_filter = ["status"]
    raw_id_fields = ["organization", "partner"]
    list_select_related = ["organization", "partner"]


@admin.register(PairingActivity)
class PairingActivityAdmin(RegionalAdmin):
    list_display = ["held_on", "title", "pairing", "participants"]
    raw_id_fields = ["pairing"]
    list_select_related = ["pairing__organization", "pairing__partner"]


@admin.register(PairingEvaluation)
class PairingEvaluationAdmin(RegionalAdmin):
    list_display = ["year", "pairing", "rating"]
    raw_id_fields = ["pairing"]
    list_select_related = ["pairing__organization", "pairing__partner"]


@admin.register(IndustryCommittee)
class IndustryCommitteeAdmin(RegionalAdmin):
    list_display = ["code", "name", "industry", "organization"]
    search_fields = ["code", "name"]
    raw_id_fields = ["organization"]
    list_select_related = ["organization"]


@admin.register(IndustryCommitteeMember)
class IndustryCommitteeMemberAdmin(RegionalAdmin):
    list_display = ["committee", "organization", "joined_on"]
    raw_id_fields = ["committee", "organization"]
    list_select_related = ["committee", "organization"]


@admin.register(IndustryIssue)
class IndustryIssueAdmin(RegionalAdmin):
    list_display = ["title", "committee", "raised_by", "raised_on", "status"]
    list_filter = ["status"]
    raw_id_fields = ["committee", "raised_by"]
    list_select_related = ["committee", "raised_by"]
