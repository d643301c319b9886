"""Two-factor sign-in (TOTP, django-otp): enrolment with a QR code, the code step after the
password, backup codes and switching it off (only where no role requires it)."""

from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import security
from portal.accounts.middleware import SESSION_OTP_PENDING, has_device, otp_required

BACKUP_CODE_COUNT = 10


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("动态口令"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
        help_text=gettext_lazy("身份验证器应用显示的 6 位数字；丢失手机时可输入一个备用码。"),
    )

    def clean_code(self):
        return self.cleaned_data["code"].replace(" ", "").strip()


def _next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _signed_in_with(request, device):
    """The code checked out: the session now counts as verified."""
    django_otp.login(request, device)
    request.session.cycle_key()
    request.session[SESSION_OTP_PENDING] = False


def qr_svg(text):
    """The QR code of ``text`` as an inline SVG element (no image library needed)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    # Drop the XML declaration: the element goes straight into the page.
    return svg[svg.index("<svg") :]


class OTPSetupView(LoginRequiredMixin, FormView):
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a code."""

    template_name = "accounts/otp_setup.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and has_device(user) and not user.is_verified():
            # Enrolled already: the code is owed first; a new device needs the old one.
            return redirect(f"{reverse('otp_verify')}?{urlencode({'next': request.path})}")
        return super().dispatch(request, *args, **kwargs)

    def device(self):
        """The user's unconfirmed device, made on the first visit and kept until confirmed."""
        device = TOTPDevice.objects.filter(user=self.request.user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=self.request.user, name=_("身份验证器"), confirmed=False
            )
        return device

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = self.device()
        key = b32encode(device.bin_key).decode()
        context.update(
            qr_svg=qr_svg(device.config_url),
            manual_key=" ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            enrolled=has_device(self.request.user),
            required=otp_required(self.request.user),
            next=self.request.GET.get("next", ""),
        )
        return context

    def form_valid(self, form):
        user = self.request.user
        with transaction.atomic():
            device = self.device()
            if not device.verify_token(form.cleaned_data["code"]):
                security.record("otp_failure", self.request, user=user, detail="setup")
                form.add_error("code", _("动态口令不正确，请核对手机时间后重新输入。"))
                return self.form_invalid(form)
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            # One authenticator per user: confirming a new one retires the others.
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            security.record("otp_enrolled", self.request, user=user)
        _signed_in_with(self.request, device)
        messages.success(self.request, _("已启用双因素认证。以后登录时需要输入动态口令。"))
        return redirect(_next_url(self.request, default="otp_security"))


class OTPVerifyView(LoginRequiredMixin, FormView):
    """The step after the password: a code from the authenticator (or a backup code)."""

    template_name = "accounts/otp_verify.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_device(request.user):
            return redirect("otp_setup")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = self.request.POST.get("next") or self.request.GET.get("next", "")
        return context

    def form_valid(self, form):
        device = django_otp.match_token(self.request.user, form.cleaned_data["code"])
        if device is None:
            security.record("otp_failure", self.request, user=self.request.user)
            form.add_error("code", _("动态口令不正确或已使用，请重新输入。"))
            return self.form_invalid(form)
        _signed_in_with(self.request, device)
        security.record("otp_verified", self.request, user=self.request.user)
        return redirect(_next_url(self.request))


class OTPSecurityView(LoginRequiredMixin, TemplateView):
    """The user's security page (user menu): two-factor status, backup codes, switching off."""

    template_name = "accounts/security.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        static = StaticDevice.objects.filter(user=user, confirmed=True).first()
        context.update(
            enrolled=has_device(user),
            required=otp_required(user),
            verified=user.is_verified(),
            backup_left=static.token_set.count() if static else 0,
        )
        return context

    def post(self, request):
        user = request.user
        action = request.POST.get("action")
        if not user.is_verified():
            messages.error(request, _("请先输入动态口令完成验证。"))
            return redirect("otp_verify")
        if action == "backup":
            with transaction.atomic():
                device, _created = StaticDevice.objects.get_or_create(
                    user=user, defaults={"name": _("备用码"), "confirmed": True}
                )
                device.token_set.all().delete()
                codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
                StaticToken.objects.bulk_create(
                    StaticToken(device=device, token=code) for code in codes
                )
            context = self.get_context_data(new_codes=codes)
            return self.render_to_response(context)
        if action == "disable":
            if otp_required(user):
                messages.error(request, _("您的角色要求必须使用双因素认证，不能关闭。"))
                return redirect("otp_security")
            with transaction.atomic():
                for device in django_otp.devices_for_user(user, confirmed=None):
                    device.delete()
                security.record("otp_reset", request, user=user, detail="self")
            request.session[SESSION_OTP_PENDING] = False
            messages.success(request, _("已关闭双因素认证。"))
            return redirect("otp_security")
        return redirect("otp_security")


def reset_devices(user, *, by=""):
    """Remove every second-factor device of ``user`` (a lost phone): the next sign-in asks
    them to enrol again if their role requires it. Used by ``reset_otp``."""
    with transaction.atomic():
        count = 0
        for device in django_otp.devices_for_user(user, confirmed=None):
            device.delete()
            count += 1
        security.record("otp_reset", user=user, detail=f"by {by}"[:200] if by else "")
    return count
