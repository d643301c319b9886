"""Sign-in security: client address, the auth event log, lockout (django-axes) glue and the
password-change hook.

Every sign-in related event goes through ``record``: it writes one ``AuthEvent`` row with the
user (or the name typed), address, browser, request id and the user's scope path. Passwords
and codes are never passed in.
"""

import contextvars

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.shortcuts import render

from portal.middleware import client_ip

#: The request being served (set by SessionTimeoutMiddleware): lets hooks with no request
#: argument (the password-change validator) name the address and request id.
current_request = contextvars.ContextVar("current_request", default=None)

USER_AGENT_LENGTH = 300


def _region_path(user):
    if user is not None and getattr(user, "scope_region_id", None):
        return user.scope_region.path
    # Names matching no user and superusers without a scope: the district's rows.
    from portal.models import Region

    top = Region.objects.filter(parent__isnull=True).order_by("code").first()
    return top.path if top is not None else ""


def record(event, request=None, *, user=None, username="", detail=""):
    """Write one auth event. ``user`` may be None (a name that matches nobody)."""
    from portal.accounts.models import AuthEvent

    if request is None:
        request = current_request.get()
    if user is not None and not getattr(user, "pk", None):
        user = None
    if user is not None:
        username = user.get_username()
    elif username:
        user = get_user_model().objects.filter(username=username).first()
    meta = getattr(request, "META", {}) if request is not None else {}
    return AuthEvent.objects.create(
        event=event,
        user=user,
        username=(username or "")[:150],
        ip=client_ip(request) if request is not None else None,
        user_agent=(meta.get("HTTP_USER_AGENT") or "")[:USER_AGENT_LENGTH],
        request_id=getattr(request, "id", "") or "",
        detail=detail[:200],
        region_path=_region_path(user),
    )


@receiver(user_logged_in, dispatch_uid="auth_event_login")
def _logged_in(sender, request, user, **kwargs):
    from portal.accounts.middleware import start_session

    start_session(request, user)
    record("login", request, user=user)


@receiver(user_logged_out, dispatch_uid="auth_event_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None and not getattr(request, "session_expired", False):
        record("logout", request, user=user)


@receiver(user_login_failed, dispatch_uid="auth_event_failure")
def _login_failed(sender, credentials, request=None, **kwargs):
    # ``credentials`` comes cleansed by Django (the password is masked); only the name is kept.
    username = str(credentials.get("username", "") or "")
    locked = request is not None and getattr(request, "axes_locked_out", False)
    record("failure", request, username=username, detail="locked" if locked else "")


def _locked_out(sender, request, username, ip_address, **kwargs):
    record("lockout", request, username=username or "")


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first of AUTHENTICATION_BACKENDS: locked credentials are refused
    before a password is compared. Every sign-in over HTTP passes the request;
    ``authenticate()`` calls without one (scripts, the test client's ``login()``) are not
    HTTP sign-ins and go straight to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets: status 429, in Chinese, saying for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class PasswordChangeAudit:
    """A password "validator" that checks nothing: Django calls ``password_changed`` of
    every validator after a user's new password is saved, from any path (the password page,
    admin, ``changepassword``, ``create_account``), so the change is logged once, here."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        if getattr(user, "_auth_just_created", False):
            user._auth_just_created = False  # the first password of a new account
            return
        record("password_change", user=user)

    def get_help_text(self):
        return ""


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="auth_event_created")
def _user_created(sender, instance, created, **kwargs):
    # AbstractBaseUser keeps the new raw password in ``_password`` until password_changed.
    if created and getattr(instance, "_password", None) is not None:
        instance._auth_just_created = True


def connect_axes_signals():
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="auth_event_lockout")
