from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("城市网格库与网格工作")

    def ready(self):
        from grids import imports  # noqa: F401  (registers the grid import spec)
