"""URL patterns of grids' case pages, merged into grids.urls."""

urlpatterns = []
