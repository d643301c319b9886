"""URL patterns of grids' work pages, merged into grids.urls."""

urlpatterns = []
