"""API viewsets of grids' registry models (registered with portal.routers.router)."""
