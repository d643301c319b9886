"""Pages of the enterprise register and the building and park register (issue 4, point 4):
lists with their filters, figures and exports; the building detail (floors and tenants,
Party organisations, members working there, coverage); the enterprise detail (organisation,
members, tenancy history, facts, USCC exception); park and service site pages; the
navigation; constant query counts.

Fixtures: ``registers`` (a park, building, enterprise and 金领驿站 per street) and ``tower``
(徐汇云塔 in street A with six tenants, see tests/buildings/conftest.py).
"""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from buildings.models import Enterprise, EnterpriseFacts
from portal.search import name_grams
from tests.buildings.conftest import corrupt_check, make_enterprise, make_uscc
from tests.members.conftest import make_id_number, make_member
from tests.portal.pagetables import table_rows

#: Pinned query counts. Lists: session, user, groups, permissions, scope region, capped
#: count, page. Details: the same first five, the object, one scope check per linked field
#: (region, park; building, organisation), then the page's own reads.
PINNED = {
    "/parks/": 7,
    "/buildings/": 7,
    "/enterprises/": 7,
    "/service-sites/": 7,
    "/tenancies/": 7,
    # + tenants; building's and tenants' organisations; service sites; members count, page
    "building detail": 14,
    # + tenancies; members count and page
    "enterprise detail": 12,
}


def count_queries(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.content[:500])
    return len(queries)


def list_rows(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    rows = table_rows(response.content, "object-table")
    return [row for row in rows if len(row) > 1]


def csv_rows(client, url, **params):
    response = client.get(url, {**params, "export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


# --- enterprise list ----------------------------------------------------------------------


def test_enterprise_list_shows_organisation_form_members_and_should_found(client_for, users, tower):
    client = client_for(users["admin"])
    rows = list_rows(client, "/enterprises/", q="云塔", sort="name")
    figures = {row[1]: row[-3:] for row in rows}
    assert figures == {
        "云塔数据有限公司": ["单独建立", "3", "否"],
        "云塔物流有限公司": ["联合建立", "1", "否"],
        "云塔设计有限公司": ["联合建立", "—", "—"],
        "云塔餐饮有限公司": ["未建立", "—", "—"],
        "云塔仓储有限公司": ["未建立", "—", "—"],
        "云塔咨询有限公司": ["未建立", "3", "是"],
        "云塔旧户有限公司": ["未建立", "—", "—"],
    }
    data = next(row for row in rows if row[1] == "云塔数据有限公司")
    assert data[0] == tower["data"].uscc
    assert data[4:8] == ["上海新村居委会", "徐汇云塔", "30", "存续"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"organization_kind": "joint"}, {"云塔物流有限公司", "云塔设计有限公司"}),
        ({"organization_kind": "own"}, {"云塔数据有限公司"}),
        ({"should_found": "true"}, {"云塔咨询有限公司"}),
        ({"has_members": "true"}, {"云塔数据有限公司", "云塔物流有限公司", "云塔咨询有限公司"}),
        ({"status": "moved_out"}, {"云塔旧户有限公司"}),
        ({"q": "物流"}, {"云塔物流有限公司"}),
        ({"q": "云塔咨询"}, {"云塔咨询有限公司"}),
        ({"kind": "state"}, set()),
        ({"industry": "I", "q": "餐饮"}, {"云塔餐饮有限公司"}),
        ({"region_within": "310104004"}, {"湖南路科技有限公司"}),
    ],
)
def test_enterprise_list_filters(client_for, users, tower, params, expected):
    client = client_for(users["admin"])
    assert {row[1] for row in list_rows(client, "/enterprises/", **params)} == expected


def test_enterprise_list_finds_by_uscc_park_and_building(client_for, users, tower, registers):
    client = client_for(users["admin"])
    code = tower["data"].uscc
    assert [row[1] for row in list_rows(client, "/enterprises/", q=code)] == ["云塔数据有限公司"]
    assert [row[1] for row in list_rows(client, "/enterprises/", q=code.lower()[:12])] != []
    in_tower = {row[1] for row in list_rows(client, "/enterprises/", building=tower["building"].pk)}
    assert len(in_tower) == 7
    in_park = {row[1] for row in list_rows(client, "/enterprises/", park=registers["park_a"].pk)}
    assert in_park == in_tower | {"天平路科技有限公司"}


