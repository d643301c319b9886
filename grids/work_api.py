"""API viewsets of grids' work models (registered with portal.routers.router)."""
