"""``POST /members/<pk>/status/<action>/``: one status change (``members.status``) from the
member detail page. Out-of-scope members are 404; a refused change is shown as a message and
changes nothing."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.generic import View

from members import status
from members.models import Member
from members.status_forms import status_form
from portal import views


class MemberStatusView(views.ScopedViewMixin, View):
    queryset = Member.objects.all()
    action = "change"

    def post(self, request, pk, change):
        if change not in status.ACTIONS:
            raise Http404
        member = self.get_object()
        label = status.CHANGES[change].label
        form = status_form(change, data=request.POST, prefix=f"status-{change}")
        if not form.is_valid():
            _report(request, label, [e for errors in form.errors.values() for e in errors])
            return HttpResponseRedirect(member.get_absolute_url())
        try:
            status.ACTIONS[change](member, request.user, **form.service_kwargs())
        except ValidationError as exc:
            _report(request, label, exc.messages)
        else:
            messages.success(request, _("已%(action)s。") % {"action": label})
        return HttpResponseRedirect(member.get_absolute_url())


def _report(request, label, errors):
    for error in errors:
        messages.error(request, f"{label}：{error}")
