from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("工作台")

    def ready(self):
        # Connects the refresh to portal.tasks.import_finished.
        from dashboard import tasks  # noqa: F401
