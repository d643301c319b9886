from django import forms
from django.contrib import admin

from buildings.models import (
    ENTERPRISE_INPUT_FIELDS,
    Building,
    CoverageSummary,
    Enterprise,
    EnterpriseFacts,
    Park,
    ServiceSite,
    Tenancy,
)
from portal.admin_base import ReadOnlyInline, ScopedAdmin


class ReadOnlyAdmin(ScopedAdmin):
    """Rows kept by the system (tenancies by ``sync_tenancies``, facts by the coverage
    refresh): viewed, never added, changed or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Park)
class ParkAdmin(ScopedAdmin):
    list_display = ["code", "name", "region", "operator"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["region"]


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "region", "park", "floors"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "address"]
    raw_id_fields = ["region", "park"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["region", "park"]


class TenancyInline(ReadOnlyInline):
    model = Tenancy
    fields = ["building", "floor", "room", "moved_in_on", "moved_out_on"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("building")


class EnterpriseAdminForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ENTERPRISE_INPUT_FIELDS

    #: The requesting user, set by ``EnterpriseAdmin.get_form`` on the form class it builds:
    #: accepting an early pilot-region USCC needs their permission and records their name.
    validating_user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.validating_user = self.validating_user


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedAdmin):
    form = EnterpriseAdminForm
    list_display = ["uscc", "name", "kind", "industry", "region", "building", "status"]
    list_filter = ["kind", "status", "industry"]
    search_fields = ["uscc", "name"]
    raw_id_fields = ["region", "building", "party_organization"]
    readonly_fields = ["uscc_override_by", "created_at", "updated_at"]
    list_select_related = ["region", "building"]
    inlines = [TenancyInline]

    def get_search_results(self, request, queryset, search_term):
        # The list's search: a USCC by prefix, a name through the indexed grams.
        from buildings.filters import EnterpriseFilterSet

        if not search_term.strip():
            return queryset, False
        return EnterpriseFilterSet().search(queryset, "q", search_term), False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.validating_user = request.user  # a class built for this request
        return form


@admin.register(ServiceSite)
class ServiceSiteAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "region", "building", "full_time_workers"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "address"]
    raw_id_fields = ["region", "building"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["region", "building"]


@admin.register(Tenancy)
class TenancyAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "building", "floor", "room", "moved_in_on", "moved_out_on"]
    search_fields = ["enterprise__name", "building__name"]
    list_select_related = ["enterprise", "building"]


@admin.register(EnterpriseFacts)
class EnterpriseFactsAdmin(ReadOnlyAdmin):
    list_display = [
        "enterprise",
        "members",
        "full_members",
        "has_own_organization",
        "has_joint_organization",
        "work_covered",
        "should_found",
    ]
    list_filter = ["should_found", "has_own_organization", "has_joint_organization"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    list_select_related = ["enterprise"]


@admin.register(CoverageSummary)
class CoverageSummaryAdmin(ReadOnlyAdmin):
    list_display = [
        "level",
        "region",
        "building",
        "park",
        "enterprises",
        "with_organization",
        "work_covered",
        "should_found",
        "refreshed_at",
    ]
    list_filter = ["level"]
    list_select_related = ["region", "building", "park"]
