"""Imports of the registers (issue 4, item 6): enterprises, buildings, parks and service sites
from files with Chinese headers, relations by natural key, every bad row reported with its
row and column, nothing written if any row is bad, and a re-run of the same file changes
nothing. Enterprises: the three USCC cases, the pilot-region codes reported as their own
class (or accepted with a reason by a permitted user, recorded), the tenancy history kept.
"""

import csv
import io
from datetime import date

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from buildings.imports import USCC_REVIEW_PREFIX
from buildings.models import Building, Enterprise, Park, ServiceSite, Tenancy
from portal import crypto, imports, validators
from portal.models import ImportJob
from portal.tasks import run_import
from tests.buildings.conftest import corrupt_check, make_uscc

ENTERPRISE_HEADER = [
    "统一社会信用代码",
    "信用代码例外说明",
    "名称",
    "类型",
    "行业门类",
    "法定代表人",
    "从业人员数",
    "注册地址",
    "经营地址",
    "所在区划代码",
    "所在楼宇编码",
    "楼层",
    "房间号",
    "入驻日期",
    "登记状态",
    "状态变更日期",
    "所在党组织编码",
    "备注",
]
BUILDING_HEADER = [
    "楼宇编码",
    "楼宇名称",
    "类型",
    "地址",
    "所在社区代码",
    "所在网格编码",
    "所在园区编码",
    "纬度",
    "经度",
    "地上层数",
    "地下层数",
    "建筑面积（平方米）",
    "物业管理单位",
    "联系电话",
    "备注",
]
PARK_HEADER = ["园区编码", "园区名称", "所在区划代码", "地址", "运营主体", "备注"]
SITE_HEADER = [
    "站点编码",
    "站点名称",
    "类型",
    "所在区划代码",
    "所在楼宇编码",
    "地址",
    "开放时间",
    "专职党群工作者（人）",
    "联系电话",
    "启用日期",
    "备注",
]
COL = {name: i for i, name in enumerate(ENTERPRISE_HEADER)}
COMMUNITY_A, COMMUNITY_B = "310104003001", "310104004001"
REASON = "2015年试点期间发放，已核验营业执照原件"
KINDS = ["民营企业", "private", "外资企业", "社会团体", "民办非企业单位", "国有企业"]


def to_csv(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run(spec, content, user, filename="file.csv", **kwargs):
    return imports.get_spec(f"buildings.{spec}").run(content, filename, user, **kwargs)


def errors_of(result):
    return sorted((e.row, e.column, e.message) for e in result.errors)


def enterprise_row(seq, **cells):
    """A valid row of a new enterprise in street A's building BA01 (20 floors)."""
    row = [""] * len(ENTERPRISE_HEADER)
    row[COL["统一社会信用代码"]] = make_uscc(seq)
    row[COL["名称"]] = f"上海测试{seq}号信息技术有限公司"
    row[COL["类型"]] = KINDS[seq % len(KINDS)]
    row[COL["行业门类"]] = "I" if seq % 2 else "L 租赁和商务服务业"
    row[COL["从业人员数"]] = str(seq % 300)
    row[COL["所在区划代码"]] = COMMUNITY_A
    if seq % 5:
        row[COL["所在楼宇编码"]] = "BA01"
        row[COL["楼层"]] = str(1 + seq % 20)
        row[COL["房间号"]] = f"{1 + seq % 20}0{seq % 9}"
        row[COL["入驻日期"]] = "2021/3/1"
    if seq % 7 == 0:
        row[COL["所在党组织编码"]] = "S003C001B01"
    for name, value in cells.items():
        row[COL[name]] = value
    return row


def enterprise_rows(count=60, start=1000):
    return [enterprise_row(start + i) for i in range(count)]


def state():
    """Every stored column of every register row, and the audit events of each."""
    data = {}
    for model in (Park, Building, Enterprise, ServiceSite, Tenancy):
        fields = [f.attname for f in model._meta.concrete_fields]
        data[model.__name__] = sorted(model.objects.values_list(*fields))
        event = apps.get_model("buildings", f"{model.__name__}Event")
        data[f"{model.__name__} events"] = event.objects.count()
    return data


def org_code_corrupted(code):
    """``code`` with one organisation-code character changed and the outer check character
    recomputed: only the nested GB 11714 check tells."""
    first17 = code[:12] + ("7" if code[12] != "7" else "8") + code[13:17]
    return first17 + validators.uscc_check_char(first17)


# --- templates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "header"),
    [
        ("enterprise", ENTERPRISE_HEADER),
        ("building", BUILDING_HEADER),
        ("park", PARK_HEADER),
        ("servicesite", SITE_HEADER),
    ],
)
def test_templates_have_chinese_headers(spec, header):
    assert imports.get_spec(f"buildings.{spec}").template_headers() == header