def test_enterprise_list_sorts_by_members_with_missing_facts_last(client_for, users, tower):
    client = client_for(users["admin"])
    names = [row[1] for row in list_rows(client, "/enterprises/", q="云塔", sort="facts_members")]
    assert names[:3] == ["云塔物流有限公司", "云塔数据有限公司", "云塔咨询有限公司"]
    assert set(names[3:]) == {
        "云塔设计有限公司",
        "云塔餐饮有限公司",
        "云塔仓储有限公司",
        "云塔旧户有限公司",
    }


def test_enterprise_export_holds_the_figures(client_for, users, tower):
    client = client_for(users["admin"])
    for rows in (
        csv_rows(client, "/enterprises/", q="云塔", sort="name"),
        csv_rows(client, "/enterprises/", q="云塔咨询"),
    ):
        header = rows[0]
        assert header[:2] == ["统一社会信用代码", "名称"]
        assert header[-3:] == ["党组织", "党员数", "应建未建"]
        body = {row[1]: row[-3:] for row in rows[1:]}
        assert body["云塔咨询有限公司"] == ["未建立", "3", "是"]
    rows = csv_rows(client, "/enterprises/", q="云塔")
    assert {row[1]: row[-3:] for row in rows[1:]}["云塔餐饮有限公司"] == ["未建立", "—", "—"]


# --- other lists --------------------------------------------------------------------------


def test_building_list_shows_coverage_or_a_dash(client_for, users, tower, registers):
    client = client_for(users["admin"])
    rows = {row[1]: row for row in list_rows(client, "/buildings/")}
    assert set(rows) == {"天平路街道大厦", "湖南路街道大厦", "徐汇云塔"}
    assert rows["徐汇云塔"][:7] == [
        "BA02",
        "徐汇云塔",
        "商务楼宇",
        "上海新村居委会",
        "天平路街道园区",
        "天平路88号",
        "30",
    ]
    assert rows["徐汇云塔"][7:] == ["6", "3", "3", "50.0", "66.7"]
    assert rows["天平路街道大厦"][7:] == ["—"] * 5
    filtered = list_rows(client, "/buildings/", has_organization="true")
    assert [row[1] for row in filtered] == ["徐汇云塔"]
    assert [row[1] for row in list_rows(client, "/buildings/", sort="-floors")][0] == "徐汇云塔"
    export = csv_rows(client, "/buildings/", q="云塔")
    assert export[0][-2:] == ["组织覆盖率（%）", "工作覆盖率（%）"]
    assert export[1][-5:] == ["6", "3", "3", "50.0", "66.7"]


def test_park_service_site_and_tenancy_lists(client_for, users, tower, registers):
    client = client_for(users["admin"])
    assert [row[:2] for row in list_rows(client, "/parks/")] == [
        ["PA01", "天平路街道园区"],
        ["PB01", "湖南路街道园区"],
    ]
    sites = {row[1]: row for row in list_rows(client, "/service-sites/", kind="station")}
    assert list(sites) == ["云塔党群服务站"]
    assert sites["云塔党群服务站"][2:6] == [
        "党建服务站",
        "上海新村居委会",
        "徐汇云塔",
        "9:00-17:00",
    ]
    tenancies = client.get("/tenancies/", {"q": "云塔数据"})
    rows = table_rows(tenancies.content, "object-table")
    assert rows == [
        ["云塔数据有限公司", tower["data"].uscc, "徐汇云塔", "30", "3001", "2021-03-01", ""]
    ]
    html = tenancies.content.decode()
    assert f'href="/enterprises/{tower["data"].pk}/"' in html
    assert "/tenancies/add/" not in html and "导入" not in html
    current = {row[0] for row in list_rows(client, "/tenancies/", current="false")}
    assert current == {"云塔旧户有限公司"}


