"""The register forms through the UI (issue 4, points 2 and 4): the USCC rules with the
audited exception for early pilot-region codes, errors that name their field, scoped
choices, and create/edit/delete round trips of every register."""

from datetime import date

import pytest

from buildings.models import Building, Enterprise, Park, ServiceSite
from portal import validators
from tests.buildings.conftest import corrupt_check, make_uscc

REASON = "厦门早期试点代码，已核对营业执照原件。"


def enterprise_form(community, uscc, **fields):
    data = {
        "uscc": uscc,
        "name": "测试企业有限公司",
        "kind": "private",
        "industry": "I",
        "region": community.pk,
        "status": "active",
    }
    data.update(fields)
    return data


def corrupt_org_code(code):
    """``code`` with one digit of its organisation code body changed (both checks off)."""
    body = code[8:16]
    digit = str((int(body[3]) + 1) % 10)
    return code[:11] + digit + code[12:]


def post(client, url, data):
    response = client.post(url, data)
    errors = response.context["form"].errors if response.context else {}
    return response, errors


def test_a_valid_code_is_stored_canonical(client_for, users, district):
    client = client_for(users["operator_a"])
    code = make_uscc(501)
    response, errors = post(
        client, "/enterprises/add/", enterprise_form(district["a1"], f" {code.lower()} ")
    )
    assert response.status_code == 302, errors
    enterprise = Enterprise.objects.get(uscc=code)
    assert response["Location"] == f"/enterprises/{enterprise.pk}/"
    assert enterprise.uscc_override_reason == "" and enterprise.uscc_override_by is None


@pytest.mark.parametrize(("authority", "kind"), [("A", "1"), ("N", "2"), ("Y", "1")])
def test_a_n_y_prefixed_valid_codes_are_accepted(client_for, users, district, authority, kind):
    client = client_for(users["operator_a"])
    code = make_uscc(502, authority=authority, kind=kind)
    response, errors = post(client, "/enterprises/add/", enterprise_form(district["a1"], code))
    assert response.status_code == 302, errors
    assert Enterprise.objects.filter(uscc=code).exists()


@pytest.mark.parametrize("user_key", ["admin", "operator_a"])
def test_a_bad_check_character_is_refused_on_the_uscc_field(client_for, users, district, user_key):
    client = client_for(users[user_key])
    code = corrupt_check(make_uscc(503))
    response, errors = post(client, "/enterprises/add/", enterprise_form(district["a1"], code))
    assert response.status_code == 400
    assert set(errors) == {"uscc"}
    assert "校验位不正确" in errors["uscc"][0]
    html = response.content.decode()
    assert 'data-field="uscc">统一社会信用代码校验位不正确' in html
    assert not Enterprise.objects.filter(uscc=code).exists()


@pytest.mark.parametrize("user_key", ["admin", "operator_a"])
def test_a_corrupted_org_code_part_is_refused_even_with_a_reason(
    client_for, users, district, user_key
):
    client = client_for(users[user_key])
    code = corrupt_org_code(make_uscc(504))
    assert validators.org_code_check_char(code[8:16]) != code[16]
    data = enterprise_form(district["a1"], code, uscc_override_reason=REASON)
    response, errors = post(client, "/enterprises/add/", data)
    assert response.status_code == 400
    assert errors == {"uscc": ["统一社会信用代码第9-17位（组织机构代码）校验不通过，请核对。"]}
    assert not Enterprise.objects.filter(uscc=code).exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91310104MA1FL8XQ", "应为18位"),
        ("B1310104000005042X", "第1位"),
        ("9I310104000005042X", "不使用字母"),
    ],
)
def test_other_malformed_codes_name_the_uscc_field(client_for, users, district, code, message):
    client = client_for(users["operator_a"])
    response, errors = post(client, "/enterprises/add/", enterprise_form(district["a1"], code))
    assert response.status_code == 400
    assert set(errors) == {"uscc"} and message in errors["uscc"][0]


def test_district_admin_accepts_a_pilot_code_with_a_reason(client_for, users, district):
    client = client_for(users["admin"])
    page = client.get("/enterprises/add/").content.decode()
    assert 'name="uscc_override_reason"' in page
    assert "disabled" not in page.split('name="uscc_override_reason"')[1].split(">")[0]
    code = corrupt_check(make_uscc(505))
    data = enterprise_form(district["a1"], code, uscc_override_reason=f"  {REASON} ")
    response, errors = post(client, "/enterprises/add/", data)
    assert response.status_code == 302, errors
    enterprise = Enterprise.objects.get(uscc=code)
    assert enterprise.uscc_override_reason == REASON
    assert enterprise.uscc_override_by == users["admin"]


