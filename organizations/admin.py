from django.contrib import admin

from organizations.models import LeadershipPosition, Organization
from portal.admin_base import ScopedAdmin


class LeadershipPositionInline(admin.TabularInline):
    model = LeadershipPosition
    extra = 0
    fields = ["title", "holder_name", "started_on", "ended_on", "note"]


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


@admin.register(LeadershipPosition)
class LeadershipPositionAdmin(ScopedAdmin):
    list_display = ["organization", "title", "holder_name", "started_on", "ended_on"]
    list_filter = ["title"]
    search_fields = ["holder_name", "organization__name"]
    raw_id_fields = ["organization"]
    list_select_related = ["organization"]
