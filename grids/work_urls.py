"""URL patterns of grids' work pages, merged into grids.urls: the micro-wish board
(/grids/wishes/) and e-visits (/grids/visits/, with /grids/visits/coverage/)."""

from django.urls import path, re_path

from grids import work_views as views
from grids.models import Visit, Wish
from portal.views import object_urls

urlpatterns = [
    path("visits/coverage/", views.VisitCoverageView.as_view(), name="visit_coverage"),
    re_path(
        r"^wishes/(?P<pk>[0-9]+)/(?P<transition>review|claim|fulfil|confirm|withdraw)/$",
        views.WishActionView.as_view(),
        name="wish_action",
    ),
    path("wishes/<int:pk>/photo/", views.WishPhotoView.as_view(), name="wish_photo"),
    *object_urls(
        "wishes/",
        Wish,
        list_view=views.WishListView,
        detail=views.WishDetailView,
        edit=views.WishEditView,
    ),
    *object_urls(
        "visits/",
        Visit,
        list_view=views.VisitListView,
        detail=views.VisitDetailView,
        edit=views.VisitEditView,
    ),
]