# --- enterprises ------------------------------------------------------------------------


def test_a_clean_file_is_written_once_and_a_rerun_changes_nothing(users, registers):
    admin = users["admin"]
    rows = enterprise_rows()
    # The three kinds of valid code: A-, N- and Y-prefixed ones are as good as 9-prefixed.
    rows[0][COL["统一社会信用代码"]] = make_uscc(1, authority="A", kind="1")
    rows[1][COL["统一社会信用代码"]] = make_uscc(2, authority="N", kind="2").lower()
    rows[2][COL["统一社会信用代码"]] = make_uscc(3, authority="Y", kind="1")
    content = to_csv(ENTERPRISE_HEADER, rows)
    before = state()

    result = run("enterprise", content, admin)

    assert result.ok, errors_of(result)[:5]
    assert (result.total, result.created, result.updated, result.unchanged) == (60, 60, 0, 0)
    written = Enterprise.objects.exclude(pk__in=[registers["enterprise_a"].pk])
    written = written.exclude(pk=registers["enterprise_b"].pk)
    assert written.count() == 60
    assert set(written.filter(uscc__regex="^[ANY]").values_list("uscc", flat=True)) == {
        make_uscc(1, authority="A", kind="1"),
        make_uscc(2, authority="N", kind="2"),
        make_uscc(3, authority="Y", kind="1"),
    }
    sample = Enterprise.objects.get(uscc=make_uscc(1008))
    assert sample.name == "上海测试1008号信息技术有限公司"
    assert "测试" in sample.name_grams and Enterprise.objects.filter(name_grams__contains=["测试"])
    assert (sample.kind, sample.industry, sample.employees) == ("private", "L", 108)
    assert sample.party_organization.code == "S003C001B01"
    assert (sample.building.code, sample.floor, sample.room) == ("BA01", 9, "900")
    assert sample.moved_in_on == date(2021, 3, 1)
    assert Enterprise.objects.get(uscc=make_uscc(1007)).kind == "state"
    # One open tenancy per enterprise in a building, from its move-in date.
    in_building = written.filter(building__isnull=False)
    assert in_building.count() == 48
    tenancies = Tenancy.objects.filter(enterprise__in=in_building)
    assert tenancies.count() == 48 and not tenancies.exclude(moved_in_on=date(2021, 3, 1))
    assert not tenancies.filter(moved_out_on__isnull=False).exists()
    events = apps.get_model("buildings", "EnterpriseEvent").objects
    assert events.count() == before["Enterprise events"] + 60
    for enterprise in written.order_by("?")[:10]:
        enterprise.full_clean()  # what the import wrote passes the model's own rules

    snapshot = state()
    again = run("enterprise", content, admin)
    assert again.ok
    assert (again.created, again.updated, again.unchanged) == (0, 0, 60)
    assert state() == snapshot  # no row, no column, no updated_at, no event changed


