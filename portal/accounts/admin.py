from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import ApiToken, AuthEvent, User
from portal.accounts.roles import separation_conflict, separation_message
from portal.admin_base import ScopedAdmin


class UserForm(UserChangeForm):
    """The admin's user form refuses two of the three separated roles on the field itself."""

    def clean_groups(self):
        groups = self.cleaned_data.get("groups")
        if groups is not None:
            held = separation_conflict({group.name for group in groups})
            if held:
                raise forms.ValidationError(separation_message(held))
        return groups


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    list_display = ["username", "first_name", "scope_region", "is_active", "is_staff", "last_login"]
    list_filter = ["groups", "is_active", "is_staff"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:1],
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("范围与角色"),
            {"fields": ("scope_region", "groups", "is_active", "is_staff", "is_superuser")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "scope_region", "password1", "password2"),
            },
        ),
    )
    raw_id_fields = ["scope_region"]
    form = UserForm

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        readonly = ["is_superuser", "user_permissions"]
        # Roles are the security administrator's to assign (三员分立), not the system
        # administrator's, who manages the accounts themselves.
        if not request.user.has_perm("accounts.assign_roles"):
            readonly += ["groups", "is_staff"]
        return tuple(readonly)


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    """Tokens are issued in the portal's token page or by ``issue_token`` (the key is shown
    once there); here admins see, expire and revoke them."""

    list_display = [
        "name",
        "key_prefix",
        "user",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "key_prefix", "user__username"]
    readonly_fields = ["user", "key_prefix", "created_at", "created_by", "last_used_at"]
    fields = [
        "name",
        "user",
        "key_prefix",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        for token in queryset:
            token.revoke()


@admin.register(AuthEvent)
class AuthEventAdmin(ScopedAdmin):
    """Read-only: the table is append-only in the database as well."""

    list_display = ["at", "event", "username", "ip", "request_id"]
    list_filter = ["event"]
    search_fields = ["username", "ip"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