@pytest.fixture
def many(district, registers):
    """60 enterprises of A in one building, every other one with facts, plus parks,
    buildings and sites enough to fill pages of 10 and 100."""
    from buildings.models import Building, Park, ServiceSite, Tenancy

    a, a1 = district["a"], district["a1"]
    building = registers["building_a"]
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(
            uscc=make_uscc(1000 + i),
            name=f"批量企业{i:03d}",
            name_grams=name_grams(f"批量企业{i:03d}"),
            kind=Enterprise.Kind.PRIVATE,
            region=a1,
            building=building,
            floor=1 + i % 20,
            party_organization=district["a_branch"] if i % 3 == 0 else None,
        )
        for i in range(60)
    )
    EnterpriseFacts.objects.bulk_create(
        EnterpriseFacts(enterprise=e, members=i, full_members=i)
        for i, e in enumerate(enterprises)
        if i % 2
    )
    Tenancy.objects.bulk_create(
        Tenancy(enterprise=e, building=building, floor=e.floor) for e in enterprises
    )
    parks = Park.objects.bulk_create(
        Park(code=f"PX{i:03d}", name=f"批量园区{i}", region=a) for i in range(30)
    )
    buildings = Building.objects.bulk_create(
        Building(code=f"BX{i:03d}", name=f"批量楼宇{i}", address="路", region=a1, park=parks[i])
        for i in range(30)
    )
    ServiceSite.objects.bulk_create(
        ServiceSite(code=f"SX{i:03d}", name=f"批量站点{i}", kind="point", region=a1, building=b)
        for i, b in enumerate(buildings)
    )
    return enterprises


@pytest.mark.parametrize(
    "path", ["/parks/", "/buildings/", "/enterprises/", "/service-sites/", "/tenancies/"]
)
@pytest.mark.parametrize("user_key", ["admin", "operator_a"])
def test_list_queries_do_not_grow_with_page_size(client_for, users, many, path, user_key):
    client = client_for(users[user_key])
    small = count_queries(client, path, per_page=5)
    large = count_queries(client, path, per_page=100)
    assert small == large == PINNED[path]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "批量"},
        {"organization_kind": "none", "should_found": "false", "sort": "-facts_members"},
        {"has_members": "true", "kind": "private", "status": "active"},
    ],
)
def test_filtered_enterprise_list_is_constant_too(client_for, users, many, params):
    client = client_for(users["operator_a"])
    small = count_queries(client, "/enterprises/", per_page=5, **params)
    large = count_queries(client, "/enterprises/", per_page=100, **params)
    assert small == large


def test_enterprise_export_does_not_query_per_row(client_for, users, many):
    client = client_for(users["admin"])
    small = count_queries(client, "/enterprises/", export="csv", q="批量企业00")
    large = count_queries(client, "/enterprises/", export="csv")
    assert small == large


# --- building detail ----------------------------------------------------------------------


def test_building_detail_lists_tenants_by_floor_top_first_basements_last(client_for, users, tower):
    response = client_for(users["admin"]).get(f"/buildings/{tower['building'].pk}/")
    assert response.status_code == 200
    floors = [(str(label), [e.name for e in group]) for label, group in response.context["floors"]]
    assert floors == [
        ("30层", ["云塔数据有限公司"]),
        ("5层", ["云塔物流有限公司", "云塔设计有限公司"]),
        ("地下1层", ["云塔餐饮有限公司"]),
        ("地下2层", ["云塔仓储有限公司"]),
        ("楼层未填", ["云塔咨询有限公司"]),
    ]
    html = response.content.decode()
    positions = [html.index(label) for label, _names in floors]
    assert positions == sorted(positions)
    assert "云塔旧户有限公司" not in html  # moved out
    rows = table_rows(html, "tenants")
    assert rows[0] == ["3001", "云塔数据有限公司", "民营企业", "云塔数据党支部", "3", "否"]
    assert rows[-1] == ["—", "云塔咨询有限公司", "民营企业", "未建立", "3", "是"]
    assert ["502", "云塔设计有限公司", "民营企业", "徐汇云塔联合党支部", "—", "—"] in rows