def test_street_operator_cannot_accept_a_pilot_code(client_for, users, district):
    client = client_for(users["operator_a"])
    page = client.get("/enterprises/add/").content.decode()
    reason_input = page.split('name="uscc_override_reason"')[1].split(">")[0]
    assert "disabled" in reason_input
    assert "须由区级管理员填写例外说明后接受" in page
    code = corrupt_check(make_uscc(506))
    # A reason posted anyway is ignored: the field is not theirs to fill.
    data = enterprise_form(district["a1"], code, uscc_override_reason=REASON)
    response, errors = post(client, "/enterprises/add/", data)
    assert response.status_code == 400
    assert set(errors) == {"uscc"}
    assert "有权限的用户可填写例外说明后接受" in errors["uscc"][0]
    assert not Enterprise.objects.filter(uscc=code).exists()


@pytest.fixture
def approved(client_for, users, district):
    """An enterprise of A whose pilot code the district admin accepted."""
    code = corrupt_check(make_uscc(507))
    data = enterprise_form(district["a1"], code, uscc_override_reason=REASON)
    response = client_for(users["admin"]).post("/enterprises/add/", data)
    assert response.status_code == 302
    return Enterprise.objects.get(uscc=code)


def test_operator_may_edit_other_fields_of_an_approved_exception(
    client_for, users, district, approved
):
    client = client_for(users["operator_a"])
    data = enterprise_form(district["a1"], approved.uscc, employees="120", name="改名企业")
    response, errors = post(client, f"/enterprises/{approved.pk}/edit/", data)
    assert response.status_code == 302, errors
    approved.refresh_from_db()
    assert (approved.name, approved.employees) == ("改名企业", 120)
    # The approval stands as it was given.
    assert approved.uscc_override_reason == REASON
    assert approved.uscc_override_by == users["admin"]


def test_operator_cannot_swap_in_another_pilot_code(client_for, users, district, approved):
    client = client_for(users["operator_a"])
    other = corrupt_check(make_uscc(508))
    data = enterprise_form(district["a1"], other)
    response, errors = post(client, f"/enterprises/{approved.pk}/edit/", data)
    assert response.status_code == 400
    assert set(errors) == {"uscc_override_reason"}
    assert "没有接受例外信用代码的权限" in errors["uscc_override_reason"][0]
    approved.refresh_from_db()
    assert approved.uscc != other


def test_correcting_the_code_drops_the_exception(client_for, users, district, approved):
    client = client_for(users["operator_a"])
    valid = make_uscc(507)
    response, errors = post(
        client, f"/enterprises/{approved.pk}/edit/", enterprise_form(district["a1"], valid)
    )
    assert response.status_code == 302, errors
    approved.refresh_from_db()
    assert (approved.uscc, approved.uscc_override_reason, approved.uscc_override_by) == (
        valid,
        "",
        None,
    )


def test_duplicate_uscc_is_refused_on_the_field(client_for, users, registers, district):
    client = client_for(users["operator_a"])
    data = enterprise_form(district["a1"], registers["enterprise_a"].uscc)
    response, errors = post(client, "/enterprises/add/", data)
    assert response.status_code == 400 and set(errors) == {"uscc"}


# --- other fields and scoped choices ------------------------------------------------------


def test_enterprise_floor_and_building_rules_name_their_fields(
    client_for, users, registers, district
):
    client = client_for(users["operator_a"])
    building = registers["building_a"]
    cases = [
        ({"building": building.pk, "floor": "21"}, "floor"),
        ({"building": building.pk, "floor": "-3"}, "floor"),
        ({"floor": "3"}, "building"),
        ({"moved_in_on": "2999-01-01"}, "moved_in_on"),
        ({"status": "deregistered"}, "status_on"),
    ]
    for seq, (fields, field) in enumerate(cases, start=520):
        data = enterprise_form(district["a1"], make_uscc(seq), **fields)
        response, errors = post(client, "/enterprises/add/", data)
        assert response.status_code == 400, fields
        assert set(errors) == {field}, (fields, errors)
        assert f'data-field="{field}"' in response.content.decode()


def test_choices_out_of_scope_are_not_valid(client_for, users, registers, district):
    client = client_for(users["operator_a"])
    page = client.get("/enterprises/add/").content.decode()
    assert "湖南路街道大厦" not in page and "武康居委会" not in page
    cases = [
        ({"region": district["b1"].pk}, "region"),
        ({"building": registers["building_b"].pk}, "building"),
        ({"party_organization": district["b_branch"].pk}, "party_organization"),
    ]
    for seq, (fields, field) in enumerate(cases, start=530):
        data = enterprise_form(district["a1"], make_uscc(seq), **fields)
        response, errors = post(client, "/enterprises/add/", data)
        assert response.status_code == 400
        assert field in errors and "选择一个有效的选项" in errors[field][0], errors
    assert not Enterprise.objects.filter(uscc__in=[make_uscc(s) for s in range(530, 533)])


