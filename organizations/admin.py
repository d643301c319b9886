from django.contrib import admin

from organizations.models import (
    TERM_FIELDS,
    Election,
    ElectionResult,
    LeadershipPosition,
    Organization,
    TermRule,
)
from portal import scoping
from portal.admin_base import ReadOnlyInline, ScopedAdmin


class LeadershipPositionInline(admin.TabularInline):
    model = LeadershipPosition
    extra = 0
    fields = ["title", "holder_name", "holder", "started_on", "ended_on", "note"]
    raw_id_fields = ["holder"]


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "sector",
        "parent",
        "region",
        "term_end",
        "dissolved_on",
    ]
    list_filter = ["kind", "sector"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "region"]
    readonly_fields = ["path", "depth", "created_at", "updated_at"]
    list_select_related = ["parent", "region"]
    inlines = [LeadershipPositionInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.elections.exists():
            # After an election the term is the elections' (organizations.services).
            fields += TERM_FIELDS
        return fields


@admin.register(LeadershipPosition)
class LeadershipPositionAdmin(ScopedAdmin):
    list_display = ["organization", "title", "holder_name", "holder", "started_on", "ended_on"]
    list_filter = ["title"]
    search_fields = ["holder_name", "organization__name"]
    raw_id_fields = ["organization", "holder"]
    list_select_related = ["organization", "holder"]


@admin.register(TermRule)
class TermRuleAdmin(admin.ModelAdmin):
    """The district's term table: changed by roles granted it (street roles withheld)."""

    list_display = ["kind", "term_years", "basis", "updated_at"]

    def get_queryset(self, request):
        return scoping.restrict(super().get_queryset(request), request.user, "view")


class ElectionResultInline(ReadOnlyInline):
    model = ElectionResult
    fields = ["title", "candidate_name", "candidate", "votes", "elected", "position"]


@admin.register(Election)
class ElectionAdmin(ScopedAdmin):
    """Read only: elections are recorded on the organisation's page or over the API
    (``organizations.services.record_election``), which also moves the term."""

    list_display = ["organization", "held_on", "kind", "term_number", "present", "approval_number"]
    list_filter = ["kind"]
    search_fields = ["organization__name", "organization__code", "approval_number"]
    list_select_related = ["organization"]
    date_hierarchy = "held_on"
    inlines = [ElectionResultInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
