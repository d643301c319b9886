"""Request id, audit context and the browser-access rule for integration accounts."""

import ipaddress
import re
import uuid

from django.conf import settings
from django.http import HttpResponseForbidden
from django.utils.translation import gettext as _
from pghistory.middleware import HistoryMiddleware

REQUEST_ID_RE = re.compile(r"^[0-9A-Za-z._-]{1,64}$")


def _valid_ip(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request):
    """The client's address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT reverse proxies
    that each append the address they saw to X-Forwarded-For, the entry the outermost
    trusted proxy appended. With no proxies configured the header is ignored (a client
    could write anything there)."""
    if request is None:
        return None
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        chain = [part.strip() for part in header.split(",") if part.strip()]
        if len(chain) >= proxies:
            # The last ``proxies - 1`` entries are proxies between the outer one and us.
            candidate = _valid_ip(chain[-proxies])
            if candidate:
                return candidate
    return remote


def channel_of(path):
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "ui"


class RequestIdMiddleware:
    """Gives every request an id (the caller's ``X-Request-ID`` if sane) and echoes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


class AuditContextMiddleware(HistoryMiddleware):
    """Every write in a request is attributed in the audit trail: user (or API token, added
    by the token authentication), request id, client IP, URL and channel."""

    def get_context(self, request):
        context = super().get_context(request)
        context.update(
            request_id=getattr(request, "id", None),
            ip=client_ip(request),
            channel=channel_of(request.path),
        )
        return context


class BrowserAccessMiddleware:
    """Integration accounts use the API only: the browser UI and admin refuse them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_superuser
            and not request.path.startswith(("/api/", "/accounts/logout/", "/static/"))
            and user.is_integration
        ):
            return HttpResponseForbidden(_("接口账号只能通过 API 访问。"))
        return self.get_response(request)
