from django.contrib import admin

from portal.admin_base import ScopedAdmin
from reports.models import ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(ScopedAdmin):
    """Report jobs are made by the statistics page and its Celery task: the admin only looks
    (in scope) and may delete an old one."""

    list_display = ["__str__", "region", "user", "state", "progress", "created_at", "expires_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["region", "user"]
    readonly_fields = [f.name for f in ReportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
