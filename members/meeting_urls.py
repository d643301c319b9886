"""URL patterns of organisational life (``meetings/``), merged into members.urls."""

from django.urls import path

from members import meeting_forms, meeting_views
from members.models import Meeting, MeetingFrequency
from portal.views import object_urls

urlpatterns = [
    path(
        "meetings/compliance/",
        meeting_views.ComplianceView.as_view(),
        name="meeting_compliance",
    ),
    *object_urls(
        "meetings/frequencies/",
        MeetingFrequency,
        list_view=meeting_views.MeetingFrequencyListView,
        detail=meeting_views.MeetingFrequencyDetailView,
        form=meeting_forms.MeetingFrequencyForm,
    ),
    *object_urls(
        "meetings/",
        Meeting,
        list_view=meeting_views.MeetingListView,
        detail=meeting_views.MeetingDetailView,
        edit=meeting_views.MeetingEditView,
        history=meeting_views.MeetingHistoryView,
    ),
]
