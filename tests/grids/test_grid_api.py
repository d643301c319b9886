"""The grid register's API (/api/v1/grids/): filters, upsert by grid code with leader and
workers as member ids, cursor sync, constant query counts, leader uniqueness; and the map
data (/api/v1/grids/map/): per-grid open and overdue case counts equal to hand-made cases,
coordinates rounded, region and bbox filters, two queries whatever the number of grids."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grids.models import Case, Grid
from tests.grids.conftest import make_grid_case, square
from tests.members.conftest import make_id_number, make_member


def codes(response):
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def new_grid(district, **overrides):
    body = {
        "code": "GA02",
        "name": "上海新村第二网格",
        "region": district["a1"].code,
        "boundary": square(121.44, 31.21),
        "households": 300,
        "population": 800,
    }
    body.update(overrides)
    return body


def test_list_filters(api_for, users, grids, district):
    api = api_for(users["admin"])
    assert codes(api.get("/api/v1/grids/")) == {"GA01", "GB01"}
    assert codes(api.get("/api/v1/grids/", {"region_within": "310104004"})) == {"GB01"}
    assert codes(api.get("/api/v1/grids/", {"q": "GA"})) == {"GA01"}
    assert codes(api.get("/api/v1/grids/", {"q": "武康"})) == {"GB01"}
    Grid.objects.filter(code="GB01").update(leader=None)
    assert codes(api.get("/api/v1/grids/", {"has_leader": "true"})) == {"GA01"}
    assert codes(api.get("/api/v1/grids/", {"has_leader": "false"})) == {"GB01"}
    assert codes(api.get("/api/v1/grids/", {"worker": grids["worker_b"].pk})) == {"GB01"}
    # grid_a covers 121.430-121.435, grid_b 121.440-121.445 (lng), 31.200-31.205 (lat).
    assert codes(api.get("/api/v1/grids/", {"bbox": "121.42,31.19,121.436,31.21"})) == {"GA01"}
    assert codes(api.get("/api/v1/grids/", {"bbox": "1,2,3"})) == set()
    row = api.get(f"/api/v1/grids/{grids['grid_a'].pk}/").json()
    assert row["leader"] == grids["leader_a"].pk
    assert row["workers"] == [grids["worker_a"].pk]
    assert row["region"]["code"] == "310104003001"
    assert row["boundary"] == square(121.43, 31.20)
    assert row["min_lng"] == 121.43 and row["max_lat"] == pytest.approx(31.205)


def test_upsert_creates_then_updates_by_code(api_for, users, grids, district):
    api = api_for(users["operator_a"])
    extra = make_member(district["a_branch"], "新网格员", make_id_number(date(1980, 1, 1), 31))
    body = new_grid(district, leader=extra.pk, workers=[grids["worker_a"].pk, str(extra.pk)])
    response = api.post("/api/v1/grids/upsert/", body, format="json")
    assert response.status_code == 201, response.content
    grid = Grid.objects.get(code="GA02")
    assert grid.leader == extra
    assert set(grid.workers.values_list("pk", flat=True)) == {grids["worker_a"].pk, extra.pk}
    assert (grid.min_lng, grid.center_lat) == (121.44, pytest.approx(31.2125))
    # The same code again updates the row (no second grid); workers are replaced.
    body.update(name="改名", workers=[], population=900)
    response = api.post("/api/v1/grids/upsert/", body, format="json")
    assert response.status_code == 200, response.content
    grid.refresh_from_db()
    assert (grid.name, grid.population, list(grid.workers.all())) == ("改名", 900, [])
    assert Grid.objects.filter(code="GA02").count() == 1


def test_upsert_refuses_members_and_regions_out_of_scope(api_for, users, grids, district):
    api = api_for(users["operator_a"])
    before = sorted(Grid.objects.values_list("code", "name", "leader_id"))
    for body, field in (
        (new_grid(district, leader=grids["leader_b"].pk), "leader"),
        (new_grid(district, workers=[grids["worker_b"].pk]), "workers"),
        (new_grid(district, workers=[987654321]), "workers"),
        (new_grid(district, region=district["b1"].code), "region"),
        (
            new_grid(district, boundary={"type": "Polygon", "coordinates": [[[1, 1], [2, 2]]]}),
            "boundary",
        ),
    ):
        response = api.post("/api/v1/grids/upsert/", body, format="json")
        assert response.status_code == 400, response.content
        assert set(response.json()) == {field}, response.json()
    # B's code: not found in A's scope, and not A's to take.
    response = api.post("/api/v1/grids/upsert/", new_grid(district, code="GB01"), format="json")
    assert response.status_code == 400
    assert sorted(Grid.objects.values_list("code", "name", "leader_id")) == before


def test_a_member_leads_one_grid(api_for, users, grids, district):
    api = api_for(users["operator_a"])
    response = api.post(
        "/api/v1/grids/", new_grid(district, leader=grids["leader_a"].pk), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"leader": ["该党员已是“上海新村第一网格”的网格长。"]}
    assert not Grid.objects.filter(code="GA02").exists()


def test_keeping_an_out_of_scope_worker_is_not_a_move(api_for, users, grids, district):
    grid = grids["grid_a"]
    grid.workers.add(grids["worker_b"])  # linked by the district, say
    api = api_for(users["operator_a"])
    response = api.patch(
        f"/api/v1/grids/{grid.pk}/",
        {"workers": [grids["worker_a"].pk, grids["worker_b"].pk], "households": 430},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert grid.workers.count() == 2


def test_cursor_sync_walks_every_grid_once(api_for, users, grids, district):
    make_many(district, 5)
    api = api_for(users["sync_a"])
    seen, url = [], "/api/v1/grids/"
    params = {"updated_after": "2000-01-01T00:00:00Z", "sync": "1", "limit": 2}
    while url:
        body = api.get(url, params).json()
        seen += [row["code"] for row in body["results"]]
        url, params = body["next"], None
    assert sorted(seen) == sorted(["GA01", *[f"GX{i:03d}" for i in range(5)]])


def make_many(district, count, workers=None):
    grids = Grid.objects.bulk_create(
        Grid(
            code=f"GX{i:03d}",
            name=f"批量网格{i}",
            region=district["a1"],
            boundary=square(121.40 + i * 0.001, 31.15),
            min_lng=121.40 + i * 0.001,
            min_lat=31.15,
            max_lng=121.405 + i * 0.001,
            max_lat=31.155,
        )
        for i in range(count)
    )
    if workers:
        through = Grid.workers.through
        through.objects.bulk_create(
            through(grid_id=grid.pk, member_id=member.pk) for grid in grids for member in workers
        )
    return grids


def count_queries(api, url, params):
    """The queries of a request, after one unmeasured request (the token's first use of
    the day writes its last-used date)."""
    api.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries), response


def test_list_queries_do_not_grow_with_page_size(api_for, users, grids, district):
    api = api_for(users["operator_a"])
    make_many(district, 30, workers=[grids["worker_a"], grids["leader_a"]])
    small, response = count_queries(api, "/api/v1/grids/", {"limit": 2})
    assert len(response.json()["results"]) == 2
    large, response = count_queries(api, "/api/v1/grids/", {"limit": 31})
    assert len(response.json()["results"]) == 31
    workers = response.json()["results"][-1]["workers"]
    assert sorted(workers) == sorted([grids["worker_a"].pk, grids["leader_a"].pk])
    assert small == large
    cursor_small, _r = count_queries(api, "/api/v1/grids/", {"sync": "1", "limit": 2})
    cursor_large, _r = count_queries(api, "/api/v1/grids/", {"sync": "1", "limit": 31})
    assert cursor_small == cursor_large


# --- the map data ------------------------------------------------------------------------


def map_features(api, **params):
    response = api.get("/api/v1/grids/map/", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return {f["properties"]["code"]: f for f in body["features"]}, body


def test_map_counts_equal_the_hand_made_cases(api_for, users, grids, district):
    category = grids["category"]
    a, b = grids["grid_a"], grids["grid_b"]
    # A: 3 open (1 overdue), 1 closed overdue-flagged (not open: not counted), 1 rejected.
    make_grid_case(a, category, "C1", "reported")
    make_grid_case(a, category, "C2", "in_progress", overdue=True)
    make_grid_case(a, category, "C3", "verified")
    make_grid_case(a, category, "C4", "closed", overdue=True)
    make_grid_case(a, category, "C5", "rejected")
    # B: 2 open, both overdue.
    make_grid_case(b, category, "C6", "dispatched", overdue=True)
    make_grid_case(b, category, "C7", "resolved", overdue=True)
    features, body = map_features(api_for(users["admin"]))
    assert {
        code: (f["properties"]["open"], f["properties"]["overdue"]) for code, f in features.items()
    } == {
        "GA01": (3, 1),
        "GB01": (2, 2),
    }
    assert body["detail_url"] == "/grids/{id}/"
    assert features["GA01"]["id"] == a.pk
    # Street A's operator sees A's grid only, with the same figures.
    features, _body = map_features(api_for(users["operator_a"]))
    assert {code: f["properties"]["overdue"] for code, f in features.items()} == {"GA01": 1}
    features, _body = map_features(api_for(users["admin"]), region="310104004")
    assert set(features) == {"GB01"}
    # A grid without open cases reads 0 and 0.
    Case.objects.filter(grid=b).update(state="closed")
    features, _body = map_features(api_for(users["admin"]))
    assert (features["GB01"]["properties"]["open"], features["GB01"]["properties"]["overdue"]) == (
        0,
        0,
    )


def test_map_rounds_coordinates_and_filters(api_for, users, grids, district):
    grid = grids["grid_a"]
    ring = [
        [121.4300004999, 31.2000001],
        [121.4351234567, 31.2000001],
        [121.435, 31.205],
        [121.4300004999, 31.2000001],
    ]
    grid.boundary = {"type": "Polygon", "coordinates": [ring]}
    grid.full_clean()
    grid.save()
    api = api_for(users["admin"])
    features, _body = map_features(api)
    assert features["GA01"]["geometry"]["coordinates"][0][:2] == [
        [121.43, 31.2],
        [121.435123, 31.2],
    ]
    assert set(map_features(api, bbox="121.439,31.19,121.45,31.21")[0]) == {"GB01"}
    assert set(map_features(api, region="310104003001")[0]) == {"GA01"}
    assert set(map_features(api, region="999")[0]) == set()
    # A grid without a boundary is not drawn.
    Grid.objects.filter(pk=grid.pk).update(boundary=None)
    assert set(map_features(api)[0]) == {"GB01"}


def test_map_runs_the_same_queries_for_2_or_32_grids(api_for, users, grids, district):
    api = api_for(users["admin"])
    make_grid_case(grids["grid_a"], grids["category"], "C1")
    small, _r = count_queries(api, "/api/v1/grids/map/", {})
    make_many(district, 30)
    large, response = count_queries(api, "/api/v1/grids/map/", {})
    assert len(response.json()["features"]) == 32
    assert small == large


def test_map_of_a_community_worker_is_their_community(api_for, users, grids):
    features, _body = map_features(api_for(users["worker_a"]))
    assert set(features) == {"GA01"}


def test_map_is_gzipped_for_clients_that_accept_it(api_for, users, grids):
    import gzip

    api = api_for(users["admin"])
    plain = api.get("/api/v1/grids/map/").content
    response = api.get("/api/v1/grids/map/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == plain
    assert json.loads(plain)["features"][0]["geometry"] == square(121.43, 31.20)
