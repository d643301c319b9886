"""The API router under /api/v1/. Apps register their viewsets in ``AppConfig.ready()`` (or
at import of their ``api`` module) so the core never imports a domain app."""

from importlib import import_module

from django.apps import apps
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
router.include_format_suffixes = False


def api_urls():
    for config in apps.get_app_configs():
        module = f"{config.name}.api"
        try:
            import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return router.urls