def test_building_detail_shows_fields_organisations_sites_and_coverage(client_for, users, tower):
    response = client_for(users["admin"]).get(f"/buildings/{tower['building'].pk}/")
    html = response.content.decode()
    fields = {str(f["label"]): f["value"] for f in response.context["fields"]}
    assert fields["地址"] == "天平路88号"
    assert str(fields["所在社区"]) == "上海新村居委会"
    assert str(fields["所在园区"]) == "天平路街道园区"
    assert str(fields["纬度"]) == "31.201000" and str(fields["经度"]) == "121.442000"
    assert fields["地上层数"] == 30 and fields["地下层数"] == 2
    assert str(fields["建筑面积（平方米）"]) == "56000.50"
    assert fields["物业管理单位"] == "云塔物业管理有限公司"
    assert [o.name for o in response.context["building_organizations"]] == [
        "徐汇云塔楼宇党委",
        "徐汇云塔联合党支部",
    ]
    assert [o.name for o in response.context["tenant_organizations"]] == [
        "云塔数据党支部",
        "徐汇云塔联合党支部",
    ]
    assert [s.name for s in response.context["service_sites"]] == ["云塔党群服务站"]
    assert "徐汇云塔楼宇党委" in table_text(html, "building-organizations")
    assert "云塔数据党支部" not in table_text(html, "building-organizations")
    assert "云塔数据党支部" in table_text(html, "tenant-organizations")
    assert "云塔党群服务站" in table_text(html, "service-sites")
    building = tower["building"]
    add_tenant = f'href="/enterprises/add/?building={building.pk}&region={building.region_id}"'
    assert add_tenant in html
    assert f'href="/service-sites/{tower["site"].pk}/"' in html
    figures = {
        "enterprises": "6",
        "with_members": "3",
        "with_organization": "3",
        "organization_rate": "50.0%",
        "work_rate": "66.7%",
        "should_found": "1",
    }
    for name, value in figures.items():
        assert f'data-figure="{name}">{value}</dd>' in html, name
    assert "2025-03-01 08:30" in html
    assert "尚未统计" not in html
    assert 'href="/coverage/?region=310104003001"' in html
    assert 'href="/coverage/map/?region=310104003001"' in html


def test_building_without_coverage_says_not_yet_counted(client_for, users, registers):
    response = client_for(users["admin"]).get(f"/buildings/{registers['building_a'].pk}/")
    assert 'data-figure="none">尚未统计' in response.content.decode()


@pytest.mark.parametrize(
    ("user_key", "expected"),
    [
        ("admin", ["孙湖南", "吴咨询", "周咨询", "赵云塔", "郑咨询", "钱云塔"]),
        ("operator_a", ["吴咨询", "周咨询", "赵云塔", "郑咨询", "钱云塔"]),
    ],
)
def test_building_detail_lists_members_working_there_masked_and_scoped(
    client_for, users, tower, user_key, expected
):
    response = client_for(users[user_key]).get(f"/buildings/{tower['building'].pk}/")
    html = response.content.decode()
    assert response.context["members_total"] == len(expected)
    rows = table_rows(html, "members")
    assert sorted(row[0] for row in rows) == sorted(expected)
    zhao = next(row for row in rows if row[0] == "赵云塔")
    plain_id = make_id_number(date(1985, 1, 10), 601)
    assert zhao[2] == tower["members"][0].id_number_masked != plain_id
    assert zhao[3] == "137****0000"
    assert zhao[4] == "云塔数据有限公司"
    assert plain_id not in html and "13712340000" not in html


def test_building_detail_shows_the_first_page_of_many_members(
    client_for, users, tower, monkeypatch
):
    from buildings import views

    monkeypatch.setattr(views, "MEMBERS_SHOWN", 4)
    response = client_for(users["admin"]).get(f"/buildings/{tower['building'].pk}/")
    assert response.context["members_total"] == 6
    assert len(table_rows(response.content, "members")) == 4
    assert "显示前 4 人" in response.content.decode()


def grow_tower(tower, district, extra):
    """``extra`` more tenants of the tower, each with a member and facts."""
    building = tower["building"]
    for i in range(extra):
        enterprise = make_enterprise(
            district["a1"], f"扩容企业{i}", 400 + i, building=building, floor=10 + i
        )
        make_member(
            district["a_branch"],
            f"扩容党员{i}",
            make_id_number(date(1970, 3, 1 + i), 701 + i),
            employer=enterprise,
        )
        EnterpriseFacts.objects.create(enterprise=enterprise, members=1, full_members=1)


@pytest.mark.parametrize("user_key", ["admin", "operator_a"])
def test_building_detail_queries_do_not_grow_with_tenants_and_members(
    client_for, users, tower, district, user_key
):
    client = client_for(users[user_key])
    url = f"/buildings/{tower['building'].pk}/"
    before = count_queries(client, url)
    grow_tower(tower, district, 8)
    after = count_queries(client, url)
    assert before == after == PINNED["building detail"]


# --- enterprise detail --------------------------------------------------------------------


