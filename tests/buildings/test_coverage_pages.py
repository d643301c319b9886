"""The coverage report, its should-found export, the building map and its JSON: figures of
the hand-built fixture, scope (street B never sees A), the refresh button, query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from buildings import coverage
from buildings.models import Building, EnterpriseFacts
from portal.models import Region

pytestmark = pytest.mark.django_db

REPORT = reverse("coverage:report")
EXPORT = reverse("coverage:should_found_export")
MAP = reverse("coverage:map")
MAP_DATA = reverse("coverage:map_data")
A_NAMES = ("天平", "上海新村")


@pytest.fixture
def refreshed(coverage_world):
    coverage.refresh()
    return coverage_world


def text(response):
    return response.content.decode("utf-8")


def row_figures(response):
    """Per table row: (name, summary figures)."""
    return {
        row["name"]: (
            row["summary"].enterprises,
            row["summary"].with_organization,
            row["summary"].organization_rate,
            row["summary"].work_rate,
        )
        for row in response.context["rows"]
    }


def test_district_report_lists_every_street_with_its_figures(client_for, users, refreshed):
    response = client_for(users["admin"]).get(REPORT)
    assert response.status_code == 200
    # street A: 4 enterprises, 1 organised (25.0%), 3 work covered (75.0%);
    # street B: 2 enterprises, 1 organised (50.0%), 1 work covered (50.0%).
    assert row_figures(response) == {
        "天平路街道": (4, 1, 25.0, 75.0),
        "湖南路街道": (2, 1, 50.0, 50.0),
    }
    page = text(response)
    assert "数据更新于" in page
    assert "33.3%" in page and "66.7%" in page  # the district's two rates (2/6, 4/6)
    assert 'data-testid="coverage-refresh"' in page
    assert response.context["chart"]["organization"] == [25.0, 50.0]
    assert response.context["chart"]["work"] == [75.0, 50.0]
    assert '<script id="coverage-chart-data"' in page
    should_found = [f.enterprise.name for f in response.context["page"].object_list]
    # both have 3 full members; then by name
    assert should_found == ["天平公益服务社", "湖南外贸有限公司"]
    charity = refreshed["enterprises"]["charity"]
    assert f'href="{charity.get_absolute_url()}"' in page
    assert charity.uscc in page


def test_drill_down_to_communities_and_buildings(client_for, users, refreshed):
    client = client_for(users["admin"])
    street = client.get(REPORT, {"region": "310104003"})
    assert row_figures(street) == {"上海新村居委会": (3, 1, 33.3, 100.0)}
    assert [f.enterprise.name for f in street.context["page"].object_list] == ["天平公益服务社"]
    community = client.get(REPORT, {"region": "310104003001"})
    # 天平大厦: 2 enterprises, 1 organised, both work covered; 天平中心: 1, none, 1 covered.
    assert row_figures(community) == {
        "天平大厦": (2, 1, 50.0, 100.0),
        "天平中心": (1, 0, 0.0, 100.0),
    }
    assert client.get(REPORT, {"region": "999999999"}).status_code == 404


def test_street_operator_sees_only_their_street(client_for, users, refreshed, district):
    client = client_for(users["operator_b"])
    response = client.get(REPORT)
    assert response.status_code == 200
    assert response.context["region"] == district["b"]
    assert row_figures(response) == {"武康居委会": (2, 1, 50.0, 50.0)}
    page = text(response)
    for name in A_NAMES:
        assert name not in page
    assert [f.enterprise.name for f in response.context["page"].object_list] == ["湖南外贸有限公司"]
    # b1 has two two-new organisations and no full-time worker of its own: flagged.
    assert 'data-testid="understaffed"' in page
    # no refresh for a street, and the POST is refused
    assert 'data-testid="coverage-refresh"' not in page
    assert client.post(reverse("coverage:refresh")).status_code == 403
    # A's street, A's community and the district: 404
    for code in ("310104003", "310104003001", "310104"):
        assert client.get(REPORT, {"region": code}).status_code == 404
        assert client.get(EXPORT, {"region": code}).status_code == 404
        assert client.get(MAP_DATA, {"region": code}).status_code == 404


def test_should_found_export_is_scoped(client_for, users, refreshed):
    admin = client_for(users["admin"]).get(EXPORT)
    assert admin.status_code == 200
    assert admin["Content-Type"].startswith("text/csv")
    lines = b"".join(admin.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("名称,统一社会信用代码,类型,所在区划,所在楼宇,正式党员")
    charity, trade = refreshed["enterprises"]["charity"], refreshed["enterprises"]["trade"]
    assert lines[1:] == [
        f"天平公益服务社,{charity.uscc},社会团体,上海新村居委会,天平中心,3,0,否",
        f"湖南外贸有限公司,{trade.uscc},外资企业,武康居委会,湖南大厦,3,0,是",
    ]
    street_b = client_for(users["operator_b"]).get(EXPORT)
    body = b"".join(street_b.streaming_content).decode("utf-8-sig")
    assert trade.uscc in body
    assert charity.uscc not in body
    assert "天平" not in body


def test_refresh_button_recomputes(client_for, users, coverage_world):
    client = client_for(users["admin"])
    before = client.get(REPORT)
    assert before.context["total"] is None
    assert "尚未统计" in text(before)
    response = client.post(reverse("coverage:refresh"), {"region": "310104003"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{REPORT}?region=310104003"
    assert "覆盖统计已刷新" in text(response)
    assert EnterpriseFacts.objects.count() == 6
    assert response.context["total"].enterprises == 4


def test_community_worker_sees_their_community(client_for, users, refreshed):
    response = client_for(users["worker_a"]).get(REPORT)
    assert response.status_code == 200
    assert set(row_figures(response)) == {"天平大厦", "天平中心"}
    assert "湖南" not in text(response)
    assert 'data-testid="coverage-refresh"' not in text(response)


def test_map_json_is_compact_and_scoped(client_for, users, refreshed):
    buildings = refreshed["buildings"]
    data = client_for(users["admin"]).get(MAP_DATA).json()
    # 天平中心 has no coordinates: not on the map.
    assert data["buildings"] == [
        {
            "id": buildings["b1"].pk,
            "name": "天平大厦",
            "lat": 31.2,
            "lng": 121.44,
            "enterprises": 2,
            "organization_rate": 50.0,
            "work_rate": 100.0,
        },
        {
            "id": buildings["b3"].pk,
            "name": "湖南大厦",
            "lat": 31.21,
            "lng": 121.45,
            "enterprises": 2,
            "organization_rate": 50.0,
            "work_rate": 50.0,
        },
    ]
    assert data["detail_url"].replace("{id}", str(buildings["b1"].pk)) == (
        buildings["b1"].get_absolute_url()
    )
    admin_a = client_for(users["admin"]).get(MAP_DATA, {"region": "310104003"}).json()
    assert [b["name"] for b in admin_a["buildings"]] == ["天平大厦"]
    street_b = client_for(users["operator_b"]).get(MAP_DATA).json()
    assert [b["name"] for b in street_b["buildings"]] == ["湖南大厦"]


def test_map_page(client_for, users, refreshed):
    response = client_for(users["operator_b"]).get(MAP)
    assert response.status_code == 200
    page = text(response)
    assert f'data-url="{MAP_DATA}?region=310104004"' in page
    assert "vendor/leaflet/leaflet.js" in page
    assert "天平" not in page  # A's street is not among the choices
    assert client_for(users["operator_b"]).get(MAP, {"region": "310104003"}).status_code == 404


def test_a_building_without_facts_is_grey(client_for, users, coverage_world):
    """Before any refresh a building has no summary: zero enterprises, no rates."""
    data = client_for(users["admin"]).get(MAP_DATA).json()
    assert {(b["enterprises"], b["organization_rate"]) for b in data["buildings"]} == {(0, None)}


# session, user, the user's roles (UI sign-in check), their permissions, scope region, the
# summary total, the child rows, the should-found count and page (the district has no
# ancestors to query for the breadcrumb)
REPORT_QUERIES = 9
# session, user, roles, permissions, scope region, the buildings with their summaries
MAP_DATA_QUERIES = 6


@pytest.mark.parametrize("extra_streets", [0, 5])
def test_report_query_count_is_constant(
    client_for, users, coverage_world, district, django_assert_num_queries, extra_streets
):
    for i in range(extra_streets):
        Region.objects.create(
            code=f"31010409{i}",
            name=f"测试街道{i}",
            level=Region.Level.STREET,
            parent=district["district"],
        )
    coverage.refresh()
    client = client_for(users["admin"])
    with django_assert_num_queries(REPORT_QUERIES):
        response = client.get(REPORT)
    assert len(response.context["rows"]) == 2 + extra_streets


@pytest.mark.parametrize("extra_buildings", [0, 5])
def test_map_data_query_count_is_constant(
    client_for, users, coverage_world, district, django_assert_num_queries, extra_buildings
):
    Building.objects.bulk_create(
        Building(
            code=f"CX{i:02d}",
            name=f"测试楼{i}",
            address="测试路",
            region=district["b1"],
            latitude=Decimal("31.15"),
            longitude=Decimal("121.42"),
        )
        for i in range(extra_buildings)
    )
    coverage.refresh()
    client = client_for(users["admin"])
    with django_assert_num_queries(MAP_DATA_QUERIES):
        data = client.get(MAP_DATA).json()
    assert len(data["buildings"]) == 2 + extra_buildings
