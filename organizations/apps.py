from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("党员党组织信息库")

    def ready(self):
        from organizations import imports  # noqa: F401  (registers the import spec)
