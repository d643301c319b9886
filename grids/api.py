"""The grids app's API: each module registers its viewsets with portal.routers.router."""

from grids import case_api, registry_api, work_api  # noqa: F401
