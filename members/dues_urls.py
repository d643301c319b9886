"""URL patterns of party dues (``dues/``), merged into members.urls."""

from django.urls import path

from members import dues_views as views

urlpatterns = [
    path("dues/", views.DuesIndexView.as_view(), name="dues_index"),
    path("dues/rates/", views.DuesRateView.as_view(), name="dues_rates"),
    path("dues/branch/<int:pk>/", views.DuesBranchView.as_view(), name="dues_branch"),
    path("dues/branch/<int:pk>/export/", views.DuesExportView.as_view(), name="dues_branch_export"),
    path("dues/branch/<int:pk>/pay/", views.DuesPaymentView.as_view(), name="dues_payment"),
    path("dues/branch/<int:pk>/exempt/", views.DuesExemptionView.as_view(), name="dues_exemption"),
    path(
        "dues/exemption/<int:pk>/edit/",
        views.DuesExemptionEditView.as_view(),
        name="dues_exemption_edit",
    ),
]
