from members import forms, views, workflow_urls
from members.models import Member
from portal.views import object_urls

app_name = "members"

urlpatterns = [
    *workflow_urls.urlpatterns,
    *object_urls(
        "",
        Member,
        list_view=views.MemberListView,
        detail=views.MemberDetailView,
        form=forms.MemberForm,
        importable=True,
    ),
]
