"""Grid fixtures: a grid in each community of the small test district (tests/conftest.py),
a grid leader and a grid member per grid (members of the street's branch), and a case
category with short deadlines."""

from datetime import date

import pytest

from grids.models import CaseCategory, Grid
from tests.members.conftest import make_id_number, make_member


def square(lng, lat, size=0.005):
    """A closed GeoJSON Polygon: the square of side ``size`` degrees at (lng, lat)."""
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def grids(district):
    """``grid_a``/``grid_b`` in communities a1/b1, with ``leader_<k>`` and ``worker_<k>``
    (members), and ``category`` (环境卫生: 2h to accept, 4h to dispatch, 24h to resolve,
    8h to verify)."""
    objects = {
        "category": CaseCategory.objects.create(
            code="ENV",
            name="环境卫生",
            group="城市管理",
            accept_hours=2,
            dispatch_hours=4,
            resolve_hours=24,
            verify_hours=8,
        )
    }
    for index, key in enumerate(("a", "b")):
        branch = district[f"{key}_branch"]
        leader = make_member(
            branch, f"{key.upper()}网格长", make_id_number(date(1979, 3, 3), 11 + index)
        )
        worker = make_member(
            branch, f"{key.upper()}网格员", make_id_number(date(1985, 6, 6), 21 + index)
        )
        grid = Grid(
            code=f"G{key.upper()}01",
            name=f"{district[f'{key}1'].name[:-3]}第一网格",
            region=district[f"{key}1"],
            boundary=square(121.43 + index * 0.01, 31.20),
            households=420,
            population=1100,
            leader=leader,
        )
        grid.full_clean()
        grid.save()
        grid.workers.add(worker)
        objects.update({f"grid_{key}": grid, f"leader_{key}": leader, f"worker_{key}": worker})
    return objects
