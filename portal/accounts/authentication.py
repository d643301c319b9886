"""``Authorization: Token <key>`` for street offices' systems."""

from datetime import timedelta

import pghistory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from portal.accounts.models import ApiToken, hash_token

#: last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user", "user__scope_region")
            .filter(key_hash=hash_token(key))
            .first()
        )
        if token is None or not token.is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已吊销。"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌所属用户已停用。"))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        pghistory.context(token=token.pk, token_name=token.name)
        return token.user, token
