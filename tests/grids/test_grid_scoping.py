"""Row scope of the grid register and of every grids model in the admin (DESIGN.md 5): street
B's operator and B's community worker cannot list, read, change, export, find or map street
A's grids (404 or absent, nothing changed); the admin shows a staff operator of B only B's
grids, cases, wishes and visits; case categories are one district-wide table that only the
district may change; a user's inbox is their own."""

import csv
import io
import json

import pytest

from grids.models import Case, CaseCategory, Grid, Visit, Wish
from portal.accounts.roles import COMMUNITY_WORKER, STREET_OPERATOR
from portal.inbox.services import notify
from tests.conftest import make_user
from tests.grids.conftest import make_grid_case, square
from tests.portal.pagetables import table_rows

#: Strings only street A's grid, community and people carry.
A_MARKERS = ("GA01", "上海新村", "A网格长", "A网格员", "310104003001")


@pytest.fixture
def b_users(district, users):
    return {
        "operator_b": users["operator_b"],
        "worker_b": make_user("worker_b", COMMUNITY_WORKER, district["b1"]),
    }


def snapshot():
    fields = [f.attname for f in Grid._meta.concrete_fields]
    return (
        sorted(Grid.objects.values_list(*fields)),
        sorted(Grid.workers.through.objects.values_list("grid_id", "member_id")),
    )


def assert_no_a(text):
    for marker in A_MARKERS:
        assert marker not in text, marker


@pytest.mark.parametrize("user_key", ["operator_b", "worker_b"])
def test_ui_list_exports_and_search_hold_only_b(client_for, b_users, grids, user_key):
    client = client_for(b_users[user_key])
    for params in ({}, {"q": "GA01"}, {"q": "上海新村"}, {"region_within": "310104003"}):
        response = client.get("/grids/", params)
        assert response.status_code == 200
        rows = table_rows(response.content.decode(), "object-table")
        codes = {row[0] for row in rows if len(row) > 1}
        assert codes == ({"GB01"} if not params else set()), params
        if not params:  # (a search echoes its own term)
            assert_no_a(response.content.decode())
        export = client.get("/grids/", {**params, "export": "csv"})
        lines = list(
            csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))
        )
        assert {line[0] for line in lines[1:]} == codes
        geo = client.get("/grids/export.geojson", params)
        data = json.loads(b"".join(geo.streaming_content))
        assert {f["properties"]["code"] for f in data["features"]} == codes
    body = client.get("/autocomplete/grids.grid/", {"q": "G"}).json()
    assert {row["code"] for row in body["results"]} == {"GB01"}


@pytest.mark.parametrize("user_key", ["operator_b", "worker_b"])
def test_ui_pages_of_a_grid_are_404_and_change_nothing(
    client_for, b_users, grids, district, user_key
):
    client = client_for(b_users[user_key])
    a = grids["grid_a"]
    before = snapshot()
    assert client.get(f"/grids/{a.pk}/").status_code == 404
    assert client.get(f"/grids/{a.pk}/history/").status_code == 404
    for page in ("edit/", "delete/"):
        expected = 404 if user_key == "operator_b" else 403  # workers may not edit grids
        assert client.get(f"/grids/{a.pk}/{page}").status_code == expected
        data = {"code": "GA01", "name": "改名", "region": district["b1"].pk, "households": 1}
        assert client.post(f"/grids/{a.pk}/{page}", data).status_code == expected
    assert snapshot() == before
    assert client.get(f"/grids/{grids['grid_b'].pk}/").status_code == 200


def test_ui_cannot_put_a_grid_into_a(client_for, b_users, grids, district):
    client = client_for(b_users["operator_b"])
    before = snapshot()
    data = {
        "code": "GB02",
        "name": "新网格",
        "region": district["a1"].pk,
        "households": "1",
        "population": "1",
        "boundary": json.dumps(square(121.44, 31.2)),
    }
    response = client.post("/grids/add/", data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"region"}
    assert snapshot() == before


