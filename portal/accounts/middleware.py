"""Session time limits and the second sign-in step.

``SessionTimeoutMiddleware`` ends a browser session 30 minutes after its last request or 12
hours after sign-in (SESSION_IDLE_TIMEOUT / SESSION_ABSOLUTE_TIMEOUT). ``OTPRequiredMiddleware``
keeps a user who owes a one-time code (an enrolled user, or one whose role requires two
factors) on the set-up and verification pages until the code is given.

Both read only the session: no query on an ordinary request.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts import security

SESSION_STARTED = "auth_started"
SESSION_SEEN = "auth_seen"
#: True while the signed-in user still owes a one-time code.
SESSION_OTP_PENDING = "auth_otp_pending"

#: The last-request stamp is rewritten at most this often (seconds): a burst of requests
#: costs no session writes.
SEEN_RESOLUTION = 60


def _now():
    return timezone.now().timestamp()


def otp_required(user):
    """Must ``user`` sign in with a second factor, enrolled or not?"""
    if not settings.OTP_ENFORCED:
        return False
    if user.is_superuser:
        return True
    required = set(settings.OTP_REQUIRED_ROLES)
    return any(group.name in required for group in user.groups.all())


def has_device(user):
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


def start_session(request, user):
    """Called on every sign-in (signal ``user_logged_in``): stamps the session and decides
    whether a one-time code is owed."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = _now()
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now
    pending = otp_required(user) or has_device(user)
    if pending and getattr(user, "otp_device", None) is not None:
        pending = False  # signed in with a device already (django_otp.login)
    session[SESSION_OTP_PENDING] = pending


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = security.current_request.set(request)
        try:
            expired = self.check(request)
            if expired is not None:
                return expired
            return self.get_response(request)
        finally:
            security.current_request.reset(token)

    def check(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or session is None or not user.is_authenticated:
            return None
        now = _now()
        started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
        if started is None or seen is None:
            # A session from before the limits existed: its clock starts now.
            session[SESSION_STARTED] = session[SESSION_SEEN] = now
            return None
        if now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
            return self.expire(request, "absolute")
        if now - seen > settings.SESSION_IDLE_TIMEOUT:
            return self.expire(request, "idle")
        if now - seen >= SEEN_RESOLUTION:
            session[SESSION_SEEN] = now
        return None

    def expire(self, request, reason):
        security.record("session_expired", request, user=request.user, detail=reason)
        request.session_expired = True
        logout(request)
        message = _("登录已超时，请重新登录。")
        login_url = reverse(settings.LOGIN_URL)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=401)
        if _is_htmx(request):
            response = HttpResponse(message, status=401, content_type="text/plain; charset=utf-8")
            response["HX-Redirect"] = login_url
            return response
        messages.warning(request, message)
        return redirect_to_login(request.get_full_path(), login_url)


#: What a user who owes a one-time code may still reach.
OTP_OPEN_PATHS = ("/accounts/otp/", "/accounts/logout/", "/static/", "/accounts/login/")


class OTPRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(SESSION_OTP_PENDING)
            and request.user.is_authenticated
            and not request.user.is_verified()
            and not request.path.startswith(OTP_OPEN_PATHS)
        ):
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request):
        target = "otp_verify" if has_device(request.user) else "otp_setup"
        message = _("请先完成双因素认证。")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        if _is_htmx(request):
            response = HttpResponse(message, status=401, content_type="text/plain; charset=utf-8")
            response["HX-Redirect"] = reverse(target)
            return response
        url = reverse(target)
        if request.method == "GET":
            from urllib.parse import urlencode

            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(url)
