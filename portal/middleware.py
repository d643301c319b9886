"""Request id, audit context and the browser-access rule for integration accounts."""

import re
import uuid

from django.http import HttpResponseForbidden
from django.utils.translation import gettext as _
from pghistory.middleware import HistoryMiddleware

REQUEST_ID_RE = re.compile(r"^[0-9A-Za-z._-]{1,64}$")


def client_ip(request):
    return request.META.get("REMOTE_ADDR", "")


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