def test_map_page_and_data_hold_only_b(client_for, api_for, b_users, grids, district):
    make_grid_case(grids["grid_a"], grids["category"], "C1", overdue=True)
    for user in b_users.values():
        client = client_for(user)
        assert client.get("/grids/map/", {"region": "310104003"}).status_code == 404
        assert client.get("/grids/map/", {"region": "310104003001"}).status_code == 404
        for params in ({}, {"region": "310104003001"}, {"bbox": "121,31,122,32"}):
            body = client.get("/api/v1/grids/map/", params).json()
            assert {f["properties"]["code"] for f in body["features"]} <= {"GB01"}
            assert_no_a(json.dumps(body, ensure_ascii=False))


@pytest.mark.parametrize("user_key", ["operator_b", "worker_b"])
def test_api_of_a_grid_is_404_and_changes_nothing(api_for, b_users, grids, district, user_key):
    api = api_for(b_users[user_key])
    a = grids["grid_a"]
    before = snapshot()
    assert {r["code"] for r in api.get("/api/v1/grids/").json()["results"]} == {"GB01"}
    for params in ({"q": "GA01"}, {"region_within": "310104003"}, {"leader": grids["leader_a"].pk}):
        assert api.get("/api/v1/grids/", params).json()["results"] == []
    url = f"/api/v1/grids/{a.pk}/"
    assert api.get(url).status_code == 404
    if user_key == "operator_b":
        assert api.patch(url, {"name": "改名"}, format="json").status_code == 404
        assert api.delete(url).status_code == 404
        body = {"code": "GA01", "name": "改名", "region": district["b1"].code}
        response = api.post("/api/v1/grids/upsert/", body, format="json")
        assert response.status_code == 400
        assert_no_a(response.content.decode())
    else:
        assert api.patch(url, {"name": "改名"}, format="json").status_code in (403, 404)
    assert snapshot() == before


# --- admin -------------------------------------------------------------------------------


@pytest.fixture
def admin_rows(grids, users):
    """A case, a wish and a visit in each grid; a notification for each street operator."""
    objects = {}
    for key in ("a", "b"):
        grid = grids[f"grid_{key}"]
        objects[f"case_{key}"] = make_grid_case(grid, grids["category"], f"C{key.upper()}")
        objects[f"wish_{key}"] = Wish.objects.create(
            number=f"W{key.upper()}", grid=grid, title=f"{key}心愿", beneficiary_name="张三"
        )
        objects[f"visit_{key}"] = Visit.objects.create(
            grid=grid,
            target=Visit.Target.HOUSEHOLD,
            household=f"{key}路1号",
            visited_on="2025-01-02",
        )
    return objects


@pytest.fixture
def staff_b(district):
    return make_user("staff_b", STREET_OPERATOR, district["b"], is_staff=True)


ADMIN_MODELS = {
    # admin path: (row of street A key, row of street B key)
    "grids/grid": ("grid_a", "grid_b"),
    "grids/case": ("case_a", "case_b"),
    "grids/wish": ("wish_a", "wish_b"),
    "grids/visit": ("visit_a", "visit_b"),
}


@pytest.mark.parametrize("path", list(ADMIN_MODELS))
def test_admin_shows_a_staff_operator_only_their_street(client, staff_b, grids, admin_rows, path):
    rows = {**grids, **admin_rows}
    a_key, b_key = ADMIN_MODELS[path]
    client.force_login(staff_b)
    response = client.get(f"/admin/{path}/")
    assert response.status_code == 200
    assert [obj.pk for obj in response.context["cl"].result_list] == [rows[b_key].pk]
    assert_no_a(response.content.decode())
    a = rows[a_key]
    before = snapshot(), sorted(Case.objects.values_list("pk", "title", "state"))
    for page in ("change", "history", "delete"):
        if page == "delete" and path != "grids/grid":
            # Cases, wishes and visits are deleted by no one but superusers, A's or B's.
            assert client.get(f"/admin/{path}/{a.pk}/delete/").status_code == 403
            assert client.post(f"/admin/{path}/{a.pk}/delete/", {"post": "yes"}).status_code == 403
            continue
        response = client.get(f"/admin/{path}/{a.pk}/{page}/", follow=True)
        assert response.redirect_chain == [("/admin/", 302)], page
        response = client.post(f"/admin/{path}/{a.pk}/{page}/", {"post": "yes"}, follow=True)
        assert response.redirect_chain == [("/admin/", 302)], page
    assert (snapshot(), sorted(Case.objects.values_list("pk", "title", "state"))) == before
    assert client.get(f"/admin/{path}/{rows[b_key].pk}/change/").status_code == 200


