"""Pages of the portal's top (the home page is the dashboard, dashboard/views.py): sign-in,
sections still to come, the audit log."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from portal import history
from portal.accounts.auth_log import WithinRegion, streets
from portal.navigation import COMING_SECTIONS
from portal.views import CappedPaginator


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = "/"


class ComingView(LoginRequiredMixin, TemplateView):
    """A section whose database is not built yet says what it will hold, with no fake data."""

    template_name = "portal/coming.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        section = COMING_SECTIONS.get(kwargs["section"])
        if section is None:
            raise Http404
        context["section"] = section
        return context


class AuditLogView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Every audited write in the user's scope: who, when, what changed, through what."""

    template_name = "portal/audit_log.html"
    permission_required = "accounts.view_auditlog"
    per_page = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        filters = {
            "model_label": params.get("model", ""),
            "action": params.get("action", ""),
            "username": params.get("user", "").strip(),
            "date_from": params.get("from") or None,
            "date_to": params.get("to") or None,
        }
        # Within one street of the user's scope (issue 9): the same scoping, narrowed.
        street_choices = list(streets(self.request))
        street = next((s for s in street_choices if str(s.pk) == params.get("street")), None)
        reader = WithinRegion(self.request.user, street) if street else self.request.user
        rows = history.audit_log(reader, **filters)
        page = CappedPaginator(rows, self.per_page).get_page(params.get("page"))
        query = params.copy()
        query.pop("page", None)
        context.update(
            page=page,
            events=history.describe_page(page.object_list),
            models=[
                (t._meta.label_lower, t._meta.verbose_name)
                for _e, t in history.audited_models(self.request.user)
            ],
            actions=[("insert", _("新增")), ("update", _("修改")), ("delete", _("删除"))],
            filters=filters,
            streets=street_choices,
            street=street,
            querystring=query.urlencode(),
        )
        return context
