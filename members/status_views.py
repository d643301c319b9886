"""``POST /members/<pk>/status/<action>/``: one status change (``members.status``) from the
member detail page. Out-of-scope members are 404; a refused change is shown as a message and
changes nothing."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.generic import View

from members import status
from members.models import Member
from members.status_forms import status_form
from members.workflow_views import run_step
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
        done = _("已%(action)s。") % {"action": label}
        return run_step(request, member, form, label, status.ACTIONS[change], done)
