from django.contrib import admin

from portal.admin_base import ScopedAdmin
from portal.models import ImportJob, Region


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
