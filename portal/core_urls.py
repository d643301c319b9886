"""Pages of the core's own models, under the ``portal`` namespace."""

from django.urls import path

from portal import access_log, regions
from portal.views import object_urls

app_name = "portal"

urlpatterns = [
    *object_urls(
        "regions/",
        "region",
        list_view=regions.RegionListView,
        detail=regions.RegionDetailView,
        history=regions.RegionHistoryView,
        edit=regions.RegionEditView,
        delete=regions.RegionDeleteView,
        import_view=regions.RegionImportView,
        template=regions.RegionTemplateView,
    ),
    path(
        "audit/sensitive/",
        access_log.SensitiveAccessListView.as_view(),
        name="sensitiveaccess_list",
    ),
]
