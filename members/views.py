from django.utils.translation import gettext_lazy as _

from members import sensitive
from members.filters import MemberFilterSet
from members.models import INPUT_FIELDS, Member
from portal import views
from portal.models import SensitiveAccess
from portal.tables import Column

MEMBER_COLUMNS = [
    Column("name", link=True),
    Column("gender"),
    Column("birth_date"),
    Column("id_number_masked", order_by=None),
    Column("mobile_masked", order_by=None),
    Column("organization.name", label=_("所在党支部")),
    Column("category"),
    Column("joined_on"),
    Column("status"),
]
UNMASKED_COLUMNS = [
    Column("id_number", label=_("身份证号"), order_by=None)
    if c.accessor == "id_number_masked"
    else Column("mobile", label=_("手机号"), order_by=None)
    if c.accessor == "mobile_masked"
    else c
    for c in MEMBER_COLUMNS
]


class MemberListView(views.ObjectListView):
    queryset = Member.objects.select_related("organization")
    filterset_class = MemberFilterSet
    columns = MEMBER_COLUMNS
    template_name = "members/member_list.html"

    def get_columns(self):
        return UNMASKED_COLUMNS if sensitive.wants_unmasked(self.request) else self.columns

    def exporting(self, queryset):
        if sensitive.wants_unmasked(self.request):
            ids = queryset.values_list("pk", flat=True)
            sensitive.log_access(self.request, ids, SensitiveAccess.Channel.EXPORT)

    def showing(self, objects):
        if sensitive.wants_unmasked(self.request):
            sensitive.log_access(self.request, [m.pk for m in objects], SensitiveAccess.Channel.UI)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_unmask"] = self.request.user.has_perm(sensitive.PERMISSION)
        context["unmasked"] = sensitive.wants_unmasked(self.request)
        return context


class MemberDetailView(views.ObjectDetailView):
    queryset = Member.objects.select_related(
        "organization", "residential_region", "residential_grid", "employer"
    )
    template_name = "members/member_detail.html"
    fields = [
        *(
            {"id_number": "id_number_masked", "mobile": "mobile_masked"}.get(f, f)
            for f in INPUT_FIELDS
        ),
        "created_at",
        "updated_at",
    ]

    def detail_fields(self, obj):
        fields = super().detail_fields(obj)
        if sensitive.wants_unmasked(self.request):
            sensitive.log_access(self.request, [obj.pk], SensitiveAccess.Channel.UI)
            plain = {"id_number_masked": obj.id_number, "mobile_masked": obj.mobile}
            for name, field in zip(self.fields, fields, strict=True):
                if name in plain:
                    field["value"] = plain[name]
        return fields

    def get_extra_context(self, obj):
        return {
            "can_unmask": self.request.user.has_perm(sensitive.PERMISSION),
            "unmasked": sensitive.wants_unmasked(self.request),
        }
