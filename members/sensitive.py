"""Unmasking: only on an explicit request (``unmask=1``) by a user with ``view_sensitive``,
and every unmasked view, API answer or export is logged (portal.models.SensitiveAccess)."""

from members.models import SENSITIVE_FIELDS, Member
from portal.models import SensitiveAccess

PERMISSION = "accounts.view_sensitive"


def wants_unmasked(request):
    params = getattr(request, "query_params", None) or request.GET
    return params.get("unmask") in ("1", "true") and request.user.has_perm(PERMISSION)


def log_access(request, ids, channel):
    ids = list(ids)
    if ids:
        SensitiveAccess.record(request, Member, ids, SENSITIVE_FIELDS, channel)
