"""URL patterns of grids' registry pages, merged into grids.urls (after the case and work
modules' "cases/", "mine/", "wishes/", "visits/" prefixes, none of which these match)."""

from django.urls import path

from grids import registry_views as views
from grids.models import Grid
from portal.views import object_urls

urlpatterns = [
    path("map/", views.GridMapView.as_view(), name="map"),
    path("export.geojson", views.GridGeoJSONExportView.as_view(), name="grid_export_geojson"),
    *object_urls(
        "",
        Grid,
        list_view=views.GridListView,
        detail=views.GridDetailView,
        edit=views.GridEditView,
        import_view=views.GridImportView,
    ),
]
