"""The inbox pages under /inbox/."""

from django.urls import path

from portal.inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.InboxView.as_view(), name="index"),
    path("count/", views.InboxCountView.as_view(), name="count"),
    path("read/", views.InboxReadView.as_view(), name="read"),
    path("<int:pk>/", views.InboxOpenView.as_view(), name="open"),
]
