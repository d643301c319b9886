from members import forms, views
from members.models import Member
from portal.views import object_urls

app_name = "members"

urlpatterns = object_urls(
    "",
    Member,
    list_view=views.MemberListView,
    detail=views.MemberDetailView,
    form=forms.MemberForm,
    importable=True,
)