def test_every_bad_row_is_reported_and_nothing_is_written(users, registers):
    rows = enterprise_rows(12)
    rows[1][COL["统一社会信用代码"]] = corrupt_check(rows[1][COL["统一社会信用代码"]])
    rows[2][COL["统一社会信用代码"]] = org_code_corrupted(rows[2][COL["统一社会信用代码"]])
    rows[3][COL["所在楼宇编码"]] = "BX99"
    rows[4][COL["楼层"]] = "25"  # BA01 has 20 floors
    rows[5][COL["类型"]] = "个体户"
    rows[6][COL["统一社会信用代码"]] = rows[0][COL["统一社会信用代码"]].lower()
    rows[7][COL["登记状态"]] = "注销"
    rows[8][COL["所在区划代码"]] = COMMUNITY_A[:9]  # the street: BA01 is in its community
    rows[9][COL["入驻日期"]] = "2021-02-30"
    rows[10][COL["统一社会信用代码"]] = "91310104MA1FL0C3"
    before = state()

    result = run("enterprise", to_csv(ENTERPRISE_HEADER, rows), users["admin"])

    kinds = "、".join(str(label) for _value, label in Enterprise.Kind.choices)
    assert errors_of(result) == [
        (
            3,
            "统一社会信用代码",
            USCC_REVIEW_PREFIX
            + "统一社会信用代码校验位不正确，但其中的组织机构代码正确：可能是早期试点地区"
            "发放的代码。默认不予接受；有权限的用户可填写例外说明后接受。",
        ),
        (4, "统一社会信用代码", "统一社会信用代码第9-17位（组织机构代码）校验不通过，请核对。"),
        (5, "所在楼宇编码", "“BX99”不存在或不在您的管辖范围内。"),
        (6, "楼层", "该楼宇没有这一层。"),
        (7, "类型", f"“个体户”不是有效选项，可选：{kinds}。"),
        (8, "统一社会信用代码", "与第 2 行重复。"),
        (9, "状态变更日期", "迁出或注销时须填写状态变更日期。"),
        (10, "所在楼宇编码", "所在楼宇位于“上海新村居委会”，与企业所在区划不一致。"),
        (11, "入驻日期", "“2021-02-30”不是有效的日期，请按 2024-07-01 的格式填写。"),
        (12, "统一社会信用代码", "统一社会信用代码应为18位数字或大写字母（当前16位）。"),
    ]
    assert (result.created, result.updated) == (0, 0)
    assert state() == before


def test_pilot_region_code_accepted_with_reason_by_a_permitted_user_and_recorded(users, registers):
    admin = users["admin"]
    rows = enterprise_rows(3)
    code = corrupt_check(rows[1][COL["统一社会信用代码"]])
    rows[1][COL["统一社会信用代码"]] = code.lower()
    rows[1][COL["信用代码例外说明"]] = REASON
    rows[2][COL["信用代码例外说明"]] = "有效代码不需要例外说明"
    content = to_csv(ENTERPRISE_HEADER, rows)

    # A street operator may not accept it: the row is refused as one to review.
    before = state()
    result = run("enterprise", content, users["operator_a"])
    assert errors_of(result) == [
        (
            3,
            "信用代码例外说明",
            f"{USCC_REVIEW_PREFIX}您没有接受例外信用代码的权限，请联系区级管理员。",
        )
    ]
    assert state() == before

    result = run("enterprise", content, admin)
    assert result.ok, errors_of(result)
    enterprise = Enterprise.objects.get(uscc=code)
    assert (enterprise.uscc_override_reason, enterprise.uscc_override_by) == (REASON, admin)
    event = enterprise.events.get()
    assert (event.uscc_override_by_id, event.uscc_override_reason) == (admin.pk, REASON)
    assert Enterprise.objects.get(uscc=rows[2][0]).uscc_override_reason == ""
    # A re-run changes nothing.
    snapshot = state()
    assert run("enterprise", content, users["admin"]).unchanged == 3
    assert state() == snapshot


def test_review_class_reaches_the_job_report(users, registers):
    rows = enterprise_rows(2)
    rows[0][COL["统一社会信用代码"]] = corrupt_check(rows[0][COL["统一社会信用代码"]])
    content = to_csv(ENTERPRISE_HEADER, rows)
    job = ImportJob.objects.create(
        user=users["admin"],
        spec="buildings.enterprise",
        filename="enterprises.csv",
        content=crypto.encrypt_bytes(content),
    )
    run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "统一社会信用代码")]
    assert job.errors[0]["message"].startswith(USCC_REVIEW_PREFIX)


