"""The registers in the Django admin (issue 4, item 5): scoped like every other door (street
A's staff operator sees only A's rows, B's pages answer like a missing row), the USCC rules of
the model with the override for a permitted user only, recorded and audited, and the rows kept
by the system (tenancies, coverage facts) read-only.
"""

import pytest
from django.apps import apps

from buildings.models import (
    Building,
    CoverageSummary,
    Enterprise,
    EnterpriseFacts,
    Park,
    ServiceSite,
    Tenancy,
)
from portal.accounts.roles import STREET_OPERATOR
from tests.buildings.conftest import corrupt_check, make_uscc
from tests.conftest import make_user
from tests.portal.test_scoping_admin import admin_form_data

B_MARKERS = ("湖南路", "武康", "PB01", "BB01", "SSB01", "310104004")
MISSING_PK = 987654321
REASON = "2015年厦门试点发放，营业执照原件已核验"

#: admin path: (the fixture's row key, the model's verbose name)
PAGES = {
    "buildings/park": ("park", "产业园区"),
    "buildings/building": ("building", "楼宇"),
    "buildings/enterprise": ("enterprise", "企业/社会组织"),
    "buildings/servicesite": ("site", "党建服务站点"),
    "buildings/tenancy": ("tenancy", "入驻记录"),
    "buildings/enterprisefacts": ("facts", "企业覆盖情况"),
    "buildings/coveragesummary": ("summary", "覆盖统计"),
}


@pytest.fixture
def staff_a(district):
    """A street operator of A who may also use the Django admin."""
    return make_user("staff_a", STREET_OPERATOR, district["a"], is_staff=True)


@pytest.fixture
def rows(registers, district):
    """The registers' rows per street, plus each street's tenancy, facts and summary."""
    from django.utils import timezone

    result = dict(registers)
    for key in ("a", "b"):
        enterprise = registers[f"enterprise_{key}"]
        result[f"tenancy_{key}"] = Tenancy.objects.get(enterprise=enterprise)
        result[f"facts_{key}"] = EnterpriseFacts.objects.create(
            enterprise=enterprise, members=2, full_members=2
        )
        result[f"summary_{key}"] = CoverageSummary.objects.create(
            level=CoverageSummary.Level.STREET,
            region=district[key],
            enterprises=1,
            refreshed_at=timezone.now(),
        )
    return result


def snapshot():
    data = {}
    for model in (Park, Building, Enterprise, ServiceSite, Tenancy):
        fields = [f.attname for f in model._meta.concrete_fields]
        data[model.__name__] = sorted(model.objects.values_list(*fields))
        data[f"{model.__name__} events"] = apps.get_model(
            "buildings", f"{model.__name__}Event"
        ).objects.count()
    for model in (EnterpriseFacts, CoverageSummary):
        fields = [f.attname for f in model._meta.concrete_fields]
        data[model.__name__] = sorted(model.objects.values_list(*fields))
    return data


