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


# --- grid register (tests/grids/test_grid_*.py) ------------------------------------------


def make_grid_case(grid, category, number, state="reported", overdue=False):
    """A case written straight to the table (the services are tested elsewhere), its state
    and overdue flag set by ``queryset.update`` as only a service would."""
    from grids.models import Case

    case = Case.objects.create(
        number=number, title=f"工单{number}", description="描述", category=category, grid=grid
    )
    Case.objects.filter(pk=case.pk).update(state=state, overdue=overdue)
    return case


# --- micro-wishes and visits (tests/grids/test_wish*.py, test_visit*.py) -------------------


def image_bytes(fmt, size=(2, 2)):
    """A real image (a small red square) in Pillow format ``fmt``: photos are decoded and
    re-encoded (portal.uploads), so a bare magic-number header no longer passes."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


PNG_BYTES = image_bytes("PNG")
JPEG_BYTES = image_bytes("JPEG")
WEBP_BYTES = image_bytes("WEBP")


@pytest.fixture
def work(district, users, grids):
    """``worker_a2`` (a second community worker of a1, for four-eyes steps), ``worker_b``
    (community worker of b1), and a published wish of grid A submitted by ``worker_a`` for
    the resident 欧阳晓梅 with ``leader_a`` as the member who brought it (``wish_a``), and a
    published wish of grid B (``wish_b``)."""
    from grids.services import wishes
    from portal.accounts.roles import COMMUNITY_WORKER
    from tests.conftest import make_user

    worker_a2 = make_user("worker_a2", COMMUNITY_WORKER, district["a1"])
    worker_b = make_user("worker_b", COMMUNITY_WORKER, district["b1"])
    wish_a = wishes.submit(
        users["worker_a"],
        grid=grids["grid_a"],
        title="给独居老人买一台收音机",
        description="老人喜欢听评弹",
        beneficiary_name="欧阳晓梅",
        beneficiary_contact="13812345678",
        submitted_by_member=grids["leader_a"],
    )
    wish_a = wishes.review(wish_a, users["operator_a"], approve=True)
    wish_b = wishes.submit(
        worker_b, grid=grids["grid_b"], title="武康路小朋友要一套绘本", beneficiary_name="李小明"
    )
    wish_b = wishes.review(wish_b, users["operator_b"], approve=True)
    return {"worker_a2": worker_a2, "worker_b": worker_b, "wish_a": wish_a, "wish_b": wish_b}


def wish_snapshot():
    """Every stored column of every wish, their steps and the notifications: what a refused
    transition must leave as it was."""
    from grids.models import Wish, WishStep
    from portal.inbox.models import InboxItem

    fields = [f.attname for f in Wish._meta.concrete_fields]
    return (
        sorted(Wish.objects.values_list(*fields)),
        sorted(WishStep.objects.values_list("wish_id", "action", "from_state", "to_state")),
        InboxItem.objects.count(),
    )


# --- cases (tests/grids/test_case_*.py, test_open311.py) -----------------------------------


@pytest.fixture
def case_users(district, users):
    """Besides ``users`` (tests/conftest.py): ``cworker_a2``, a second community worker of a1
    (verifies what ``worker_a`` resolved), and ``cworker_b``, the community worker of b1."""
    from portal.accounts.roles import COMMUNITY_WORKER
    from tests.conftest import make_user

    return {
        "cworker_a2": make_user("cworker_a2", COMMUNITY_WORKER, district["a1"]),
        "cworker_b": make_user("cworker_b", COMMUNITY_WORKER, district["b1"]),
    }


@pytest.fixture
def media(settings):
    """The test's own temporary MEDIA_ROOT (set for every test by tests/conftest.py)."""
    return settings.MEDIA_ROOT


def report_case(user, grid, category, title="楼道堆物", **extra):
    from grids.services import cases

    extra.setdefault("description", "3号楼楼道堆放杂物，影响通行。")
    return cases.report(user, grid=grid, category=category, title=title, **extra)


def case_snapshot(case):
    """What a refused transition must leave as it was: the case's stored columns, its steps
    and the notifications."""
    from grids.models import Case, CaseStep
    from portal.inbox.models import InboxItem

    fields = [f.attname for f in Case._meta.concrete_fields]
    return (
        Case.objects.filter(pk=case.pk).values_list(*fields).get(),
        CaseStep.objects.filter(case=case).count(),
        InboxItem.objects.count(),
    )
