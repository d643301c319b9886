"""Pages of the grid register: list (filters, constant queries), detail (boundary map data,
workers with masked data, buildings, registered members, open cases by state and overdue),
edit (leader uniqueness and geometry errors on their fields, boundary file, workers), delete,
and the grid map page."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from buildings.models import Building
from grids.models import Grid
from tests.grids.conftest import make_grid_case, square
from tests.members.conftest import make_id_number, make_member
from tests.portal.pagetables import table_rows


def list_codes(client, **params):
    response = client.get("/grids/", params)
    assert response.status_code == 200
    return {row[0] for row in table_rows(response.content.decode(), "object-table") if len(row) > 1}


def test_list_filters(client_for, users, grids):
    client = client_for(users["admin"])
    assert list_codes(client) == {"GA01", "GB01"}
    assert list_codes(client, q="GB") == {"GB01"}
    assert list_codes(client, q="上海新村") == {"GA01"}
    assert list_codes(client, region_within="310104003") == {"GA01"}
    Grid.objects.filter(code="GA01").update(leader=None)
    assert list_codes(client, has_leader="false") == {"GA01"}
    assert list_codes(client, has_leader="true") == {"GB01"}


def test_list_queries_do_not_grow_with_page_size(
    client_for, users, grids, district, django_assert_num_queries
):
    Grid.objects.bulk_create(
        Grid(code=f"GX{i:03d}", name=f"网格{i}", region=district["a1"]) for i in range(30)
    )
    client = client_for(users["operator_a"])
    client.get("/grids/", {"per_page": 2})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get("/grids/", {"per_page": 2})
    with django_assert_num_queries(len(small)):
        response = client.get("/grids/", {"per_page": 31})
    assert len(table_rows(response.content.decode(), "object-table")) == 31


def test_detail_shows_the_grid_its_people_buildings_and_cases(client_for, users, grids, district):
    grid = grids["grid_a"]
    building = Building.objects.create(
        code="BA09", name="网格内大厦", address="天平路1号", region=district["a1"], grid=grid
    )
    resident = make_member(
        district["a_branch"],
        "报到党员",
        make_id_number(date(1970, 2, 2), 41),
        "13900001111",
        residential_grid=grid,
    )
    category = grids["category"]
    make_grid_case(grid, category, "C1", "reported")
    make_grid_case(grid, category, "C2", "in_progress", overdue=True)
    make_grid_case(grid, category, "C3", "in_progress")
    make_grid_case(grid, category, "C4", "closed", overdue=True)
    make_grid_case(grids["grid_b"], category, "C5", "reported", overdue=True)
    client = client_for(users["operator_a"])
    response = client.get(f"/grids/{grid.pk}/")
    assert response.status_code == 200
    context = response.context
    assert context["boundary"] == square(121.43, 31.20)
    assert context["cases"]["total"] == 3
    assert context["cases"]["overdue"] == 1
    assert dict(context["cases"]["states"])["办理中"] == 2
    assert dict(context["cases"]["states"])["已上报"] == 1
    assert [b.code for b in context["buildings"]] == ["BA09"]
    assert context["registered_count"] == 1
    assert [m.name for m in context["registered"]] == ["报到党员"]
    assert context["leader"]["name"] == "A网格长"
    assert context["leader"]["url"] == f"/members/{grids['leader_a'].pk}/"
    assert [w["name"] for w in context["workers"]] == ["A网格员"]
    html = response.content.decode()
    assert building.name in html and "报到党员" in html
    assert "13900001111" not in html and "139****1111" in html  # masked only
    assert resident.id_number_masked not in html or "*" in resident.id_number_masked
    assert 'id="grid-boundary"' in html and "leaflet.js" in html


def grid_form(grid=None, **overrides):
    data = {
        "code": "GA02",
        "name": "上海新村第二网格",
        "region": "",
        "households": "300",
        "population": "800",
        "leader": "",
        "boundary": json.dumps(square(121.44, 31.21)),
        "note": "",
    }
    data.update(overrides)
    return data


def test_edit_form_errors_name_their_fields(client_for, users, grids, district):
    client = client_for(users["operator_a"])
    a1 = district["a1"].pk
    cases = [
        (
            grid_form(region=a1, leader=grids["leader_a"].pk),
            "leader",
            "已是“上海新村第一网格”的网格长",
        ),
        (grid_form(region=a1, boundary='{"type": "Polygon"'), "boundary", "JSON"),
        (
            grid_form(
                region=a1,
                boundary=json.dumps({"type": "Polygon", "coordinates": [[[1, 1], [2, 2], [1, 1]]]}),
            ),
            "boundary",
            "至少需要4个坐标点",
        ),
        (grid_form(region=district["a"].pk), "region", ""),
        (grid_form(region=a1, leader=grids["leader_b"].pk), "leader", ""),
        (grid_form(region=a1, workers=[grids["worker_b"].pk]), "workers", ""),
    ]
    for data, field, message in cases:
        response = client.post("/grids/add/", data)
        assert response.status_code == 400, field
        errors = response.context["form"].errors
        assert set(errors) == {field}, errors
        assert message in " ".join(errors[field])
        assert f'data-field="{field}"' in response.content.decode()
    assert not Grid.objects.filter(code="GA02").exists()


def test_edit_saves_workers_and_a_boundary_file(client_for, users, grids, district):
    client = client_for(users["operator_a"])
    grid = grids["grid_a"]
    upload = SimpleUploadedFile(
        "b.geojson",
        json.dumps(
            {"type": "Feature", "geometry": square(121.431, 31.201), "properties": {}}
        ).encode(),
    )
    data = grid_form(
        code="GA01",
        name="改名网格",
        region=district["a1"].pk,
        leader=grids["leader_a"].pk,
        workers=[grids["worker_a"].pk, grids["leader_a"].pk],
        boundary="",
        boundary_file=upload,
    )
    response = client.post(f"/grids/{grid.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    grid.refresh_from_db()
    assert grid.name == "改名网格"
    assert grid.boundary == square(121.431, 31.201)
    assert grid.min_lng == 121.431
    assert set(grid.workers.all()) == {grids["worker_a"], grids["leader_a"]}
    bad = SimpleUploadedFile("b.geojson", b"not json")
    response = client.post(f"/grids/{grid.pk}/edit/", {**data, "boundary_file": bad})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"boundary_file"}


def test_delete(client_for, users, grids):
    client = client_for(users["operator_a"])
    grid = grids["grid_a"]
    make_grid_case(grid, grids["category"], "C1")
    response = client.post(f"/grids/{grid.pk}/delete/")
    assert response.status_code == 302
    assert Grid.objects.filter(pk=grid.pk).exists()  # a grid with cases is kept
    grid.cases.all().delete()
    response = client.post(f"/grids/{grid.pk}/delete/")
    assert response.status_code == 302
    assert not Grid.objects.filter(pk=grid.pk).exists()


def test_history_tab(client_for, users, grids):
    client = client_for(users["operator_a"])
    response = client.get(f"/grids/{grids['grid_a'].pk}/history/")
    assert response.status_code == 200


@pytest.mark.parametrize(("user_key", "region"), [("admin", ""), ("operator_a", "310104003001")])
def test_map_page(client_for, users, grids, user_key, region):
    client = client_for(users[user_key])
    response = client.get("/grids/map/", {"region": region} if region else {})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="grid-map"' in html and "grid-map.js" in html
    assert "tile" not in html.lower()
    expected = "/api/v1/grids/map/" + (f"?region={region}" if region else "")
    assert response.context["data_url"] == expected
