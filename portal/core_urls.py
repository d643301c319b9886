"""Pages of the core's own models, under the ``portal`` namespace."""

from django.urls import path

from portal import access_log, regions
from portal.models import Region
from portal.views import object_urls

app_name = "portal"

urlpatterns = [
    *object_urls(
        "regions/",
        Region,
        list_view=regions.RegionListView,
        detail=regions.RegionDetailView,
        form=regions.RegionForm,
        importable=True,
    ),
    path(
        "audit/sensitive/",
        access_log.SensitiveAccessListView.as_view(),
        name="sensitiveaccess_list",
    ),
]
