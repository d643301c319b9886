"""Coverage pages: the report per street and the building map (/coverage/)."""

app_name = "coverage"

urlpatterns = []
