"""Pages of the grids app: the grid register (/grids/), cases and "my grid" (/grids/cases/,
/grids/mine/), wishes and visits (/grids/wishes/, /grids/visits/)."""

from grids import case_urls, registry_urls, work_urls

app_name = "grids"

urlpatterns = [*case_urls.urlpatterns, *work_urls.urlpatterns, *registry_urls.urlpatterns]
