"""Party dues pages (``/members/dues/``): the branches in scope with their members 6+ months
in arrears, a branch's dues page (monthly amount, paid-until month, months in arrears;
``?overdue=1`` keeps the 6+), its CSV export, the payment form and the rate table.

A branch out of the user's scope is 404; members are shown masked (name and masked ID).
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from members import dues
from members.dues_forms import DuesPaymentForm
from members.models import DuesPayment, DuesRate, Member
from organizations.models import Organization
from portal import exports, scoping
from portal.views import ScopedViewMixin


class DuesMixin(ScopedViewMixin):
    queryset = DuesPayment.objects.all()

    def as_of(self):
        """``?as_of=2026-07-15`` counts as of that day (default: today)."""
        try:
            return date.fromisoformat(self.request.GET.get("as_of", ""))
        except ValueError:
            return timezone.localdate()

    def branch(self):
        branches = scoping.restrict(Organization.objects.all(), self.request.user, "view")
        return get_object_or_404(branches, pk=self.kwargs["pk"])

    def branch_rows(self, branch):
        members = scoping.restrict(
            Member.objects.filter(organization=branch), self.request.user, "view"
        )
        rows = dues.arrears(members, self.as_of())
        if self.request.GET.get("overdue"):
            rows = [row for row in rows if row.overdue]
        return rows


class DuesIndexView(DuesMixin, TemplateView):
    """The branches in scope that have members 6+ months in arrears."""

    template_name = "members/dues_index.html"

    def get_context_data(self, **kwargs):
        members = scoping.restrict(Member.objects.all(), self.request.user, "view")
        rows = dues.arrears(members, self.as_of(), min_months=dues.OVERDUE_MONTHS)
        branches = {}
        for row in rows:
            organization = row.member.organization
            branches.setdefault(organization.pk, [organization, 0])[1] += 1
        return {
            **super().get_context_data(**kwargs),
            "branches": list(branches.values()),
            "overdue_months": dues.OVERDUE_MONTHS,
        }


class DuesBranchView(DuesMixin, TemplateView):
    template_name = "members/dues_branch.html"

    def get_context_data(self, **kwargs):
        branch = self.branch()
        return {
            **super().get_context_data(**kwargs),
            "branch": branch,
            "rows": self.branch_rows(branch),
            "overdue_only": bool(self.request.GET.get("overdue")),
            "overdue_months": dues.OVERDUE_MONTHS,
            "as_of": self.as_of(),
            "can_add": scoping.can(self.request.user, DuesPayment, "add"),
        }


class DuesExportView(DuesMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        branch = self.branch()
        rows = self.branch_rows(branch)
        header = [
            _("姓名"),
            _("身份证号"),
            _("月交纳额（元）"),
            _("起交月份"),
            _("交至月份"),
            _("欠交月数"),
            _("欠交6个月以上"),
        ]

        def month(day):
            return f"{day:%Y-%m}" if day else ""

        lines = [header] + [
            [
                exports.safe_cell(row.member.name),
                row.member.id_number_masked,
                "" if row.monthly_amount is None else str(row.monthly_amount),
                month(row.start),
                month(row.paid_until),
                str(row.months_in_arrears),
                _("是") if row.overdue else _("否"),
            ]
            for row in rows
        ]
        return exports.stream_csv(lines, exports.export_filename(f"dues-{branch.code}", "csv"))


class DuesPaymentView(DuesMixin, TemplateView):
    """Record one member's payment for one month."""

    action = "add"
    template_name = "members/dues_payment_form.html"

    def form(self, branch):
        data = self.request.POST if self.request.method == "POST" else None
        return DuesPaymentForm(data, user=self.request.user, organization=branch)

    def render_form(self, branch, form, status=200):
        context = {
            "branch": branch,
            "form": form,
            "title": _("登记党费交纳"),
            "back_url": reverse("members:dues_branch", args=[branch.pk]),
        }
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        branch = self.branch()
        return self.render_form(branch, self.form(branch))

    def post(self, request, *args, **kwargs):
        branch = self.branch()
        form = self.form(branch)
        if not form.is_valid():
            return self.render_form(branch, form, status=400)
        payment = form.save()
        if not scoping.in_scope(payment, request.user, "add"):  # never: the member was in scope
            raise PermissionDenied
        messages.success(
            request,
            _("已登记 %(name)s %(month)s 的党费。")
            % {"name": payment.member.name, "month": f"{payment.period:%Y-%m}"},
        )
        return HttpResponseRedirect(reverse("members:dues_branch", args=[branch.pk]))


class DuesRateView(ScopedViewMixin, TemplateView):
    """The rate table (read-only here; district admins edit it in the admin)."""

    queryset = DuesRate.objects.all()
    template_name = "members/dues_rates.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "table": dues.rate_table(),
            "can_edit": scoping.can(user, DuesRate, "change") and scoping.district_wide(user),
        }
