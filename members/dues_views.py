"""Party dues pages (``/members/dues/``): the branches in scope with their members 6+ months
in arrears, a branch's dues page (monthly amount, paid-until month, months in arrears, the
members' exemptions; ``?overdue=1`` keeps the 6+), its CSV export, the payment form, the
exemption (减免/缓交) forms and the rate table.

A branch out of the user's scope is 404; members are shown masked (name and masked ID).
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from members import dues
from members.dues_forms import DuesExemptionForm, DuesPaymentForm
from members.models import DuesExemption, DuesPayment, DuesRate, Member
from organizations.models import Organization
from portal import exports, scoping
from portal.views import ScopedViewMixin


def _span(exemption):
    """An exemption's months, ``2026-01 ~ 2026-03`` or ``2026-01 ~ 长期``."""
    end = f"{exemption.end:%Y-%m}" if exemption.end else _("长期")
    return f"{exemption.start:%Y-%m} ~ {end}"


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
            "can_exempt": scoping.can(self.request.user, DuesExemption, "add"),
            "can_change_exemption": scoping.can(self.request.user, DuesExemption, "change"),
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
            _("减免/缓交月数"),
            _("当前减免/缓交"),
        ]

        def month(day):
            return f"{day:%Y-%m}" if day else ""

        def exemption_text(exemption):
            if exemption is None:
                return ""
            return f"{exemption.get_reason_display()} {_span(exemption)}"

        lines = [header] + [
            [
                exports.safe_cell(row.member.name),
                row.member.id_number_masked,
                "" if row.monthly_amount is None else str(row.monthly_amount),
                month(row.start),
                month(row.paid_until),
                str(row.months_in_arrears),
                _("是") if row.overdue else _("否"),
                str(row.months_exempt),
                exemption_text(row.exemption_now),
            ]
            for row in rows
        ]
        return exports.stream_csv(lines, exports.export_filename(f"dues-{branch.code}", "csv"))


class DuesFormView(DuesMixin, TemplateView):
    """A form on a branch's dues page: shown on GET, saved on POST (400 with the errors when
    invalid), then back to the branch page. Subclasses name the form and the message."""

    template_name = "members/dues_payment_form.html"
    title = ""

    def target(self):
        """The branch (and the object changed, or None) of this request; 404 out of scope."""
        return self.branch(), None

    def form(self, branch, instance):
        raise NotImplementedError

    def saved_message(self, obj):
        raise NotImplementedError

    def render_form(self, branch, form, status=200):
        context = {
            "branch": branch,
            "form": form,
            "title": self.title,
            # The member a change is about (a new record picks its member in the form).
            "subject": getattr(getattr(form, "instance", None), "member", None),
            "back_url": reverse("members:dues_branch", args=[branch.pk]),
        }
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        branch, instance = self.target()
        return self.render_form(branch, self.form(branch, instance))

    def post(self, request, *args, **kwargs):
        branch, instance = self.target()
        form = self.form(branch, instance)
        if not form.is_valid():
            return self.render_form(branch, form, status=400)
        try:
            with transaction.atomic():
                obj = form.save()
                if not scoping.in_scope(obj, request.user, self.action):  # checked before
                    raise PermissionDenied
        except ValidationError as exc:  # a rule re-checked on save (a concurrent overlap)
            form.add_error(None, exc)
            return self.render_form(branch, form, status=400)
        messages.success(request, self.saved_message(obj))
        return HttpResponseRedirect(reverse("members:dues_branch", args=[branch.pk]))


class DuesPaymentView(DuesFormView):
    """Record one member's payment for one month."""

    action = "add"
    title = gettext_lazy("登记党费交纳")

    def form(self, branch, instance):
        data = self.request.POST if self.request.method == "POST" else None
        return DuesPaymentForm(data, user=self.request.user, organization=branch)

    def saved_message(self, payment):
        return _("已登记 %(name)s %(month)s 的党费。") % {
            "name": payment.member.name,
            "month": f"{payment.period:%Y-%m}",
        }


class DuesExemptionView(DuesFormView):
    """Record an exemption (减免/缓交) of one of the branch's members; ``?member=<id>``
    preselects the member (the branch page's per-member action)."""

    queryset = DuesExemption.objects.all()
    action = "add"
    title = gettext_lazy("登记党费减免/缓交")

    def form(self, branch, instance):
        data = self.request.POST if self.request.method == "POST" else None
        initial = {"member": self.request.GET.get("member")} if data is None else None
        return DuesExemptionForm(data, initial=initial, user=self.request.user, organization=branch)

    def saved_message(self, exemption):
        return _("已登记 %(name)s 的党费减免/缓交（%(reason)s，%(span)s）。") % {
            "name": exemption.member.name,
            "span": _span(exemption),
            "reason": exemption.get_reason_display(),
        }


class DuesExemptionEditView(DuesFormView):
    """Change an exemption (end an open one by giving its last month); its member stays."""

    queryset = DuesExemption.objects.all()
    action = "change"
    title = gettext_lazy("修改党费减免/缓交")

    def target(self):
        exemptions = scoping.restrict(
            DuesExemption.objects.select_related("member__organization"),
            self.request.user,
            "change",
        )
        exemption = get_object_or_404(exemptions, pk=self.kwargs["pk"])
        return exemption.member.organization, exemption

    def form(self, branch, instance):
        data = self.request.POST if self.request.method == "POST" else None
        return DuesExemptionForm(
            data, user=self.request.user, organization=branch, instance=instance
        )

    def saved_message(self, exemption):
        return _("已修改 %(name)s 的党费减免/缓交：%(span)s。") % {
            "name": exemption.member.name,
            "span": _span(exemption),
        }


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
