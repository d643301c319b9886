"""Accounts: users bound to a scope region, and per-integration API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from portal.models import Region, audited


@audited(exclude=["password", "last_login", "updated_at"])
class User(AbstractUser):
    """A portal user. What they may see is their scope region and everything under it."""

    scope_region = models.ForeignKey(
        Region,
        verbose_name=_("管辖范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("用户只能查看和修改此区划及其下级的数据。超级管理员可不设。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_path = "scope_region__path"

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [
            ("view_sensitive", _("查看未脱敏的身份证号和手机号")),
            ("view_auditlog", _("查看审计日志")),
            ("manage_tokens", _("管理接口令牌")),
            ("assign_roles", _("分配角色与权限")),
            ("manage_security", _("管理账号安全（解锁、重置双因素认证）")),
        ]

    @cached_property
    def permission_names(self) -> frozenset[str]:
        """Every ``app_label.codename`` the user holds, directly or through their roles.

        One query, where ModelBackend runs two (user, then group permissions). Kept on this
        object, which lives for one request (the session or the token loads the user
        afresh), so a changed role takes effect on the next request.
        """
        from django.contrib.auth.models import Permission

        rows = (
            Permission.objects.filter(models.Q(user=self) | models.Q(group__user=self))
            .values_list("content_type__app_label", "codename")
            .order_by()
            .distinct()
        )
        return frozenset(f"{app_label}.{codename}" for app_label, codename in rows)

    def has_perm(self, perm, obj=None):
        # Model-level checks of an active, ordinary user: the set above. Superusers,
        # inactive users and object-level checks go to the backends as before.
        if obj is None and self.is_active and not self.is_superuser:
            return perm in self.permission_names
        return super().has_perm(perm, obj)

    @property
    def role_names(self):
        return [g.name for g in self.groups.all()]

    @property
    def is_integration(self):
        from portal.accounts.roles import INTEGRATION

        return any(g.name == INTEGRATION for g in self.groups.all())


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


def hash_token(key: str) -> str:
    """Tokens are 256-bit random strings, so a plain SHA-256 is a safe one-way store."""
    return hashlib.sha256(key.encode()).hexdigest()


@audited(exclude=["key_hash", "last_used_at", "updated_at"])
class ApiToken(models.Model):
    """A REST credential for one integration, bound to a service user: it has exactly the
    scope and rights of that user. Only a hash is stored; the key is shown once."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("绑定用户"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("名称"), max_length=100, help_text=_("例如：天平路街道夜间同步"))
    key_prefix = models.CharField(_("令牌前缀"), max_length=PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    scope_path = "user__scope_region__path"

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def issue(cls, user, *, name, days=None, created_by=None):
        """Create a token and return ``(token, key)``; the key is never stored or shown again.
        Every token expires: after ``days`` (1 to ``API_TOKEN_MAX_DAYS``), by default after
        ``API_TOKEN_DEFAULT_DAYS``."""
        key = secrets.token_urlsafe(32)
        days = days or settings.API_TOKEN_DEFAULT_DAYS
        if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
            raise ValueError(f"token lifetime must be 1 to {settings.API_TOKEN_MAX_DAYS} days")
        token = cls.objects.create(
            user=user,
            name=name,
            key_prefix=key[: cls.PREFIX_LENGTH],
            key_hash=hash_token(key),
            expires_at=timezone.now() + timedelta(days=days),
            created_by=created_by,
        )
        return token, key

    @property
    def is_active(self):
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at", "updated_at"])


class AuthEvent(models.Model):
    """One sign-in related event: success, sign-out, failure, lockout, a wrong second-factor
    code, a password change, a session ended by its time limits. Append-only: the database
    refuses UPDATE and TRUNCATE and DELETE of rows younger than the retention period
    (portal.accounts.audit_protection). Never holds a password or a code."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录成功")
        LOGOUT = "logout", _("退出登录")
        FAILURE = "failure", _("登录失败")
        LOCKOUT = "lockout", _("账号锁定")
        OTP_FAILURE = "otp_failure", _("动态口令错误")
        OTP_VERIFIED = "otp_verified", _("动态口令验证通过")
        OTP_ENROLLED = "otp_enrolled", _("启用双因素认证")
        OTP_RESET = "otp_reset", _("重置双因素认证")
        PASSWORD_CHANGE = "password_change", _("修改密码")
        SESSION_EXPIRED = "session_expired", _("会话超时")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    event = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    # No database constraint: the row outlives the user and is never rewritten.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    #: The user's scope region path when the event happened (the district's for names that
    #: match no user): who may read the row.
    region_path = models.CharField(
        max_length=600, blank=True, editable=False, db_index=True, db_collation="C"
    )

    scope_path = "region_path"

    class Meta:
        verbose_name = _("登录安全事件")
        verbose_name_plural = _("登录安全事件")
        ordering = ["-at"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.username} {self.get_event_display()} {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return ""
