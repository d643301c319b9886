from django.contrib import admin

from portal.admin_base import ScopedAdmin
from portal.models import ImportJob, Region, SensitiveAccess


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent", "updated_at"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth", "created_at", "updated_at"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "spec", "filename", "user", "status", "created", "updated", "created_at"]
    list_filter = ["status", "spec"]
    exclude = ["content"]
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "content"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request).defer("content")
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(ScopedAdmin):
    """Append-only: the log of unmasked views and exports is read, never edited."""

    list_display = ["at", "user", "channel", "model", "count", "path"]
    list_filter = ["channel", "model"]
    search_fields = ["user__username", "path"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
