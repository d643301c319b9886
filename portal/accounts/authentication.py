"""``Authorization: Token <key>`` for street offices' systems.

The key is taken from the ``Authorization`` header only: a key in the URL (``?token=``,
``?api_key=``) lands in proxy and access logs and browser history, one in a form field in
whatever logs request bodies. Such a request is refused with 401 and says why, so a
client that tries it learns to use the header (and should rotate the key it exposed).
Open311 (``grids/open311.py``) is the one exception: its standard puts ``api_key`` in the
request; see docs/security.md (Open311 and API keys).
"""

from datetime import timedelta

import pghistory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from portal.accounts.models import ApiToken, hash_token

#: last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)

#: Parameter names under which clients commonly send a key outside the header.
KEY_PARAMETERS = ("token", "api_key", "apikey", "access_token", "auth_token")

MESSAGE_HEADER_ONLY = _(
    "接口令牌只能通过请求头 Authorization: Token <令牌> 传递，不接受 URL 参数或表单字段"
    "（参数 %(name)s）。请改用请求头，并吊销已暴露的令牌。"
)


def _form_fields(request):
    """The form body's field names, without parsing any other kind of body."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method == "POST" and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return request._request.POST.keys()
    return ()


class TokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request)
        if not header:
            self.refuse_key_outside_header(request)
        return super().authenticate(request)

    def refuse_key_outside_header(self, request):
        for name in KEY_PARAMETERS:
            if name in request.query_params or name in _form_fields(request):
                raise exceptions.AuthenticationFailed(MESSAGE_HEADER_ONLY % {"name": name})

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user", "user__scope_region")
            .filter(key_hash=hash_token(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已吊销。"))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("令牌已吊销（%(when)s），请联系管理员重新签发。")
                % {"when": f"{timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M}"}
            )
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                _("令牌已过期（%(when)s），请联系管理员重新签发。")
                % {"when": f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"}
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌所属用户已停用。"))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        pghistory.context(token=token.pk, token_name=token.name)
        return token.user, token
