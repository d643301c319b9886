from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("党员信息库")

    def ready(self):
        from members import imports  # noqa: F401  (registers the import spec)
