"""Django admin honours the same row scope for non-superusers (DESIGN.md 5 and 8).

A staff street operator of street A sees only A's rows in the changelists; B's change,
history and delete pages answer exactly as for a row that does not exist (Django 5.2 for an
object outside ``get_queryset``: 302 to the admin index with the warning
“ID 为“<pk>”的 <verbose name> 不存在。可能已经被删除了？”); a save that would put an A row
under a B row is a form error and writes nothing.
"""

import pytest

from organizations.models import LeadershipPosition, Organization
from portal.accounts.roles import INTEGRATION, STREET_OPERATOR
from portal.models import Region
from tests.conftest import make_user

ORGS_A = {"S003", "S003C001", "S003C001B01", "S003C001B01G1"}
ORGS_ALL = {"D310104", *ORGS_A, "S004", "S004C001", "S004C001B01", "S004C001B01G1"}
REGIONS_A = {"310104003", "310104003001"}
B_MARKERS = ("湖南路", "武康", "S004", "310104004", "B书记")
MISSING_PK = 987654321

CHANGELISTS = {
    # admin path: (natural key of a row, rows of street A, verbose name)
    "organizations/organization": ("code", ORGS_A, "党组织"),
    "portal/region": ("code", REGIONS_A, "行政区划"),
    "organizations/leadershipposition": ("holder_name", {"A书记"}, "领导职务"),
}


@pytest.fixture
def staff_a(district):
    return make_user("staff_a", STREET_OPERATOR, district["a"], is_staff=True)


def b_rows(district):
    return [
        ("organizations/organization", district["b_top"]),
        ("organizations/organization", district["b_group"]),
        ("portal/region", district["b"]),
        ("portal/region", district["b1"]),
        ("organizations/leadershipposition", LeadershipPosition.objects.get(holder_name="B书记")),
    ]


def snapshot():
    return (
        sorted(Organization.objects.values_list("code", "parent_id", "region_id", "path", "name")),
        sorted(Region.objects.values_list("code", "parent_id", "path", "name")),
        sorted(LeadershipPosition.objects.values_list("id", "organization_id", "holder_name")),
    )


def changelist_keys(client, path, key, **params):
    response = client.get(f"/admin/{path}/", params)
    assert response.status_code == 200
    cl = response.context["cl"]
    keys = [getattr(obj, key) for obj in cl.result_list]
    assert cl.result_count == len(keys)
    return set(keys), cl.full_result_count, response.content.decode()