def test_admin_offers_no_state_edits_and_no_new_work(client, staff_b, grids, admin_rows):
    client.force_login(staff_b)
    response = client.get(f"/admin/grids/case/{admin_rows['case_b'].pk}/change/")
    form = response.context["adminform"].form
    assert not {"state", "level", "due_at", "overdue", "number", "assignee_member"} & set(
        form.fields
    )
    assert {"title", "description"} <= set(form.fields)
    inlines = response.context["inline_admin_formsets"]
    assert all(
        not inline.has_add_permission and not inline.has_change_permission for inline in inlines
    )
    assert client.get("/admin/grids/case/add/").status_code == 403
    assert client.get("/admin/grids/wish/add/").status_code == 403
    form = (
        client.get(f"/admin/grids/wish/{admin_rows['wish_b'].pk}/change/").context["adminform"].form
    )
    assert "state" not in form.fields and "claimed_by_member" not in form.fields


def test_admin_grid_form_offers_only_b_members_and_regions(client, staff_b, grids, district):
    client.force_login(staff_b)
    b = grids["grid_b"]
    form = client.get(f"/admin/grids/grid/{b.pk}/change/").context["adminform"].form
    assert set(form.fields["workers"].queryset) == {grids["leader_b"], grids["worker_b"]}
    assert grids["leader_a"] not in form.fields["leader"].queryset
    assert district["a1"] not in form.fields["region"].queryset
    # A's member as leader: refused on the field, nothing written.
    before = snapshot()
    data = {
        "code": "GB01",
        "name": b.name,
        "region": district["b1"].pk,
        "households": 1,
        "population": 1,
        "leader": grids["leader_a"].pk,
        "workers": str(grids["worker_b"].pk),
        "boundary": json.dumps(b.boundary),
        "note": "",
    }
    response = client.post(f"/admin/grids/grid/{b.pk}/change/", data)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"leader"}
    assert snapshot() == before


def test_case_categories_are_district_wide_and_changed_by_the_district(
    client, staff_b, users, grids
):
    category = grids["category"]
    client.force_login(staff_b)
    response = client.get("/admin/grids/casecategory/")
    assert [c.code for c in response.context["cl"].result_list] == ["ENV"]
    response = client.post(
        f"/admin/grids/casecategory/{category.pk}/change/",
        {
            "code": "ENV",
            "name": "改名",
            "accept_hours": 1,
            "dispatch_hours": 1,
            "resolve_hours": 1,
            "verify_hours": 1,
            "active": "on",
        },
    )
    assert response.status_code == 403
    assert client.get("/admin/grids/casecategory/add/").status_code == 403
    assert CaseCategory.objects.get().name == "环境卫生"
    client.force_login(users["admin"])
    response = client.post(
        f"/admin/grids/casecategory/{category.pk}/change/",
        {
            "code": "ENV",
            "name": "环境与卫生",
            "group": "城市管理",
            "accept_hours": 2,
            "dispatch_hours": 4,
            "resolve_hours": 24,
            "verify_hours": 8,
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert CaseCategory.objects.get().name == "环境与卫生"


def test_notifications_are_each_users_own(client, staff_b, users, admin_rows):
    notify([staff_b], "case_overdue", "B的消息", source=admin_rows["case_b"])
    notify([users["admin"]], "case_overdue", "区里的消息")
    client.force_login(staff_b)
    response = client.get("/admin/inbox/inboxitem/")
    assert [n.title for n in response.context["cl"].result_list] == ["B的消息"]
    mine = response.context["cl"].result_list[0]
    theirs = users["admin"].inbox_items.get()
    assert client.get(f"/admin/inbox/inboxitem/{theirs.pk}/change/").status_code == 302
    assert client.get(f"/admin/inbox/inboxitem/{mine.pk}/change/").status_code == 200
