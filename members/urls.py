from members import dues_urls, forms, meeting_urls, status_urls, views, workflow_urls
from members.models import Member
from portal.views import object_urls

app_name = "members"

urlpatterns = [
    *workflow_urls.urlpatterns,
    *dues_urls.urlpatterns,
    *status_urls.urlpatterns,
    *meeting_urls.urlpatterns,
    *object_urls(
        "",
        Member,
        list_view=views.MemberListView,
        detail=views.MemberDetailView,
        form=forms.MemberForm,
        importable=True,
    ),
]