def admin_form_data(response):
    """What the change form posts back as rendered: its fields and its inline formsets."""
    form = response.context["adminform"].form
    data = {}

    def put(prefix, bound_form):
        for name in bound_form.fields:
            value = bound_form[name].value()
            if value is None or value is False:
                continue
            data[f"{prefix}{name}"] = "on" if value is True else value

    put("", form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for inline_form in formset.forms:
            put(f"{inline_form.prefix}-", inline_form)
    return data


# --- changelists ---------------------------------------------------------------------


@pytest.mark.parametrize("path", CHANGELISTS)
def test_changelist_shows_only_a_rows(client, staff_a, path):
    key, expected, _name = CHANGELISTS[path]
    client.force_login(staff_a)
    keys, full_count, html = changelist_keys(client, path, key)
    assert keys == expected
    assert full_count == len(expected)
    for marker in B_MARKERS:
        assert marker not in html, marker
    # Raw-id lookup popups are the same changelist: the same rows.
    assert changelist_keys(client, path, key, _popup=1, _to_field="id")[0] == expected


def test_changelist_search_finds_nothing_of_b(client, staff_a, users):
    client.force_login(staff_a)
    path = "organizations/organization"
    assert changelist_keys(client, path, "code", q="S004")[0] == set()
    assert changelist_keys(client, path, "code", q="湖南路")[0] == set()
    assert changelist_keys(client, path, "code", q="S00")[0] == ORGS_A
    # The district admin (staff, not superuser) sees the whole district with the same search.
    client.force_login(users["admin"])
    assert changelist_keys(client, path, "code")[0] == ORGS_ALL
    assert changelist_keys(client, path, "code", q="湖南路")[0] == {"S004"}


# --- B's pages ------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_b_pages_answer_like_a_missing_row(client, staff_a, district, page):
    client.force_login(staff_a)
    before = snapshot()
    for path, obj in b_rows(district):
        name = CHANGELISTS[path][2]
        for pk in (obj.pk, MISSING_PK):
            url = f"/admin/{path}/{pk}/{page}/"
            if (path, page) == ("portal/region", "delete"):
                # Street operators may not delete regions at all: 403 whatever the row.
                assert client.get(url).status_code == 403
                assert client.post(url, {"post": "yes"}).status_code == 403
                continue
            message = f"ID 为“{pk}”的 {name} 不存在。可能已经被删除了？"
            response = client.get(url, follow=True)
            assert response.redirect_chain == [("/admin/", 302)], url
            assert [str(m) for m in response.context["messages"]] == [message]
            # POSTing the page (a save, or the delete confirmation) is refused the same way.
            response = client.post(url, {"post": "yes", "name": "改名"}, follow=True)
            assert response.redirect_chain == [("/admin/", 302)], url
            assert [str(m) for m in response.context["messages"]] == [message]
    assert snapshot() == before
    # A's rows open normally: the redirects above are scoping, not a broken admin.
    a_org = district["a_top"]
    response = client.get(f"/admin/organizations/organization/{a_org.pk}/{page}/")
    assert response.status_code == 200


# --- saving --------------------------------------------------------------------------


def test_cannot_save_an_a_org_under_a_b_parent(client, staff_a, district):
    client.force_login(staff_a)
    org = district["a_branch"]  # holds a position: the inline formset goes along
    url = f"/admin/organizations/organization/{org.pk}/change/"
    data = admin_form_data(client.get(url))
    assert data["parent"] == district["a_general"].pk
    assert data["positions-TOTAL_FORMS"] == 1
    before = snapshot()
    for changes, bad_fields in [
        ({"parent": district["b_general"].pk}, {"parent"}),
        ({"parent": district["b_general"].pk, "region": district["b1"].pk}, {"parent", "region"}),
        ({"region": district["b1"].pk}, {"region"}),
        ({"parent": district["root"].pk}, {"parent"}),  # above A's scope, not its parent
    ]:
        response = client.post(url, {**data, **changes})
        assert response.status_code == 200, changes
        errors = response.context["adminform"].form.errors
        assert set(errors) == bad_fields, (changes, errors)
        assert all("选择一个有效的选项" in errors[f][0] for f in bad_fields)
    assert snapshot() == before
    # Control: the same form with an A parent saves and moves the subtree.
    response = client.post(url, {**data, "parent": district["a_top"].pk})
    assert (response.status_code, response["Location"]) == (
        302,
        "/admin/organizations/organization/",
    )
    assert Organization.objects.get(code="S003C001B01G1").path == (
        "/D310104/S003/S003C001B01/S003C001B01G1/"
    )


def test_cannot_add_an_org_in_b(client, staff_a, district):
    client.force_login(staff_a)
    url = "/admin/organizations/organization/add/"
    assert client.get(url).status_code == 200
    data = {
        "code": "S004C001B02",
        "name": "越权党支部",
        "kind": "branch",
        "sector": "community",
        "parent": district["b_general"].pk,
        "region": district["b1"].pk,
        "positions-TOTAL_FORMS": 0,
        "positions-INITIAL_FORMS": 0,
        "positions-MIN_NUM_FORMS": 0,
        "positions-MAX_NUM_FORMS": 1000,
    }
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"parent", "region"}
    assert snapshot() == before
    response = client.post(
        url,
        {
            **data,
            "code": "S003C001B02",
            "parent": district["a_general"].pk,
            "region": district["a1"].pk,
        },
    )
    assert response.status_code == 302
    assert (
        Organization.objects.get(code="S003C001B02").path == "/D310104/S003/S003C001/S003C001B02/"
    )


