"""The case API: list/detail/create (create = services.cases.report), filters, sync by
``updated_after`` + cursor, transitions as POST actions (400 with the reason when refused,
404 out of scope), case categories (read by all, written by district admins), and pinned
query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grids.models import Case, CaseCategory
from grids.services import cases as services
from tests.grids.conftest import PNG_BYTES, case_snapshot, report_case

PNG = PNG_BYTES


@pytest.fixture
def cases(users, case_users, grids):
    worker = users["worker_a"]
    fresh = report_case(worker, grids["grid_a"], grids["category"], title="路灯不亮")
    late = services.accept(
        report_case(worker, grids["grid_a"], grids["category"], title="井盖松动"), worker
    )
    Case.objects.filter(pk=late.pk).update(overdue=True)
    b_case = report_case(
        case_users["cworker_b"], grids["grid_b"], grids["category"], title="武康路积水"
    )
    return {"fresh": fresh, "late": late, "b": b_case}


def titles(api, **params):
    response = api.get("/api/v1/cases/", params)
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("user_key", "expected"),
    [
        ("worker_a", {"路灯不亮", "井盖松动"}),
        ("sync_a", {"路灯不亮", "井盖松动"}),
        ("operator_b", {"武康路积水"}),
        ("admin", {"路灯不亮", "井盖松动", "武康路积水"}),
    ],
)
def test_list_and_filters_hold_exactly_the_cases_in_scope(
    api_for, users, cases, grids, user_key, expected
):
    api = api_for(users[user_key])
    assert titles(api) == expected
    assert titles(api, overdue="true") == expected & {"井盖松动"}
    assert titles(api, state="reported") == expected & {"路灯不亮", "武康路积水"}
    assert titles(api, grid_code="GB01") == expected & {"武康路积水"}
    assert titles(api, q="C") == expected
    assert titles(api, q="积水") == expected & {"武康路积水"}
    assert titles(api, category_code="ENV", open="true") == expected
    b = cases["b"]
    response = api.get(f"/api/v1/cases/{b.pk}/")
    assert response.status_code == (200 if "武康路积水" in expected else 404)


def test_detail_carries_the_timeline_and_photos(api_for, users, cases, media):
    case = report_case(
        users["worker_a"],
        cases["fresh"].grid,
        cases["fresh"].category,
        photos=[SimpleUploadedFile("a.png", PNG)],
    )
    data = api_for(users["worker_a"]).get(f"/api/v1/cases/{case.pk}/").json()
    assert data["number"] == case.number and data["state"] == "reported"
    assert data["category"]["code"] == "ENV" and data["grid"]["code"] == "GA01"
    assert [s["action"] for s in data["steps"]] == ["report"]
    assert data["steps"][0]["actor"]["username"] == "worker_a"
    assert data["photos"][0]["content_type"] == "image/png"
    assert data["photos"][0]["url"].endswith(f"/grids/cases/photos/{case.photos.get().pk}/")


def test_create_reports_a_case_through_the_service(api_for, users, grids):
    api = api_for(users["sync_a"])
    response = api.post(
        "/api/v1/cases/",
        {
            "grid": "GA01",
            "category": "ENV",
            "title": "共享单车乱停",
            "description": "地铁口",
            "latitude": 31.2025,
            "longitude": 121.4325,
            "reporter_name": "王先生",
            "state": "closed",  # read-only: ignored
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(pk=data["id"])
    assert (case.state, case.source, case.reporter_user) == ("reported", "api", users["sync_a"])
    assert data["steps"][0]["action"] == "report" and data["due_at"]
    # B's grid does not exist for A's token; a bad location names its field.
    response = api.post(
        "/api/v1/cases/",
        {"grid": "GB01", "category": "ENV", "title": "x", "description": "y"},
        format="json",
    )
    assert response.status_code == 400 and "grid" in response.json()
    response = api.post(
        "/api/v1/cases/",
        {"grid": "GA01", "category": "ENV", "title": "x", "description": "y", "latitude": 31.2},
        format="json",
    )
    assert response.status_code == 400 and "latitude" in response.json()
    assert Case.objects.count() == 1
    for method in ("put", "patch", "delete"):
        assert getattr(api, method)(f"/api/v1/cases/{case.pk}/", {}).status_code == 405
    # No upsert: cases have no external natural key.
    assert api.post("/api/v1/cases/upsert/", {}, format="json").status_code == 405


def test_transitions_as_actions(api_for, users, case_users, district, cases):
    case = cases["late"]
    operator = api_for(users["operator_a"])
    response = operator.post(
        f"/api/v1/cases/{case.pk}/dispatch/",
        {"organization": district["a_branch"].code, "assignee_user": "worker_a", "note": "请办"},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["state"] == "dispatched" and data["overdue"] is False
    assert data["assignee_organization"]["code"] == district["a_branch"].code
    assert data["assignee_user"]["username"] == "worker_a"
    worker = api_for(users["worker_a"])
    assert worker.post(f"/api/v1/cases/{case.pk}/start/").json()["state"] == "in_progress"
    assert (
        worker.post(f"/api/v1/cases/{case.pk}/resolve/", {"note": "已修"}).json()["state"]
        == "resolved"
    )
    before = case_snapshot(case)
    response = worker.post(f"/api/v1/cases/{case.pk}/verify/")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["办结人不能核实自己办结的需求/问题，请由上报人或其他工作人员核实。"]
    }
    response = worker.post(f"/api/v1/cases/{case.pk}/close/")
    assert response.json() == {"non_field_errors": ["需求/问题当前状态为“已办结”，不能关闭。"]}
    assert case_snapshot(case) == before
    checker = api_for(case_users["cworker_a2"])
    assert checker.post(f"/api/v1/cases/{case.pk}/verify/").json()["state"] == "verified"
    response = checker.post(f"/api/v1/cases/{case.pk}/reopen/", {"note": ""})
    assert response.status_code == 400 and response.json() == {"note": ["请填写重新办理说明。"]}
    assert checker.post(f"/api/v1/cases/{case.pk}/close/").json()["state"] == "closed"
    steps = [s["action"] for s in checker.get(f"/api/v1/cases/{case.pk}/").json()["steps"]]
    assert steps == ["report", "accept", "dispatch", "start", "resolve", "verify", "close"]


def test_transitions_out_of_scope_or_reach(api_for, users, case_users, cases):
    b_case = cases["b"]
    before = case_snapshot(b_case)
    api = api_for(users["worker_a"])
    for action in ("accept", "reject", "dispatch", "escalate"):
        assert api.post(f"/api/v1/cases/{b_case.pk}/{action}/", {"note": "x"}).status_code == 404
    assert case_snapshot(b_case) == before
    # Escalated to the street, A's case is out of the community workers' reach: 400.
    case = cases["fresh"]
    assert api.post(f"/api/v1/cases/{case.pk}/escalate/").json()["level"] == "street"
    before = case_snapshot(case)
    response = api.post(f"/api/v1/cases/{case.pk}/accept/")
    assert response.status_code == 400
    assert "已上报至街道层级" in response.json()["non_field_errors"][0]
    assert case_snapshot(case) == before
    # The auditor reads but may not act.
    auditor = api_for(users["auditor"])
    assert auditor.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert auditor.post(f"/api/v1/cases/{case.pk}/accept/").status_code == 403


def test_sync_by_updated_after_and_cursor(api_for, users, cases):
    api = api_for(users["admin"])
    first = api.get("/api/v1/cases/", {"sync": "1", "limit": 2}).json()
    assert "count" not in first and len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    seen = [r["id"] for r in first["results"] + second["results"]]
    assert sorted(seen) == sorted(Case.objects.values_list("pk", flat=True))
    mark = max(r["updated_at"] for r in first["results"] + second["results"])
    assert api.get("/api/v1/cases/", {"updated_after": mark}).json()["results"] == []
    services.accept(cases["fresh"], users["worker_a"])
    changed = api.get("/api/v1/cases/", {"updated_after": mark}).json()["results"]
    assert [r["id"] for r in changed] == [cases["fresh"].pk]


def test_categories_are_read_by_all_and_written_by_district_admins(api_for, users, grids):
    for key in ("worker_a", "sync_a", "auditor"):
        rows = api_for(users[key]).get("/api/v1/case-categories/").json()["results"]
        assert [r["code"] for r in rows] == ["ENV"]
    new = {"code": "SAFE", "name": "安全隐患", "accept_hours": 1}
    for key in ("operator_a", "worker_a", "sync_a"):
        assert api_for(users[key]).post("/api/v1/case-categories/", new).status_code == 403
    admin = api_for(users["admin"])
    assert admin.post("/api/v1/case-categories/", new).status_code == 201
    category = CaseCategory.objects.get(code="SAFE")
    response = admin.patch(f"/api/v1/case-categories/{category.pk}/", {"resolve_hours": 48})
    assert response.status_code == 200 and response.json()["resolve_hours"] == 48


#: Queries of one API page of cases whatever its size (token, user, permissions, scope,
#: count, rows, steps with actors, photos).
PINNED_LIST_QUERIES = 7


def test_api_list_queries_are_constant(api_for, users, grids, case_users):
    for i in range(25):
        case = report_case(users["worker_a"], grids["grid_a"], grids["category"], title=f"批量{i}")
        if i % 2:
            services.accept(case, users["worker_a"], note="受理")
    api = api_for(users["operator_a"])
    api.get("/api/v1/cases/?limit=1")  # the token's first use writes last_used_at

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url).status_code == 200
        return len(queries)

    small, large = count("/api/v1/cases/?limit=3"), count("/api/v1/cases/?limit=25")
    assert small == large == PINNED_LIST_QUERIES
    assert count("/api/v1/cases/?sync=1&limit=25") <= small


def test_the_reporters_contact_is_masked_unless_unmasked_and_logged(api_for, users, grids):
    from portal.models import SensitiveAccess

    case = report_case(
        users["worker_a"],
        grids["grid_a"],
        grids["category"],
        reporter_name="王先生",
        reporter_contact="13812345678 / wang@example.com",
    )
    masked = "138****5678 / w***@example.com"
    worker = api_for(users["worker_a"])
    assert worker.get(f"/api/v1/cases/{case.pk}/").json()["reporter_contact"] == masked
    assert worker.get(f"/api/v1/cases/{case.pk}/?unmask=1").json()["reporter_contact"] == masked
    assert not SensitiveAccess.objects.exists()
    admin = api_for(users["admin"])
    rows = admin.get("/api/v1/cases/?unmask=1").json()["results"]
    assert rows[0]["reporter_contact"] == "13812345678 / wang@example.com"
    access = SensitiveAccess.objects.get()
    assert (access.model, access.object_ids, access.channel) == ("grids.case", [case.pk], "api")
