"""Secretaries and community workers (班长工程): secretary profiles, training,
述职 ratings and the 三档十八级 career ladder."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CadresConfig(AppConfig):
    name = "cadres"
    verbose_name = _("班长工程")

    def ready(self):
        from cadres import imports  # noqa: F401  (registers the training record import spec)
