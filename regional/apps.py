"""Regional Party building (区域化党建): joint meetings, resident units, the three lists,
pairings and industry committees."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionalConfig(AppConfig):
    name = "regional"
    verbose_name = _("区域化党建")

    def ready(self):
        from regional import imports  # noqa: F401  (registers the import specs)