def test_enterprise_detail_shows_organisation_members_and_facts(client_for, users, tower):
    response = client_for(users["admin"]).get(f"/enterprises/{tower['data'].pk}/")
    html = response.content.decode()
    fields = {str(f["label"]): f["value"] for f in response.context["fields"]}
    assert fields["统一社会信用代码"] == tower["data"].uscc
    assert "信用代码例外说明" not in fields and "例外批准人" not in fields
    assert str(fields["所在楼宇"]) == "徐汇云塔" and fields["楼层"] == 30
    organization = table_text(html, "organization")
    assert "单独建立" in organization and "云塔数据党支部" in organization
    assert f'href="/organizations/{tower["own"].pk}/"' in html
    for name, value in {"members": "3", "full_members": "3", "probationary_members": "0"}.items():
        assert f'data-figure="{name}">{value}</dd>' in html, name
    assert "云塔数据有限公司" in html
    rows = table_rows(html, "members")
    assert sorted(row[0] for row in rows) == ["孙湖南", "赵云塔", "钱云塔"]
    assert rows[0][2].count("*") == 8
    assert make_id_number(date(1985, 1, 10), 601) not in html


def table_text(html, testid):
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</div>", start)]


def test_enterprise_detail_without_facts_or_organisation(client_for, users, tower):
    response = client_for(users["operator_a"]).get(f"/enterprises/{tower['food'].pk}/")
    html = response.content.decode()
    assert 'data-figure="none">尚未统计' in html
    assert "未建立" in table_text(html, "organization")
    assert "暂无党员" in html


def test_enterprise_detail_should_found_flag(client_for, users, tower):
    html = client_for(users["admin"]).get(f"/enterprises/{tower['consulting'].pk}/").content
    assert 'data-figure="should_found"><span class="badge text-bg-danger">是' in html.decode()


def test_enterprise_detail_tenancy_history_current_first(client_for, users, tower, registers):
    enterprise = registers["enterprise_a"]
    enterprise.building = tower["building"]
    enterprise.floor = 12
    enterprise.room = "1201"
    enterprise.moved_in_on = date(2024, 5, 1)
    enterprise.full_clean()
    enterprise.save()
    response = client_for(users["admin"]).get(f"/enterprises/{enterprise.pk}/")
    rows = table_rows(response.content, "tenancies")
    assert rows == [
        ["徐汇云塔", "12", "1201", "2024-05-01", "在驻"],
        ["天平路街道大厦", "3", "301", "2020-01-01", "2024-05-01"],
    ]


