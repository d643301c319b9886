"""Admin of 班长工程, through the same scoping, validation and audit as the pages.

A worker's tier, grade and start at that grade are read-only once registered (only
``cadres.services.promote`` moves them); the promotion history is read-only. The ladder
rules are a district-wide table with no region: district users with the permission edit
them, everyone else with the view permission reads them.
"""

from django.contrib import admin

from cadres.forms import LADDER_FIELDS
from cadres.models import AnnualReview, CommunityWorker, GradeChange, LadderRule, TrainingRecord
from portal import scoping
from portal.admin_base import ReadOnlyInline, ScopedAdmin


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ScopedAdmin):
    list_display = ["member", "title", "kind", "started_on", "hours", "certificate_no"]
    list_filter = ["kind"]
    search_fields = ["title", "member__name", "certificate_no"]
    raw_id_fields = ["member"]
    list_select_related = ["member"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(AnnualReview)
class AnnualReviewAdmin(ScopedAdmin):
    list_display = ["year", "member", "organization", "rating", "score"]
    list_filter = ["year", "rating"]
    search_fields = ["member__name", "organization__name"]
    raw_id_fields = ["member", "organization", "reviewer"]
    list_select_related = ["member", "organization"]
    readonly_fields = ["created_at", "updated_at"]


class GradeChangeInline(ReadOnlyInline):
    model = GradeChange
    fields = [
        "effective_on",
        "from_tier",
        "from_grade",
        "to_tier",
        "to_grade",
        "exception",
        "reason",
        "approved_by",
    ]


@admin.register(CommunityWorker)
class CommunityWorkerAdmin(ScopedAdmin):
    list_display = ["name", "community", "post", "tier", "grade", "current_since", "left_on"]
    list_filter = ["tier", "post", "certificate"]
    search_fields = ["name"]
    raw_id_fields = ["community", "member", "user"]
    list_select_related = ["community"]
    inlines = [GradeChangeInline]

    def get_readonly_fields(self, request, obj=None):
        fields = ["created_at", "updated_at"]
        return [*fields, *LADDER_FIELDS] if obj is not None else fields


@admin.register(GradeChange)
class GradeChangeAdmin(ScopedAdmin):
    list_display = [
        "worker",
        "from_tier",
        "from_grade",
        "to_tier",
        "to_grade",
        "effective_on",
        "approved_by",
    ]
    search_fields = ["worker__name"]
    list_select_related = ["worker", "approved_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LadderRule)
class LadderRuleAdmin(admin.ModelAdmin):
    """Not a ScopedAdmin: the table has no region (``portal.scoping`` cannot restrict it)."""

    list_display = [
        "tier",
        "name",
        "min_grade",
        "max_grade",
        "min_years",
        "certificate_from_grade",
        "certificate",
    ]
    readonly_fields = ["created_at", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and scoping.district_wide(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and scoping.district_wide(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and scoping.district_wide(request.user)
