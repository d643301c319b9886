from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self):
        from django.db.models.signals import post_migrate

        from portal.accounts.roles import sync_roles_after_migrate

        # Every app's turn: the handler acts in the last one (see its docstring).
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="sync_roles")
