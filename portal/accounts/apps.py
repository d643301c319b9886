from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_migrate

        from portal.accounts import security
        from portal.accounts.models import User
        from portal.accounts.roles import check_separation, sync_roles_after_migrate

        # Every app's turn: the handlers act in the last one (see their docstrings).
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="sync_roles")
        post_migrate.connect(_install_database_guards, dispatch_uid="accounts_db_guards")
        m2m_changed.connect(
            check_separation, sender=User.groups.through, dispatch_uid="role_separation"
        )
        security.connect_axes_signals()


def _install_database_guards(sender, using="default", **kwargs):
    """Audit tables append-only, separated roles exclusive: after the last app migrated."""
    from portal.accounts import audit_protection
    from portal.accounts.roles import install_separation_trigger, last_migrated_app

    if sender is not last_migrated_app():
        return

    audit_protection.install(using=using)
    install_separation_trigger(using=using)
