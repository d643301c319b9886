from django.contrib import admin

from dashboard.models import Figure
from portal.admin_base import ScopedAdmin


@admin.register(Figure)
class FigureAdmin(ScopedAdmin):
    """The dashboard's figures are written only by ``dashboard.summaries.refresh()``: the
    admin shows them in scope (to check a figure against the registers) and changes nothing.
    ``Refresh`` (one bookkeeping row: when the figures were computed) shows on the
    dashboard itself."""

    list_display = ["region", "metric", "month", "value"]
    list_filter = ["metric"]
    search_fields = ["metric", "region__name", "region__code"]
    list_select_related = ["region"]
    readonly_fields = ["region", "metric", "month", "value"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
