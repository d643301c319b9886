from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BuildingsConfig(AppConfig):
    name = "buildings"
    verbose_name = _("企业法人库与楼宇园区库")

    def ready(self):
        from buildings import (
            imports,  # noqa: F401  (registers the import specs)
            tasks,  # noqa: F401  (the coverage refresh after imports)
        )