def building_form(community, **fields):
    data = {
        "code": "BA09",
        "name": "漕河泾新楼",
        "kind": "office",
        "address": "天平路9号",
        "region": community.pk,
        "latitude": "31.190000",
        "longitude": "121.430000",
        "floors": "12",
        "basement_floors": "1",
    }
    data.update(fields)
    return data


def test_building_round_trip_and_field_errors(client_for, users, registers, district):
    client = client_for(users["operator_a"])
    for fields, field in [
        ({"latitude": "39.900000", "longitude": "116.400000"}, {"latitude", "longitude"}),
        ({"latitude": "31.190000", "longitude": ""}, {"longitude"}),
        ({"region": district["a"].pk}, {"region"}),
        ({"park": registers["park_b"].pk}, {"park"}),
        ({"floors": "0"}, {"floors"}),
    ]:
        response, errors = post(client, "/buildings/add/", building_form(district["a1"], **fields))
        assert response.status_code == 400, fields
        assert set(errors) == field, (fields, errors)
    response, errors = post(
        client, "/buildings/add/", building_form(district["a1"], park=registers["park_a"].pk)
    )
    assert response.status_code == 302, errors
    building = Building.objects.get(code="BA09")
    data = building_form(district["a1"], name="漕河泾新楼（改）", property_manager="某物业")
    response, errors = post(client, f"/buildings/{building.pk}/edit/", data)
    assert response.status_code == 302, errors
    building.refresh_from_db()
    assert (building.name, building.property_manager) == ("漕河泾新楼（改）", "某物业")
    assert client.post(f"/buildings/{building.pk}/delete/").status_code == 302
    assert not Building.objects.filter(pk=building.pk).exists()


def test_a_building_with_tenants_cannot_be_deleted(client_for, users, registers):
    client = client_for(users["operator_a"])
    building = registers["building_a"]
    response = client.post(f"/buildings/{building.pk}/delete/", follow=True)
    assert "仍被其他数据引用" in response.content.decode()
    assert Building.objects.filter(pk=building.pk).exists()


def test_park_and_service_site_round_trips(client_for, users, registers, district):
    client = client_for(users["operator_a"])
    response, errors = post(
        client, "/parks/add/", {"code": "PA09", "name": "新园区", "region": district["a"].pk}
    )
    assert response.status_code == 302, errors
    park = Park.objects.get(code="PA09")
    assert park.region == district["a"]
    site = {
        "code": "SSA09",
        "name": "新驿站",
        "kind": "golden_collar",
        "region": district["a1"].pk,
        "building": registers["building_a"].pk,
        "full_time_workers": "2",
        "opened_on": "2024-07-01",
    }
    response, errors = post(client, "/service-sites/add/", site)
    assert response.status_code == 302, errors
    created = ServiceSite.objects.get(code="SSA09")
    assert (created.full_time_workers, created.opened_on) == (2, date(2024, 7, 1))
    # The building must lie in the site's region.
    other = {**site, "code": "SSA10", "region": district["a"].pk}
    assert post(client, "/service-sites/add/", other)[0].status_code == 302
    wrong = {**site, "code": "SSA11", "building": registers["building_b"].pk}
    assert set(post(client, "/service-sites/add/", wrong)[1]) == {"building"}
    assert client.post(f"/service-sites/{created.pk}/delete/").status_code == 302
    assert client.post(f"/parks/{park.pk}/delete/").status_code == 302
    assert not Park.objects.filter(code="PA09").exists()


def test_enterprise_move_through_the_form_writes_the_tenancy_history(
    client_for, users, registers, district
):
    from buildings.models import Tenancy

    client = client_for(users["operator_a"])
    enterprise = registers["enterprise_a"]
    data = enterprise_form(
        district["a1"],
        enterprise.uscc,
        name=enterprise.name,
        building=registers["building_a"].pk,
        floor="7",
        room="701",
        moved_in_on="2024-09-01",
    )
    response, errors = post(client, f"/enterprises/{enterprise.pk}/edit/", data)
    assert response.status_code == 302, errors
    history = list(
        Tenancy.objects.filter(enterprise=enterprise)
        .order_by("moved_in_on")
        .values_list("floor", "room", "moved_in_on", "moved_out_on")
    )
    assert history == [
        (3, "301", date(2020, 1, 1), date(2024, 9, 1)),
        (7, "701", date(2024, 9, 1), None),
    ]


def test_add_pages_take_their_relations_from_the_link(client_for, users, registers, district):
    """The building page's "新增入驻企业" and the park page's "新增楼宇" links prefill."""
    client = client_for(users["operator_a"])
    building, park = registers["building_a"], registers["park_a"]
    form = client.get(
        "/enterprises/add/", {"building": building.pk, "region": district["a1"].pk}
    ).context["form"]
    assert (form["building"].value(), form["region"].value()) == (
        str(building.pk),
        str(district["a1"].pk),
    )
    form = client.get("/buildings/add/", {"park": park.pk}).context["form"]
    assert form["park"].value() == str(park.pk)