def test_cannot_move_a_region_or_position_into_b(client, staff_a, district):
    client.force_login(staff_a)
    before = snapshot()
    url = f"/admin/portal/region/{district['a1'].pk}/change/"
    data = admin_form_data(client.get(url))
    response = client.post(url, {**data, "parent": district["b"].pk})
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"parent"}

    position = LeadershipPosition.objects.get(holder_name="A书记")
    url = f"/admin/organizations/leadershipposition/{position.pk}/change/"
    data = admin_form_data(client.get(url))
    response = client.post(url, {**data, "organization": district["b_branch"].pk})
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"organization"}
    assert snapshot() == before


def test_saving_a_top_level_row_unchanged_keeps_its_parent(client, staff_a, district):
    """Regression: A's working committee and street A hang under rows above A's scope; the
    admin keeps those current links valid, so saving them as they are works."""
    client.force_login(staff_a)
    top = district["a_top"]
    url = f"/admin/organizations/organization/{top.pk}/change/"
    data = admin_form_data(client.get(url))
    assert data["parent"] == district["root"].pk
    response = client.post(url, {**data, "contact_phone": "021-64000000"})
    assert response.status_code == 302
    top.refresh_from_db()
    assert (top.parent_id, top.path, top.contact_phone) == (
        district["root"].pk,
        "/D310104/S003/",
        "021-64000000",
    )
    street = district["a"]
    url = f"/admin/portal/region/{street.pk}/change/"
    data = admin_form_data(client.get(url))
    response = client.post(url, {**data, "name": "天平路街道"})
    assert response.status_code == 302
    street.refresh_from_db()
    assert (street.parent_id, street.path) == (district["district"].pk, "/310104/310104003/")


# --- who gets into the admin at all ---------------------------------------------------


def test_admin_access_rules(client, users, district, staff_a):
    # A street operator without is_staff is sent to the admin login.
    client.force_login(users["operator_a"])
    response = client.get("/admin/organizations/organization/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    # An integration account is refused even when flagged staff.
    robot = make_user("robot_a", INTEGRATION, district["a"], is_staff=True)
    client.force_login(robot)
    assert client.get("/admin/organizations/organization/").status_code == 403
    # The staff operator's admin holds no unscoped audit or account lists.
    client.force_login(staff_a)
    for url in ("/admin/pghistory/events/", "/admin/accounts/user/", "/admin/portal/importjob/"):
        assert client.get(url).status_code == 403, url
    index = client.get("/admin/")
    assert index.status_code == 200
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    registers = {"Organization", "LeadershipPosition", "Region", "Member", "Applicant", "Transfer"}
    registers |= {"DuesRate", "DuesBase", "DuesPayment", "DuesExemption"}
    enterprises_and_buildings = {
        "Park",
        "Building",
        "Enterprise",
        "Tenancy",
        "ServiceSite",
        "EnterpriseFacts",
        "CoverageSummary",
    }
    grid_work = {"Grid", "CaseCategory", "Case", "Wish", "Visit"}
    grid_work |= {"InboxItem"}  # the user's own inbox (the grids' messages moved there)
    registers |= {"Meeting", "MeetingAttendance", "MeetingFrequency", "TermRule", "Election"}
    regional = {
        "ResidentUnit", "JointMeeting", "JointMeetingMembership", "JointMeetingSession",
        "SessionAttendance", "Need", "Resource", "Project", "ProjectAllocation", "Milestone",
        "ProjectUpdate", "Pairing", "PairingActivity", "PairingEvaluation",
        "IndustryCommittee", "IndustryCommitteeMember", "IndustryIssue",
    }  # fmt: skip
    cadres = {"TrainingRecord", "AnnualReview", "CommunityWorker", "GradeChange", "LadderRule"}
    assert models == (registers | enterprises_and_buildings | grid_work | regional | cadres) | {
        "ReportJob",
        "Figure",
    }
