from portal import regions
from portal.views import object_urls

app_name = "portal"

urlpatterns = object_urls(
    "",
    "region",
    list_view=regions.RegionListView,
    detail=regions.RegionDetailView,
    history=regions.RegionHistoryView,
    edit=regions.RegionEditView,
    delete=regions.RegionDeleteView,
    import_view=regions.RegionImportView,
    template=regions.RegionTemplateView,
)
