"""Pages of the registers: /parks/, /buildings/, /enterprises/, /service-sites/, and the
tenancy records (/tenancies/, read only: ``sync_tenancies`` keeps them)."""

from django.urls import path

from buildings import views
from portal.views import object_urls

app_name = "buildings"

urlpatterns = [
    *object_urls(
        "parks/",
        "park",
        list_view=views.ParkListView,
        detail=views.ParkDetailView,
        history=views.ParkHistoryView,
        edit=views.ParkEditView,
        delete=views.ParkDeleteView,
        import_view=views.ParkImportView,
        template=views.ParkTemplateView,
    ),
    *object_urls(
        "buildings/",
        "building",
        list_view=views.BuildingListView,
        detail=views.BuildingDetailView,
        history=views.BuildingHistoryView,
        edit=views.BuildingEditView,
        delete=views.BuildingDeleteView,
        import_view=views.BuildingImportView,
        template=views.BuildingTemplateView,
    ),
    *object_urls(
        "enterprises/",
        "enterprise",
        list_view=views.EnterpriseListView,
        detail=views.EnterpriseDetailView,
        history=views.EnterpriseHistoryView,
        edit=views.EnterpriseEditView,
        delete=views.EnterpriseDeleteView,
        import_view=views.EnterpriseImportView,
        template=views.EnterpriseTemplateView,
    ),
    *object_urls(
        "service-sites/",
        "servicesite",
        list_view=views.ServiceSiteListView,
        detail=views.ServiceSiteDetailView,
        history=views.ServiceSiteHistoryView,
        edit=views.ServiceSiteEditView,
        delete=views.ServiceSiteDeleteView,
        import_view=views.ServiceSiteImportView,
        template=views.ServiceSiteTemplateView,
    ),
    path("tenancies/", views.TenancyListView.as_view(), name="tenancy_list"),
]
