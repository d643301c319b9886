"""Pages of the registers: /parks/, /buildings/, /enterprises/, /service-sites/, and the
tenancy records (/tenancies/, read only: ``sync_tenancies`` keeps them)."""

from django.urls import path

from buildings import forms, views
from buildings.models import Building, Enterprise, Park, ServiceSite
from portal.views import object_urls

app_name = "buildings"

urlpatterns = [
    *object_urls(
        "parks/",
        Park,
        list_view=views.ParkListView,
        detail=views.ParkDetailView,
        form=forms.ParkForm,
        importable=True,
    ),
    *object_urls(
        "buildings/",
        Building,
        list_view=views.BuildingListView,
        detail=views.BuildingDetailView,
        form=forms.BuildingForm,
        importable=True,
    ),
    *object_urls(
        "enterprises/",
        Enterprise,
        list_view=views.EnterpriseListView,
        detail=views.EnterpriseDetailView,
        form=forms.EnterpriseForm,
        importable=True,
    ),
    *object_urls(
        "service-sites/",
        ServiceSite,
        list_view=views.ServiceSiteListView,
        detail=views.ServiceSiteDetailView,
        form=forms.ServiceSiteForm,
        importable=True,
    ),
    path("tenancies/", views.TenancyListView.as_view(), name="tenancy_list"),
]
