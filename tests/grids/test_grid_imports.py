"""Import and export of the grid register (issue 5 point 1): a GeoJSON FeatureCollection or
a CSV/XLSX file, validated whole, every bad feature reported by index, code and field, written
all or nothing, upserted by grid code (re-running changes nothing); exports (CSV, XLSX,
GeoJSON) import back unchanged."""

import csv
import io
import json

import openpyxl
import pytest
from django.db import connection

from grids.models import Grid
from portal import imports
from portal.models import ImportJob
from tests.grids.conftest import square


def spec():
    return imports.get_spec("grids.grid")


def snapshot():
    """Every stored column of every grid and its workers, and the audit event count."""
    fields = [f.attname for f in Grid._meta.concrete_fields if f.name != "updated_at"]
    rows = sorted(Grid.objects.values_list(*fields))
    workers = sorted(Grid.workers.through.objects.values_list("grid_id", "member_id"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM grids_gridevent")
        events = cursor.fetchone()[0]
    return rows, workers, events


def feature(code, geometry, **properties):
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, **properties},
    }


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


@pytest.fixture
def geojson(grids, district):
    """A new grid of a1 (led by A's worker, by member id) and an update of GA01."""
    return collection(
        feature(
            "GA02",
            square(121.436, 31.20),
            name="上海新村第二网格",
            community="310104003001",
            households=380,
            population=990,
            leader=grids["worker_a"].pk,
        ),
        feature(
            "GA01",
            square(121.43, 31.20),
            name="上海新村第一网格（调整）",
            community="310104003001",
            households=421,
            population=1100,
            leader=grids["leader_a"].pk,
        ),
    )


def test_a_feature_collection_upserts_by_code(users, grids, geojson):
    result = spec().run(geojson, "grids.geojson", users["operator_a"])
    assert result.errors == []
    assert (result.total, result.created, result.updated, result.unchanged) == (2, 1, 1, 0)
    new = Grid.objects.get(code="GA02")
    assert (new.name, new.households, new.leader) == ("上海新村第二网格", 380, grids["worker_a"])
    assert new.boundary == square(121.436, 31.20)
    # What save() keeps from the boundary, bulk writes keep too.
    assert (new.min_lng, new.min_lat, new.max_lng, new.max_lat) == pytest.approx(
        (121.436, 31.20, 121.441, 31.205)
    )
    assert (new.center_lng, new.center_lat) == pytest.approx((121.4385, 31.2025))
    old = Grid.objects.get(code="GA01")
    assert (old.name, old.households) == ("上海新村第一网格（调整）", 421)
    # The same file again changes nothing: no write, no audit event.
    before = snapshot()
    result = spec().run(geojson, "grids.geojson", users["operator_a"])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert snapshot() == before


def test_bad_features_are_each_reported_and_nothing_is_written(users, grids, district):
    before = snapshot()
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[121.43, 31.2], [121.44, 31.21], [121.44, 31.2], [121.43, 31.21], [121.43, 31.2]]
        ],
    }
    unclosed = {
        "type": "Polygon",
        "coordinates": [[[121.43, 31.2], [121.44, 31.2], [121.44, 31.21], [121.43, 31.21]]],
    }
    content = collection(
        feature("GA03", square(121.45, 31.2), name="好网格", community="310104003001"),
        feature("GA04", bowtie, name="自相交", community="310104003001"),
        feature("GA05", unclosed, name="未闭合", community="310104003001"),
        feature(
            "GA06",
            {"type": "Point", "coordinates": [121.43, 31.2]},
            name="点",
            community="310104003001",
        ),
        feature("GA07", square(121.46, 31.2), name="B的社区", community="310104004001"),
        feature("GA08", square(121.47, 31.2), name="街道", community="310104003"),
        feature(
            "GA09", square(121.48, 31.2), name="户数", community="310104003001", households="很多"
        ),
    )
    result = spec().run(content, "grids.geojson", users["operator_a"])
    errors = {(e.row, e.column): e.message for e in result.errors}
    assert set(errors) == {
        (1, "geometry（边界）"),
        (2, "geometry（边界）"),
        (3, "geometry（边界）"),
        (4, "所在社区代码"),
        (5, "所在社区代码"),
        (6, "户数"),
    }
    assert errors[(1, "geometry（边界）")] == (
        "要素 features[1]（编码 GA04）：第1个多边形第1个环：边界自相交。"
    )
    assert "features[2]（编码 GA05）" in errors[(2, "geometry（边界）")]
    assert "环未闭合" in errors[(2, "geometry（边界）")]
    assert "Polygon 或 MultiPolygon" in errors[(3, "geometry（边界）")]
    assert "不在您的管辖范围内" in errors[(4, "所在社区代码")]
    assert "居民区/村" in errors[(5, "所在社区代码")]
    assert snapshot() == before
    assert not Grid.objects.filter(code="GA03").exists()


