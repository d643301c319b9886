"""Admins manage integration tokens in the UI: issue (shown once), list, revoke."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from portal import scoping
from portal.accounts.models import ApiToken, User
from portal.accounts.roles import INTEGRATION


class TokenForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("接口账号"),
        queryset=User.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    name = forms.CharField(
        label=gettext_lazy("用途"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    days = forms.IntegerField(
        label=gettext_lazy("有效天数"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = integration_users(user)


def integration_users(user):
    return scoping.restrict(
        User.objects.filter(groups__name=INTEGRATION, is_active=True), user, "view"
    )


class TokenManagerMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "accounts.manage_tokens"

    def tokens(self):
        return scoping.restrict(ApiToken.objects.all(), self.request.user, "view")


class TokenListView(TokenManagerMixin, TemplateView):
    template_name = "accounts/token_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", TokenForm(user=self.request.user))
        context["tokens"] = self.tokens().select_related("user", "created_by")
        return context

    def post(self, request):
        form = TokenForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        with transaction.atomic():
            token, key = ApiToken.issue(
                form.cleaned_data["user"],
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                created_by=request.user,
            )
        context = self.get_context_data(form=TokenForm(user=request.user))
        context.update(new_token=token, new_key=key)
        return self.render_to_response(context)


class TokenRevokeView(TokenManagerMixin, View):
    def post(self, request, pk):
        token = get_object_or_404(self.tokens(), pk=pk)
        token.revoke()
        messages.success(request, _("已吊销令牌“%(name)s”。") % {"name": token.name})
        return redirect("token_list")
