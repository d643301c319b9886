"""Admin of the grids app, through the same scoping, validation and audit as the UI.

Grids are edited here like on their pages. Cases, wishes and visits are read-mostly: their
workflow fields are not editable (only ``grids.services`` moves a state, stamps a deadline
or assigns), new ones are created where their numbers and first steps are made (the pages,
the API, Open311), and their timelines are shown read-only. Case categories are a
district-wide reference table with no region: everyone who may view sees all of them, and
only users with the permission *and* a district-wide scope may change them (a street must
not change the district's deadlines).
"""

from django.contrib import admin

from grids.models import (
    Case,
    CaseCategory,
    CasePhoto,
    CaseStep,
    Grid,
    Visit,
    Wish,
    WishStep,
)
from members.models import Member
from portal import scoping
from portal.admin_base import ReadOnlyInline, ScopedAdmin


@admin.register(Grid)
class GridAdmin(ScopedAdmin):
    list_display = ["code", "name", "region", "households", "population", "leader", "updated_at"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region", "leader", "workers"]
    readonly_fields = [
        "min_lng",
        "min_lat",
        "max_lng",
        "max_lat",
        "center_lng",
        "center_lat",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["region", "leader"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # Workers: members in scope, plus those the grid has now (kept as they are).
        field = form.base_fields.get("workers")
        if field is not None:
            allowed = scoping.restrict(Member.objects.all(), request.user, "view")
            if obj is not None:
                allowed = allowed | Member.objects.filter(pk__in=obj.workers.values("pk"))
            field.queryset = allowed
        return form


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    """Not a ScopedAdmin: the table has no region (``portal.scoping`` cannot restrict it)."""

    list_display = [
        "code",
        "name",
        "group",
        "accept_hours",
        "dispatch_hours",
        "resolve_hours",
        "verify_hours",
        "active",
    ]
    list_filter = ["group", "active"]
    search_fields = ["code", "name", "keywords"]
    readonly_fields = ["created_at", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and scoping.district_wide(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and scoping.district_wide(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and scoping.district_wide(request.user)


class CaseStepInline(ReadOnlyInline):
    model = CaseStep
    fields = ["created_at", "action", "from_state", "to_state", "actor", "note", "due_at"]


class CasePhotoInline(ReadOnlyInline):
    model = CasePhoto
    fields = ["image", "content_type", "size", "uploaded_by", "created_at"]


class WishStepInline(ReadOnlyInline):
    model = WishStep
    fields = ["created_at", "action", "from_state", "to_state", "actor", "note"]


class WorkAdmin(ScopedAdmin):
    """Read-mostly: workflow fields shown, never edited; no additions; deletion by
    superusers only (the timeline and audit trail are the record)."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if not f.editable and f.name != "id"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(Case)
class CaseAdmin(WorkAdmin):
    list_display = [
        "number",
        "title",
        "category",
        "grid",
        "state",
        "level",
        "due_at",
        "overdue",
        "reported_at",
    ]
    list_filter = ["state", "level", "overdue", "source", "category"]
    search_fields = ["number", "title"]
    raw_id_fields = ["grid", "building", "reporter_member"]
    list_select_related = ["category", "grid"]
    inlines = [CaseStepInline, CasePhotoInline]


@admin.register(Wish)
class WishAdmin(WorkAdmin):
    list_display = ["number", "title", "grid", "state", "claimed_at", "claim_expires_at"]
    list_filter = ["state"]
    search_fields = ["number", "title"]
    raw_id_fields = ["grid", "submitted_by_member"]
    list_select_related = ["grid"]
    inlines = [WishStepInline]


@admin.register(Visit)
class VisitAdmin(WorkAdmin):
    list_display = ["visited_on", "target", "grid", "visitor_member", "household", "case"]
    list_filter = ["target", "visited_on"]
    search_fields = ["household", "notes"]
    raw_id_fields = ["grid", "visitor_member", "enterprise", "building"]
    list_select_related = ["grid", "visitor_member"]
