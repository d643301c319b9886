"""URL patterns of grids' registry pages, merged into grids.urls."""

urlpatterns = []
