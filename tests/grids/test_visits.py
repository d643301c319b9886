"""E-visits (issue 5, item 4): the form and the API record a visit and may open a case in the
same step (source 走访发现, linked as the visit's case; refused input writes neither); the
coverage page's figures, computed here by hand; lists with constant query counts; and street
B's users seeing none of A's visits (UI, API, export, search)."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grids.models import Case, Visit
from grids.services import visits as visit_services
from tests.buildings.conftest import make_enterprise, registers  # noqa: F401 (fixture)

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
#: Query counts whatever the number of rows: the list page (session, user, permissions,
#: the filter's grid choices, count, page), the API page (token, permissions, count, page)
#: and the coverage page (session, user, permissions, grid count and page, members, totals).
LIST_QUERIES, API_QUERIES, COVERAGE_QUERIES = 8, 4, 9


def snapshot():
    fields = [f.attname for f in Visit._meta.concrete_fields]
    return sorted(Visit.objects.values_list(*fields)), Case.objects.count()


@pytest.fixture
def visits(district, users, grids, registers):  # noqa: F811
    """Grid A holds building A (with 2 active enterprises and 1 moved out), grid B building B
    (1 enterprise). Visits in November 2026 (and one in October, outside the period):

    - leader_a: household 101 twice, enterprise A, building A (4 visits, 3 targets)
    - worker_a (member): household 102, enterprise A (2 visits, 2 targets)
    - leader_b in grid B: one household (1 visit, 1 target)
    """
    from buildings.models import Enterprise

    grid_a, grid_b = grids["grid_a"], grids["grid_b"]
    building_a, building_b = registers["building_a"], registers["building_b"]
    for building, grid in ((building_a, grid_a), (building_b, grid_b)):
        building.grid = grid
        building.save()
    make_enterprise(district["a1"], "天平第二科技有限公司", 310, building=building_a, floor=5)
    make_enterprise(
        district["a1"],
        "天平迁出有限公司",
        311,
        building=building_a,
        status=Enterprise.Status.MOVED_OUT,
        status_on=date(2025, 1, 1),
    )
    enterprise_a = registers["enterprise_a"]
    H = Visit.Target.HOUSEHOLD
    E = Visit.Target.ENTERPRISE
    B = Visit.Target.BUILDING
    rows = [
        (grid_a, "leader_a", H, {"household": "天平路1弄1号101"}, date(2026, 11, 2)),
        (grid_a, "leader_a", H, {"household": "天平路1弄1号101"}, date(2026, 11, 5)),
        (grid_a, "worker_a", H, {"household": "天平路1弄1号102"}, date(2026, 11, 10)),
        (grid_a, "worker_a", E, {"enterprise": enterprise_a}, date(2026, 11, 12)),
        (grid_a, "leader_a", E, {"enterprise": enterprise_a}, date(2026, 11, 20)),
        (grid_a, "leader_a", B, {"building": building_a}, date(2026, 11, 21)),
        (grid_a, "leader_a", H, {"household": "天平路1弄1号103"}, date(2026, 10, 15)),
        (grid_b, "leader_b", H, {"household": "武康路2号"}, date(2026, 11, 3)),
    ]
    for grid, member, target, fields, day in rows:
        Visit.objects.create(
            grid=grid,
            visitor_member=grids[member],
            visitor_user=users["worker_a"],
            target=target,
            visited_on=day,
            notes="走访了解情况",
            **fields,
        )
    return rows


# --- opening a case in one step -------------------------------------------------------------


def visit_form(grids, **extra):
    data = {
        "grid": grids["grid_a"].pk,
        "visitor_member": grids["leader_a"].pk,
        "visited_on": "2026-11-30",
        "target": "household",
        "household": "天平路8弄2号301",
        "notes": "独居老人，身体尚可",
        "needs_found": "楼道灯坏了，晚上看不见",
    }
    data.update(extra)
    return data


def test_the_form_records_a_visit_and_opens_a_case(client_for, users, grids):
    client = client_for(users["worker_a"])
    assert client.get("/grids/visits/add/").status_code == 200
    data = visit_form(
        grids, open_case="on", case_category=grids["category"].pk, case_title="楼道灯坏"
    )
    response = client.post("/grids/visits/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    visit = Visit.objects.get()
    assert visit.visitor_user == users["worker_a"]
    case = visit.case
    assert (case.title, case.source, case.grid, case.state) == (
        "楼道灯坏",
        Case.Source.VISIT,
        grids["grid_a"],
        Case.State.REPORTED,
    )
    assert case.description == "楼道灯坏了，晚上看不见"
    assert case.reporter_user == users["worker_a"]
    assert list(case.steps.values_list("action", flat=True)) == ["report"]
    page = client.get(f"/grids/visits/{visit.pk}/")
    assert page.status_code == 200 and case.number in page.content.decode()


def test_the_form_without_the_box_opens_no_case(client_for, users, grids):
    response = client_for(users["worker_a"]).post("/grids/visits/add/", visit_form(grids))
    assert response.status_code == 302
    assert Visit.objects.get().case is None and not Case.objects.exists()


def test_a_case_needs_its_category_and_title_and_bad_input_writes_nothing(
    client_for,
    users,
    grids,
    registers,  # noqa: F811
):
    client = client_for(users["worker_a"])
    before = snapshot()
    response = client.post("/grids/visits/add/", visit_form(grids, open_case="on"))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"case_category", "case_title"}
    # A building of B's community for a visit in grid A: refused by the form.
    response = client.post(
        "/grids/visits/add/",
        visit_form(grids, target="building", household="", building=registers["building_a"].pk),
    )
    assert response.status_code == 302  # A's building in A's grid is fine
    before = snapshot()
    response = client_for(users["admin"]).post(
        "/grids/visits/add/",
        visit_form(grids, target="building", household="", building=registers["building_b"].pk),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"building"}
    assert snapshot() == before
    # A household visit without the household.
    response = client.post("/grids/visits/add/", visit_form(grids, household=" "))
    assert response.status_code == 400 and "household" in response.context["form"].errors
    assert snapshot() == before


def test_the_api_records_a_visit_and_opens_a_case(api_for, users, grids):
    api = api_for(users["worker_a"])
    body = {
        "grid": grids["grid_a"].code,
        "visitor_member": grids["leader_a"].pk,
        "target": "household",
        "household": "天平路8弄2号301",
        "visited_on": "2026-11-30",
        "needs_found": "需要助餐服务",
        "open_case": {"category": "ENV", "title": "老人助餐"},
    }
    response = api.post("/api/v1/visits/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get()
    assert data["case"]["id"] == case.pk and data["case"]["number"] == case.number
    assert data["visitor_user"] == "worker_a" and "open_case" not in data
    assert (case.source, case.description) == (Case.Source.VISIT, "需要助餐服务")
    # A category that does not exist: 400, neither visit nor case written.
    before = snapshot()
    body["open_case"] = {"category": "NOPE", "title": "x"}
    response = api.post("/api/v1/visits/", body, format="json")
    assert response.status_code == 400
    assert "category" in response.json()["open_case"]
    assert snapshot() == before


# --- coverage ---------------------------------------------------------------------------


def coverage(client, **params):
    response = client.get("/grids/visits/coverage/", {**NOVEMBER, **params})
    assert response.status_code == 200
    return response.context


def test_coverage_figures_per_grid_and_member(client_for, users, grids, visits):
    context = coverage(client_for(users["admin"]))
    rows = {
        row["grid"].code: (
            row["grid"].visit_count,
            row["grid"].households_visited,
            row["grid"].households,
            row["household_rate"],
            row["grid"].enterprises_visited,
            row["grid"].enterprises_total,
            row["enterprise_rate"],
        )
        for row in context["rows"]
    }
    # Grid A: 6 visits in November; households 101 and 102 of 420 (0.5%); enterprise A of
    # the 2 active enterprises in its building (50%). Grid B: 1 household of 420 (0.2%),
    # its building's 1 enterprise unvisited (0%).
    assert rows == {
        "GA01": (6, 2, 420, 0.5, 1, 2, 50.0),
        "GB01": (1, 1, 420, 0.2, 0, 1, 0.0),
    }
    members = {row["name"]: (row["visits"], row["targets"]) for row in context["members"]}
    assert members == {"A网格长": (4, 3), "A网格员": (2, 2), "B网格长": (1, 1)}
    assert context["totals"] == {"visits": 7, "targets": 5, "cases": 0}
    # October alone: the one visit to household 103.
    october = coverage(client_for(users["admin"]), **{"from": "2026-10-01", "to": "2026-10-31"})
    assert {r["grid"].code: r["grid"].households_visited for r in october["rows"]} == {
        "GA01": 1,
        "GB01": 0,
    }


def test_coverage_is_scoped(client_for, users, grids, visits):
    context = coverage(client_for(users["operator_b"]))
    assert [row["grid"].code for row in context["rows"]] == ["GB01"]
    assert {row["name"] for row in context["members"]} == {"B网格长"}
    assert context["totals"]["visits"] == 1
    html = client_for(users["operator_b"]).get("/grids/visits/coverage/", NOVEMBER)
    assert "A网格长" not in html.content.decode()


def test_coverage_runs_a_fixed_number_of_queries(
    client_for, users, grids, visits, django_assert_num_queries
):
    client = client_for(users["admin"])
    coverage(client)
    with CaptureQueriesContext(connection) as first:
        coverage(client)
    for i in range(5):
        Visit.objects.create(
            grid=grids["grid_b"],
            target="household",
            household=f"武康路{i}号",
            visited_on=date(2026, 11, 9),
        )
    assert len(first) == COVERAGE_QUERIES
    with django_assert_num_queries(COVERAGE_QUERIES):
        coverage(client)


def test_coverage_service_counts_visits_once_per_target():
    assert visit_services.rate(3, 0) is None
    assert visit_services.rate(5, 4) == 100.0


# --- lists, exports, scope --------------------------------------------------------------


def ui_households(client, **params):
    response = client.get("/grids/visits/", params)
    assert response.status_code == 200
    return {row["cells"][4][0] for row in response.context["rows"]}


def test_visit_list_and_api_run_a_constant_number_of_queries(
    client_for, api_for, users, grids, visits
):
    client, api = client_for(users["admin"]), api_for(users["admin"])

    def count():
        with CaptureQueriesContext(connection) as ui:
            client.get("/grids/visits/")
        with CaptureQueriesContext(connection) as rest:
            assert api.get("/api/v1/visits/", {"limit": 100}).status_code == 200
        return len(ui), len(rest)

    count()
    few = count()
    for i in range(10):
        Visit.objects.create(
            grid=grids["grid_a"],
            visitor_member=grids["worker_a"],
            target="household",
            household=f"天平路{i}号",
            visited_on=date(2026, 11, 9),
        )
    assert count() == few == (LIST_QUERIES, API_QUERIES)


@pytest.mark.parametrize("user_key", ["operator_b", "worker_b"])
def test_b_sees_none_of_a_visits(client_for, api_for, users, grids, visits, user_key, district):
    from portal.accounts.roles import COMMUNITY_WORKER
    from tests.conftest import make_user

    user = users.get(user_key) or make_user("worker_b", COMMUNITY_WORKER, district["b1"])
    client, api = client_for(user), api_for(user)
    assert ui_households(client) == {"武康路2号"}
    assert ui_households(client, q="天平路") == set()
    response = client.get("/grids/visits/", {"export": "csv"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    exported = list(csv.reader(io.StringIO(content)))[1:]
    assert [row[4] for row in exported] == ["武康路2号"]
    assert "天平路" not in content
    api_rows = api.get("/api/v1/visits/").json()["results"]
    assert [row["household"] for row in api_rows] == ["武康路2号"]
    assert api.get("/api/v1/visits/", {"q": "天平路"}).json()["results"] == []
    assert client.get("/autocomplete/grids.visit/", {"q": "天平路"}).json()["results"] == []
    a_visit = Visit.objects.filter(grid=grids["grid_a"]).first()
    before = snapshot()
    for page in ("", "history/", "edit/", "delete/"):
        assert client.get(f"/grids/visits/{a_visit.pk}/{page}").status_code in (403, 404)
    assert client.get(f"/grids/visits/{a_visit.pk}/").status_code == 404
    assert api.get(f"/api/v1/visits/{a_visit.pk}/").status_code == 404
    response = api.patch(f"/api/v1/visits/{a_visit.pk}/", {"notes": "改"}, format="json")
    assert response.status_code == 404
    assert client.post(f"/grids/visits/{a_visit.pk}/edit/", {"notes": "改"}).status_code == 404
    # Nor can B record a visit in A's grid.
    response = api.post(
        "/api/v1/visits/",
        {
            "grid": grids["grid_a"].pk,
            "target": "household",
            "household": "x",
            "visited_on": "2026-11-30",
        },
        format="json",
    )
    assert response.status_code in (400, 403)
    assert snapshot() == before