def test_street_operator_imports_only_into_a_and_learns_nothing_of_b(users, registers):
    b = registers["enterprise_b"]
    rows = enterprise_rows(5)
    rows[0][COL["统一社会信用代码"]] = b.uscc  # B's enterprise
    rows[1][COL["所在楼宇编码"]] = "BB01"
    rows[2][COL["所在区划代码"]] = COMMUNITY_B
    rows[2][COL["所在楼宇编码"]] = ""
    rows[2][COL["楼层"]] = rows[2][COL["房间号"]] = ""
    rows[3][COL["所在党组织编码"]] = "S004C001B01"
    before = state()

    result = run("enterprise", to_csv(ENTERPRISE_HEADER, rows), users["operator_a"])

    assert errors_of(result) == [
        (2, "统一社会信用代码", "该统一社会信用代码已登记。"),
        (3, "所在楼宇编码", "“BB01”不存在或不在您的管辖范围内。"),
        (4, "所在区划代码", f"“{COMMUNITY_B}”不存在或不在您的管辖范围内。"),
        (5, "所在党组织编码", "“S004C001B01”不存在或不在您的管辖范围内。"),
    ]
    assert state() == before
    # Control: the same file without B's references is A's to write.
    result = run("enterprise", to_csv(ENTERPRISE_HEADER, enterprise_rows(5)), users["operator_a"])
    assert result.ok and result.created == 5


def test_a_move_closes_the_old_tenancy_and_opens_a_new_one(users, registers, district):
    admin = users["admin"]
    a = registers["enterprise_a"]
    other = Building(
        code="BA02", name="天平新楼", address="天平路9号", region=district["a1"], floors=8
    )
    other.full_clean()
    other.save()
    row = enterprise_row(
        0,
        **{
            "统一社会信用代码": a.uscc,
            "名称": a.name,
            "类型": "民营企业",
            "行业门类": "I",
            "从业人员数": "50",
            "所在楼宇编码": "BA02",
            "楼层": "6",
            "房间号": "601",
            "入驻日期": "2024-05-06",
            "所在党组织编码": "",
        },
    )
    content = to_csv(ENTERPRISE_HEADER, [row])
    tenancy_events = apps.get_model("buildings", "TenancyEvent").objects

    events = tenancy_events.count()
    result = run("enterprise", content, admin)

    assert result.ok, errors_of(result)
    assert (result.created, result.updated) == (0, 1)
    history = list(
        a.tenancies.values_list("building__code", "floor", "room", "moved_in_on", "moved_out_on")
    )
    assert history == [
        ("BA02", 6, "601", date(2024, 5, 6), None),
        ("BA01", 3, "301", date(2020, 1, 1), date(2024, 5, 6)),
    ]
    assert tenancy_events.count() == events + 2  # the old one closed, the new one opened
    snapshot = state()
    assert run("enterprise", content, admin).unchanged == 1
    assert state() == snapshot

    # Deregistered: the open tenancy closes on the status date.
    row[COL["登记状态"]] = "注销"
    row[COL["状态变更日期"]] = "2025-01-31"
    assert run("enterprise", to_csv(ENTERPRISE_HEADER, [row]), admin).ok
    assert a.tenancies.get(building__code="BA02").moved_out_on == date(2025, 1, 31)
    assert not a.tenancies.filter(moved_out_on__isnull=True).exists()


def test_queries_are_bounded_whatever_the_row_count(users, registers):
    def queries_for(rows):
        with CaptureQueriesContext(connection) as queries:
            result = run("enterprise", to_csv(ENTERPRISE_HEADER, rows), users["admin"])
        assert result.ok, errors_of(result)[:3]
        return len(queries)

    queries_for(enterprise_rows(5, start=4000))  # the user's permissions are cached after
    small = queries_for(enterprise_rows(20, start=5000))
    large = queries_for(enterprise_rows(400, start=6000))
    assert small == large


# --- buildings, parks, service sites ----------------------------------------------------


def building_row(code, **cells):
    values = {
        "楼宇编码": code,
        "楼宇名称": f"{code}大厦",
        "类型": "商务楼宇",
        "地址": f"天平路{code[-2:]}号",
        "所在社区代码": COMMUNITY_A,
        "所在园区编码": "PA01",
        "纬度": "31.195",
        "经度": "121.438",
        "地上层数": "18",
        "地下层数": "2",
        "建筑面积（平方米）": "25000.5",
        "物业管理单位": "某物业公司",
    }
    values.update(cells)
    return [values.get(name, "") for name in BUILDING_HEADER]


