"""Coverage pages: the report per street and the building map (/coverage/)."""

from django.urls import path

from buildings import report_views

app_name = "coverage"

urlpatterns = [
    path("", report_views.CoverageReportView.as_view(), name="report"),
    path("refresh/", report_views.CoverageRefreshView.as_view(), name="refresh"),
    path(
        "should-found.csv",
        report_views.ShouldFoundExportView.as_view(),
        name="should_found_export",
    ),
    path("map/", report_views.CoverageMapView.as_view(), name="map"),
    path("map/buildings.json", report_views.CoverageMapDataView.as_view(), name="map_data"),
]