def test_enterprise_detail_names_the_uscc_exception_and_its_approver(client_for, users, district):
    client = client_for(users["admin"])
    code = corrupt_check(make_uscc(777))
    response = client.post(
        "/enterprises/add/",
        {
            "uscc": code,
            "uscc_override_reason": "厦门早期试点代码，已核对营业执照。",
            "name": "试点代码企业",
            "kind": "private",
            "region": district["a1"].pk,
            "status": "active",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    enterprise = Enterprise.objects.get(uscc=code)
    html = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "厦门早期试点代码，已核对营业执照。" in table_text(html, "uscc-override")
    assert "district_admin" in table_text(html, "uscc-override")
    response = client.get(f"/enterprises/{enterprise.pk}/")
    fields = {str(f["label"]): f["value"] for f in response.context["fields"]}
    assert str(fields["例外批准人"]) == "district_admin"


@pytest.mark.parametrize("user_key", ["admin", "operator_a"])
def test_enterprise_detail_queries_do_not_grow_with_members_and_tenancies(
    client_for, users, tower, district, user_key
):
    client = client_for(users[user_key])
    enterprise = tower["data"]
    url = f"/enterprises/{enterprise.pk}/"
    before = count_queries(client, url)
    for i in range(6):
        make_member(
            district["a_branch"],
            f"新增党员{i}",
            make_id_number(date(1975, 4, 1 + i), 801 + i),
            employer=enterprise,
        )
        enterprise.floor = 20 + i
        enterprise.full_clean()
        enterprise.save()
    assert enterprise.tenancies.count() == 7
    after = count_queries(client, url)
    assert before == after == PINNED["enterprise detail"]


# --- parks and sites ----------------------------------------------------------------------


def test_park_detail_lists_its_buildings_with_coverage(client_for, users, tower, registers):
    response = client_for(users["admin"]).get(f"/parks/{registers['park_a'].pk}/")
    html = response.content.decode()
    rows = table_rows(html, "park-buildings")
    assert rows == [
        ["BA01", "天平路街道大厦", "上海新村居委会", "—", "—", "—", "—"],
        ["BA02", "徐汇云塔", "上海新村居委会", "6", "3", "50.0", "66.7"],
    ]
    assert 'data-figure="none">尚未统计' in html  # the park's own summary is not refreshed
    assert 'href="/coverage/?region=310104003"' in html


def test_service_site_detail(client_for, users, tower):
    response = client_for(users["worker_a"]).get(f"/service-sites/{tower['site'].pk}/")
    assert response.status_code == 200
    fields = {str(f["label"]): f for f in response.context["fields"]}
    assert fields["类型"]["value"] == "党建服务站"
    assert fields["所在楼宇"]["url"] == f"/buildings/{tower['building'].pk}/"
    assert fields["开放时间"]["value"] == "9:00-17:00"


@pytest.mark.parametrize("model", ["park", "building", "enterprise", "servicesite"])
def test_history_tab_lists_the_changes(client_for, users, tower, registers, model):
    obj = {
        "park": registers["park_a"],
        "building": tower["building"],
        "enterprise": tower["gone"],
        "servicesite": tower["site"],
    }[model]
    response = client_for(users["admin"]).get(obj.get_absolute_url() + "history/")
    assert response.status_code == 200
    assert response.context["events"], model


# --- navigation ---------------------------------------------------------------------------


@pytest.mark.parametrize("user_key", ["admin", "operator_a", "worker_a", "auditor"])
def test_navigation_leads_to_the_two_registers(client_for, users, district, user_key):
    client = client_for(users[user_key])
    html = client.get("/").content.decode()
    for url in ("/enterprises/", "/buildings/", "/parks/", "/service-sites/", "/tenancies/"):
        assert f'href="{url}"' in html, url
        assert client.get(url).status_code == 200, url
    assert 'href="/enterprises/?should_found=true"' in html
    assert 'href="/coverage/"' in html and 'href="/coverage/map/"' in html
    assert "/coming/enterprises/" not in html and "/coming/buildings/" not in html
    assert client.get("/coming/enterprises/").status_code == 404
    assert client.get("/coming/buildings/").status_code == 404


# --- import pages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "first_headers"),
    [
        ("/parks/", ["园区编码", "园区名称", "所在区划代码"]),
        ("/buildings/", ["楼宇编码", "楼宇名称", "类型"]),
        ("/enterprises/", ["统一社会信用代码", "信用代码例外说明", "名称"]),
        ("/service-sites/", ["站点编码", "站点名称", "类型"]),
    ],
)
def test_import_page_and_template(client_for, users, district, path, first_headers):
    client = client_for(users["operator_a"])
    assert f'href="{path}import/"' in client.get(path).content.decode()
    page = client.get(f"{path}import/")
    assert page.status_code == 200
    assert page.context["headers"][:3] == first_headers
    template = client.get(f"{path}import/template.csv")
    assert template.status_code == 200
    header = template.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == page.context["headers"]
    # A community worker may read the register but not import into it.
    worker = client_for(users["worker_a"])
    assert 'import/"' not in worker.get(path).content.decode()
    assert worker.get(f"{path}import/").status_code == 403


def test_enterprise_import_through_the_page(
    client_for, users, district, registers, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.models import ImportJob

    client = client_for(users["operator_a"])
    headers = client.get("/enterprises/import/").context["headers"]
    row = {
        "统一社会信用代码": make_uscc(900),
        "名称": "导入企业有限公司",
        "类型": "民营企业",
        "所在区划代码": district["a1"].code,
        "所在楼宇编码": registers["building_a"].code,
        "楼层": "6",
    }
    content = (",".join(headers) + "\n" + ",".join(row.get(h, "") for h in headers) + "\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/enterprises/import/", {"file": SimpleUploadedFile("e.csv", content, "text/csv")}
        )
    assert response.status_code == 302
    job = ImportJob.objects.latest("pk")
    assert (job.status, job.created, job.errors) == (ImportJob.Status.DONE, 1, [])
    enterprise = Enterprise.objects.get(uscc=make_uscc(900))
    assert (enterprise.building, enterprise.floor) == (registers["building_a"], 6)
    rows = table_rows(client.get(enterprise.get_absolute_url()).content, "tenancies")
    assert [r[:3] for r in rows] == [["天平路街道大厦", "6", "—"]]
