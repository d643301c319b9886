from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionalConfig(AppConfig):
    name = "regional"
    verbose_name = _("区域化党建")