def enterprise_form(uscc, building, **overrides):
    data = {
        "uscc": uscc,
        "uscc_override_reason": "",
        "name": "上海新村咨询有限公司",
        "kind": "private",
        "industry": "L",
        "employees": "8",
        "region": str(building.region_id),
        "building": str(building.pk),
        "floor": "4",
        "room": "402",
        "moved_in_on": "2022-09-01",
        "status": "active",
        "tenancies-TOTAL_FORMS": "0",
        "tenancies-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


# --- scope ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_changelists_show_a_staff_operator_only_a(client, staff_a, users, rows, path):
    key = PAGES[path][0]
    client.force_login(staff_a)
    response = client.get(f"/admin/{path}/")
    assert response.status_code == 200
    cl = response.context["cl"]
    assert [obj.pk for obj in cl.result_list] == [rows[f"{key}_a"].pk]
    assert cl.full_result_count == 1
    html = response.content.decode()
    for marker in B_MARKERS:
        assert marker not in html, marker
    client.force_login(users["admin"])
    response = client.get(f"/admin/{path}/")
    assert {obj.pk for obj in response.context["cl"].result_list} == {
        rows[f"{key}_a"].pk,
        rows[f"{key}_b"].pk,
    }


def test_search_finds_nothing_of_b(client, staff_a, rows):
    client.force_login(staff_a)
    b = rows["enterprise_b"]

    def found(path, term):
        response = client.get(f"/admin/buildings/{path}/", {"q": term})
        return list(response.context["cl"].result_list)

    assert found("enterprise", b.uscc) == found("enterprise", b.uscc.lower()) == []
    assert found("enterprise", "湖南路") == []
    assert found("enterprise", b.uscc[:10]) == [rows["enterprise_a"]]  # the shared prefix
    assert found("building", "BB01") == found("park", "湖南路") == []


@pytest.mark.parametrize("page", ["change", "history", "delete"])
@pytest.mark.parametrize("path", PAGES)
def test_b_pages_answer_like_a_missing_row(client, staff_a, rows, path, page):
    key, name = PAGES[path]
    client.force_login(staff_a)
    before = snapshot()
    read_only = key in ("tenancy", "facts", "summary")
    for pk in (rows[f"{key}_b"].pk, MISSING_PK):
        url = f"/admin/{path}/{pk}/{page}/"
        if read_only and page == "delete":
            assert client.get(url).status_code == 403
            continue
        message = f"ID 为“{pk}”的 {name} 不存在。可能已经被删除了？"
        response = client.get(url, follow=True)
        assert response.redirect_chain == [("/admin/", 302)], url
        assert [str(m) for m in response.context["messages"]] == [message]
        response = client.post(url, {"post": "yes", "name": "改名"}, follow=True)
        if read_only and page == "change":
            assert response.status_code == 403  # for any row: nothing is told
        else:
            assert response.redirect_chain == [("/admin/", 302)]
    assert snapshot() == before
    assert client.get(f"/admin/{path}/{rows[f'{key}_a'].pk}/{page}/").status_code == (
        403 if read_only and page == "delete" else 200
    )


def test_cannot_move_an_enterprise_into_b(client, staff_a, rows):
    client.force_login(staff_a)
    a = rows["enterprise_a"]
    url = f"/admin/buildings/enterprise/{a.pk}/change/"
    data = admin_form_data(client.get(url))
    before = snapshot()
    for field, value in (
        ("building", rows["building_b"].pk),
        ("region", rows["building_b"].region_id),
    ):
        response = client.post(url, {**data, field: value})
        assert response.status_code == 200
        assert field in response.context["adminform"].form.errors
    assert snapshot() == before
    # Control: the form as rendered saves.
    response = client.post(url, {**data, "note": "已核实"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    a.refresh_from_db()
    assert a.note == "已核实"


# --- read-only rows ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["tenancy", "enterprisefacts", "coveragesummary"])
def test_system_rows_are_read_only_even_for_the_district_admin(client, users, rows, path):
    client.force_login(users["admin"])
    key = PAGES[f"buildings/{path}"][0]
    pk = rows[f"{key}_a"].pk
    before = snapshot()
    assert client.get(f"/admin/buildings/{path}/add/").status_code == 403
    response = client.get(f"/admin/buildings/{path}/{pk}/change/")
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert client.post(f"/admin/buildings/{path}/{pk}/change/", {"room": "1"}).status_code == 403
    assert client.post(f"/admin/buildings/{path}/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert snapshot() == before


def test_enterprise_page_shows_its_tenancies_read_only(client, users, rows):
    client.force_login(users["admin"])
    a = rows["enterprise_a"]
    response = client.get(f"/admin/buildings/enterprise/{a.pk}/change/")
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.prefix == "tenancies"
    assert [form.instance for form in inline.formset.forms] == [rows["tenancy_a"]]
    assert not inline.has_add_permission and not inline.has_change_permission
    assert not inline.has_delete_permission


# --- USCC through the admin -------------------------------------------------------------


def test_bad_check_character_is_refused_and_a_street_operator_cannot_override(
    client, staff_a, rows
):
    client.force_login(staff_a)
    building = rows["building_a"]
    code = corrupt_check(make_uscc(711))
    before = snapshot()
    response = client.post("/admin/buildings/enterprise/add/", enterprise_form(code, building))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"uscc"} and "早期试点" in errors["uscc"][0]
    data = enterprise_form(code, building, uscc_override_reason=REASON)
    response = client.post("/admin/buildings/enterprise/add/", data)
    assert response.context["adminform"].form.errors == {
        "uscc_override_reason": ["您没有接受例外信用代码的权限，请联系区级管理员。"]
    }
    assert snapshot() == before


def test_override_by_the_district_admin_is_recorded_and_audited(client, users, rows):
    admin = users["admin"]
    client.force_login(admin)
    code = corrupt_check(make_uscc(712))
    data = enterprise_form(code.lower(), rows["building_a"], uscc_override_reason=REASON)
    response = client.post("/admin/buildings/enterprise/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    enterprise = Enterprise.objects.get(uscc=code)
    assert (enterprise.uscc_override_reason, enterprise.uscc_override_by) == (REASON, admin)
    event = enterprise.events.get()
    assert (event.pgh_label, event.uscc_override_by_id) == ("insert", admin.pk)
    assert event.pgh_context.metadata["user"] == admin.pk
    assert event.pgh_context.metadata["channel"] == "admin"
    # The change page shows who accepted it.
    response = client.get(f"/admin/buildings/enterprise/{enterprise.pk}/change/")
    assert admin.username in response.content.decode()
    assert Tenancy.objects.get(enterprise=enterprise).room == "402"


@pytest.mark.parametrize(("authority", "kind"), [("A", "1"), ("N", "3"), ("Y", "1")])
def test_a_n_y_prefixed_codes_are_accepted(client, staff_a, rows, authority, kind):
    client.force_login(staff_a)
    code = make_uscc(713, authority=authority, kind=kind)
    data = enterprise_form(f" {code.lower()} ", rows["building_a"])
    response = client.post("/admin/buildings/enterprise/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Enterprise.objects.get(uscc=code).uscc_override_by is None


def test_corrupted_organisation_code_is_refused_even_with_reason_and_permission(
    client, users, rows
):
    from portal import validators

    client.force_login(users["admin"])
    code = make_uscc(714)
    first17 = code[:11] + ("3" if code[11] != "3" else "4") + code[12:17]
    bad = first17 + validators.uscc_check_char(first17)
    before = snapshot()
    data = enterprise_form(bad, rows["building_a"], uscc_override_reason=REASON)
    response = client.post("/admin/buildings/enterprise/add/", data)
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"uscc"} and "组织机构代码" in errors["uscc"][0]
    assert snapshot() == before
