"""Every regional model through every door: a street operator of B cannot read, list,
change, export or find A's rows (404 across streets), while A can; lists run a constant
number of queries."""

import pytest

MODELS = [
    "jointmeeting",
    "residentunit",
    "jointmeetingmembership",
    "jointmeetingsession",
    "sessionattendance",
    "need",
    "resource",
    "project",
    "projectallocation",
    "milestone",
    "projectupdate",
    "pairing",
    "pairingactivity",
    "pairingevaluation",
    "industrycommittee",
    "industrycommitteemember",
    "industryissue",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", MODELS)
def test_api_scope(name, a_rows, users, api_for):
    obj, _ui, api_path = a_rows[name]
    other, own = api_for(users["operator_b"]), api_for(users["operator_a"])
    assert other.get(f"/api/v1/{api_path}/{obj.pk}/").status_code == 404
    ids = [row["id"] for row in other.get(f"/api/v1/{api_path}/").json()["results"]]
    assert obj.pk not in ids
    assert other.patch(f"/api/v1/{api_path}/{obj.pk}/", {}, format="json").status_code in (404, 405)
    assert other.delete(f"/api/v1/{api_path}/{obj.pk}/").status_code in (404, 405)
    assert own.get(f"/api/v1/{api_path}/{obj.pk}/").status_code == 200
    ids = [row["id"] for row in own.get(f"/api/v1/{api_path}/").json()["results"]]
    assert obj.pk in ids


@pytest.mark.django_db
@pytest.mark.parametrize("name", [m for m in MODELS if m != "projectallocation"])
def test_ui_scope_and_export(name, a_rows, users, client_for):
    obj, ui_path, _api = a_rows[name]
    client = client_for(users["operator_b"])
    for suffix in ("", "history/", "edit/", "delete/"):
        assert client.get(f"/regional/{ui_path}/{obj.pk}/{suffix}").status_code == 404
    exported = client.get(f"/regional/{ui_path}/?export=csv")
    assert exported.status_code == 200
    body = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert str(obj)[:6] not in body or name in ("sessionattendance",)
    own = client_for(users["operator_a"])
    for suffix in ("", "history/", "edit/"):
        assert own.get(f"/regional/{ui_path}/{obj.pk}/{suffix}").status_code == 200, suffix
    assert own.get(f"/regional/{ui_path}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", [m for m in MODELS if m != "projectallocation"])
def test_admin_scope(name, a_rows, users, client_for):
    obj, _ui, _api = a_rows[name]
    users["operator_b"].is_staff = True
    users["operator_b"].save()
    client = client_for(users["operator_b"])
    response = client.get(f"/admin/regional/{name}/{obj.pk}/change/")
    assert response.status_code in (302, 404)
    assert client.get(f"/admin/regional/{name}/").status_code == 200
    admin = client_for(users["admin"])
    assert admin.get(f"/admin/regional/{name}/{obj.pk}/change/").status_code == 200


LIST_PAGES = [
    "joint-meetings",
    "resident-units",
    "needs",
    "resources",
    "projects",
    "pairings",
    "industry-committees",
    "industry-issues",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LIST_PAGES)
def test_list_query_counts_do_not_grow_with_rows(
    path, a_rows, regional, users, client_for, api_for, django_assert_max_num_queries
):
    from regional.models import Need, Project, Resource

    user = users["admin"]
    client, api = client_for(user), api_for(user)
    for i in range(6):
        Need.objects.create(title=f"需求{i}", category="other", region=regional["need_a"].region)
        Resource.objects.create(
            code=f"R-X{i}",
            name=f"资源{i}",
            kind="venue",
            unit=regional["unit_a"],
            region=regional["need_a"].region,
            quantity=5,
            unit_of_measure="场",
        )
        project = Project.objects.create(
            name=f"项目{i}",
            region=regional["need_a"].region,
            owner_organization=regional["project_a"].owner_organization,
            owner_person="李四",
        )
        project.needs.add(regional["need_a"])
    with django_assert_max_num_queries(14):
        assert client.get(f"/regional/{path}/").status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get(f"/api/v1/{path}/").status_code == 200
