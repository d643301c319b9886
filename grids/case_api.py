"""API viewsets of grids' case models (registered with portal.routers.router)."""
