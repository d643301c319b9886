from members import views
from portal.views import object_urls

app_name = "members"

urlpatterns = object_urls(
    "",
    "member",
    list_view=views.MemberListView,
    detail=views.MemberDetailView,
    history=views.MemberHistoryView,
    edit=views.MemberEditView,
    delete=views.MemberDeleteView,
    import_view=views.MemberImportView,
    template=views.MemberTemplateView,
)