def test_leaders_by_member_id_in_scope_once(users, grids, district):
    before = snapshot()
    content = collection(
        feature(
            "GA02",
            square(121.436, 31.2),
            name="二",
            community="310104003001",
            leader=grids["worker_a"].pk,
        ),
        feature(
            "GA03",
            square(121.446, 31.2),
            name="三",
            community="310104003001",
            leader=grids["worker_a"].pk,
        ),
        feature(
            "GA04",
            square(121.456, 31.2),
            name="四",
            community="310104003001",
            leader=grids["leader_b"].pk,
        ),
        feature(
            "GA05",
            square(121.466, 31.2),
            name="五",
            community="310104003001",
            leader="11010519491231002X",
        ),
        feature(
            "GA06",
            square(121.476, 31.2),
            name="六",
            community="310104003001",
            leader=grids["leader_a"].pk,
        ),
    )
    result = spec().run(content, "grids.geojson", users["operator_a"])
    errors = {e.row: e.message for e in result.errors}
    assert set(errors) == {1, 2, 3, 4}
    assert "第 2 行网格的网格长" in errors[1]
    assert "不存在或不在您的管辖范围内" in errors[2]
    assert "不要填写身份证号" in errors[3]
    assert errors[4].endswith("该党员已是“上海新村第一网格”的网格长。")
    assert all(e.column == "网格长（党员编号）" for e in result.errors)
    assert snapshot() == before


def test_a_file_without_leaders_leaves_them_alone(users, grids):
    content = collection(
        feature("GA01", square(121.43, 31.20), name="上海新村第一网格", community="310104003001")
    )
    result = spec().run(content, "grids.geojson", users["operator_a"])
    assert result.errors == []
    assert Grid.objects.get(code="GA01").leader == grids["leader_a"]


def test_b_codes_are_not_a_to_take(users, grids):
    before = snapshot()
    content = collection(
        feature("GB01", square(121.43, 31.20), name="抢占", community="310104003001")
    )
    result = spec().run(content, "grids.geojson", users["operator_a"])
    assert [(e.row, e.column) for e in result.errors] == [(0, "网格编码")]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "JSON 格式错误"),
        (b'{"type": "Feature", "geometry": null}', "FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "没有要素"),
    ],
)
def test_unreadable_geojson_is_a_file_error(users, grids, content, message):
    with pytest.raises(imports.ImportFileError, match=message):
        spec().run(content, "grids.geojson", users["operator_a"])


def test_upload_through_the_import_page(
    client_for, users, grids, geojson, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(users["operator_a"])
    upload = SimpleUploadedFile("grids.geojson", geojson, "application/geo+json")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/grids/import/", {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.created, job.updated) == (ImportJob.Status.DONE, 1, 1)
    assert Grid.objects.filter(code="GA02").exists()
    # A worker may not import grids.
    client = client_for(users["worker_a"])
    assert client.get("/grids/import/").status_code == 403


# --- exports and round trips --------------------------------------------------------------


def download(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_csv_export_imports_back_unchanged(client_for, users, grids, geojson):
    spec().run(geojson, "grids.geojson", users["operator_a"])
    client = client_for(users["operator_a"])
    content = download(client, "/grids/", {"export": "csv"})
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["网格编码", "网格名称", "所在社区代码"]
    assert "边界（GeoJSON）" in rows[0] and "网格长（党员编号）" in rows[0]
    assert sorted(row[0] for row in rows[1:]) == ["GA01", "GA02"]  # A's only
    before = snapshot()
    result = spec().run(content, "grids.csv", users["operator_a"])
    assert (result.errors, result.unchanged) == ([], 2)
    assert snapshot() == before
    # An edited cell is an update of that grid only.
    edited = content.decode("utf-8-sig").replace("上海新村第二网格", "上海新村二网格")
    result = spec().run(edited.encode(), "grids.csv", users["operator_a"])
    assert (result.errors, result.updated, result.unchanged) == ([], 1, 1)


def test_xlsx_export_imports_back_unchanged(client_for, users, grids):
    client = client_for(users["operator_a"])
    content = download(client, "/grids/", {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["网格编码", "GA01"]
    before = snapshot()
    result = spec().run(content, "grids.xlsx", users["operator_a"])
    assert (result.errors, result.unchanged) == ([], 1)
    assert snapshot() == before


def test_geojson_export_is_scoped_and_imports_back_unchanged(client_for, users, grids):
    client = client_for(users["operator_a"])
    content = download(client, "/grids/export.geojson", {})
    data = json.loads(content)
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in data["features"]] == ["GA01"]
    props = data["features"][0]["properties"]
    assert props == {
        "code": "GA01",
        "name": "上海新村第一网格",
        "community": "310104003001",
        "households": 420,
        "population": 1100,
        "leader": grids["leader_a"].pk,
        "note": "",
    }
    assert data["features"][0]["geometry"] == square(121.43, 31.20)
    before = snapshot()
    result = spec().run(content, "grids.geojson", users["operator_a"])
    assert (result.errors, result.unchanged) == ([], 1)
    assert snapshot() == before
    # The list's filters apply to the GeoJSON export too.
    client = client_for(users["admin"])
    data = json.loads(download(client, "/grids/export.geojson", {"region_within": "310104004"}))
    assert [f["properties"]["code"] for f in data["features"]] == ["GB01"]