def test_buildings_import_validates_every_row_and_is_idempotent(users, registers):
    rows = [building_row(f"BN{i:02d}") for i in range(6)]
    rows[1] = building_row("BN01", 纬度="121.438", 经度="31.195")  # swapped
    rows[2] = building_row("BN02", 所在社区代码="310104003")  # the street, not a community
    rows[3] = building_row("BN03", 所在园区编码="PB01")  # B's park
    rows[4] = building_row("BN04", 地上层数="0")
    before = state()

    result = run("building", to_csv(BUILDING_HEADER, rows), users["operator_a"])

    assert errors_of(result) == [
        (3, "纬度", "纬度应在本区范围内（31.10～31.24）。"),
        (3, "经度", "经度应在本区范围内（121.39～121.49）。"),
        (4, "所在社区代码", "楼宇应落在居民区/村一级。"),
        (5, "所在园区编码", "“PB01”不存在或不在您的管辖范围内。"),
        (6, "地上层数", "确保该值大于或等于1。"),
    ]
    assert state() == before

    rows = [building_row(f"BN{i:02d}") for i in range(6)]
    content = to_csv(BUILDING_HEADER, rows)
    result = run("building", content, users["operator_a"])
    assert result.ok and result.created == 6
    building = Building.objects.get(code="BN03")
    assert (building.park.code, building.floors, building.basement_floors) == ("PA01", 18, 2)
    assert str(building.gross_floor_area) == "25000.50"
    snapshot = state()
    assert run("building", content, users["operator_a"]).unchanged == 6
    assert state() == snapshot
    # B's operator cannot take A's codes over.
    result = run("building", content, users["operator_b"])
    assert errors_of(result) == [
        (n, "楼宇编码", "该编码已被管辖范围外的数据占用。") for n in range(2, 8)
    ]
    assert state() == snapshot
    # A grid of the building's community places it; one of another community is refused.
    from grids.models import Grid

    Grid.objects.create(
        code="GIMPA", name="上海新村导入网格", region=registers["building_a"].region
    )
    Grid.objects.create(code="GIMPB", name="武康导入网格", region=registers["building_b"].region)
    placed = [
        building_row("BN00", 所在网格编码="GIMPA"),
        building_row("BN01", 所在网格编码="GIMPB"),
    ]
    result = run("building", to_csv(BUILDING_HEADER, placed), users["admin"])
    assert errors_of(result) == [(3, "所在网格编码", "所选网格不在楼宇所在社区。")]
    result = run("building", to_csv(BUILDING_HEADER, placed[:1]), users["admin"])
    assert result.ok and Building.objects.get(code="BN00").grid.code == "GIMPA"


def test_parks_and_service_sites_import(users, registers):
    operator = users["operator_a"]
    parks = to_csv(
        PARK_HEADER,
        [["PN01", "漕河泾园区", "310104003", "漕河泾路1号", "园区公司", ""]]
        + [["PN02", "徐汇滨江园区", COMMUNITY_A, "", "", "备注"]],
    )
    assert run("park", parks, operator).created == 2
    sites = to_csv(
        SITE_HEADER,
        [["SN01", "天平驿站", "金领驿站", COMMUNITY_A, "BA01", "", "9:00-17:00", "2", "", ""]]
        + [["SN02", "天平服务站", "station", "310104003", "", "", "", "", "", "2024年7月1日"]],
    )
    result = run("servicesite", sites, operator)
    assert result.ok, errors_of(result)
    site = ServiceSite.objects.get(code="SN01")
    assert (site.kind, site.building.code, site.full_time_workers) == ("golden_collar", "BA01", 2)
    assert ServiceSite.objects.get(code="SN02").opened_on == date(2024, 7, 1)
    snapshot = state()
    assert run("park", parks, operator).unchanged == 2
    assert run("servicesite", sites, operator).unchanged == 2
    assert state() == snapshot
    # A site whose building lies outside its region; B's building.
    bad = to_csv(
        SITE_HEADER,
        [["SN03", "错站", "金领驿站", COMMUNITY_A, "BB01", "", "", "", "", ""]]
        + [["SN04", "错站二", "金领驿站", "310104004", "", "", "", "", "", ""]],
    )
    result = run("servicesite", bad, operator)
    assert errors_of(result) == [
        (2, "所在楼宇编码", "“BB01”不存在或不在您的管辖范围内。"),
        (3, "所在区划代码", "“310104004”不存在或不在您的管辖范围内。"),
    ]
    assert state() == snapshot
