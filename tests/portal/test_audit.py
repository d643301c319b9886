"""The audit trail (DESIGN.md 2): every write, whatever door it comes through (UI, API, admin,
import, management command), leaves a django-pghistory event whose context names the actor;
the object's history tab and the audit log show it.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from pghistory.models import Events

from organizations.models import Organization, OrganizationEvent
from portal.accounts.models import ApiToken, User, UserEvent
from portal.models import ImportJob, RegionEvent
from tests.portal.pagetables import table_rows

ORG_LIST = "/admin/organizations/organization/"


def events_of(obj_or_pk, model=OrganizationEvent):
    """(label, context metadata, diff) of an object's events, oldest first: the event rows
    of the database, read through pghistory's Events (which computes the diffs)."""
    pk = getattr(obj_or_pk, "pk", obj_or_pk)
    events = Events.objects.across(model).filter(pgh_obj_id=str(pk)).order_by("pgh_id")
    assert len(events) == model.objects.filter(pgh_obj_id=pk).count()
    return [(e.pgh_label, e.pgh_context or {}, e.pgh_diff) for e in events]


def history_rows(client, org):
    """The history tab as (操作, 操作人, 渠道, 变更内容) rows, newest first."""
    response = client.get(f"/organizations/{org.pk}/history/")
    assert response.status_code == 200
    rows = table_rows(response.content, "history-table")
    return [tuple(row[1:5]) for row in rows if len(row) > 1]  # not the "no changes" row


def audit_rows(client, **params):
    """The audit log as (操作, 对象, 操作人, 渠道, 变更内容) rows, newest first."""
    response = client.get("/audit/", params)
    assert response.status_code == 200
    rows = table_rows(response.content, "history-table")
    return [tuple(row[1:6]) for row in rows if len(row) > 1]  # not the "no changes" row


def form_data(district, **overrides):
    data = {
        "code": "AUD01",
        "name": "审计测试党支部",
        "short_name": "",
        "kind": "branch",
        "sector": "community",
        "parent": district["a_general"].pk,
        "region": district["a1"].pk,
        "founded_on": "",
        "dissolved_on": "",
        "term_number": "",
        "term_started_on": "",
        "term_end": "",
        "contact_phone": "",
        "address": "",
        "note": "",
    }
    data.update(overrides)
    return data


def assert_actor(metadata, user, channel):
    assert metadata["user"] == user.pk
    assert metadata["channel"] == channel


# --- the UI ------------------------------------------------------------------------------


def test_ui_writes_are_audited(client_for, users, district):
    admin = users["admin"]
    client = client_for(admin)

    response = client.post(
        "/organizations/add/", form_data(district), HTTP_X_REQUEST_ID="req-ui-add-1"
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    org = Organization.objects.get(code="AUD01")
    response = client.post(
        f"/organizations/{org.pk}/edit/", form_data(district, name="审计测试党支部（改）")
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    (insert, insert_ctx, _d), (update, update_ctx, diff) = events_of(org)
    assert (insert, update) == ("insert", "update")
    assert_actor(insert_ctx, admin, "ui")
    assert insert_ctx["request_id"] == "req-ui-add-1"
    assert insert_ctx["ip"] == "127.0.0.1"
    assert insert_ctx["url"] == "/organizations/add/"
    assert_actor(update_ctx, admin, "ui")
    assert update_ctx["url"] == f"/organizations/{org.pk}/edit/"
    assert diff == {"name": ["审计测试党支部", "审计测试党支部（改）"]}

    rows = history_rows(client, org)
    assert [
        (label, actor.split("\n")[0], channel.split("\n")[0]) for label, actor, channel, _c in rows
    ] == [
        ("修改", "district_admin", "网页"),
        ("新增", "district_admin", "网页"),
    ]
    assert "127.0.0.1" in rows[0][1]
    assert rows[0][3] == "组织名称：\n审计测试党支部\n→ 审计测试党支部（改）"
    assert "组织编码：\nAUD01" in rows[1][3]
    assert "req-ui-add-1" in rows[1][2]

    response = client.post(f"/organizations/{org.pk}/delete/")
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=org.pk).exists()
    delete, delete_ctx, _d = events_of(org)[-1]
    assert delete == "delete"
    assert_actor(delete_ctx, admin, "ui")

    auditor = client_for(users["auditor"])
    rows = audit_rows(auditor, model="organizations.organization", user="district_admin")
    assert [(r[0], r[1], r[2].split("\n")[0], r[3].split("\n")[0]) for r in rows] == [
        ("删除", "党组织 · 审计测试党支部（改）", "district_admin", "网页"),
        ("修改", "党组织 · 审计测试党支部（改）", "district_admin", "网页"),
        ("新增", "党组织 · 审计测试党支部", "district_admin", "网页"),
    ]


# --- the API -----------------------------------------------------------------------------


def test_api_writes_are_audited_with_the_token(api_for, client_for, users, district):
    admin = users["admin"]
    api = api_for(admin)
    token = ApiToken.objects.get(user=admin)

    response = api.post(
        "/api/v1/organizations/",
        {
            "code": "API01",
            "name": "接口党支部",
            "kind": "branch",
            "sector": "community",
            "parent": "S003C001",
            "region": "310104003001",
        },
        format="json",
        HTTP_X_REQUEST_ID="req-api-1",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = api.patch(
        f"/api/v1/organizations/{pk}/", {"name": "接口党支部（改）"}, format="json"
    )
    assert response.status_code == 200, response.json()
    org = Organization.objects.get(pk=pk)
    history = history_rows(client_for(admin), org)
    response = api.delete(f"/api/v1/organizations/{pk}/")
    assert response.status_code == 204

    events = events_of(pk)
    assert [label for label, _ctx, _d in events] == ["insert", "update", "delete"]
    for _label, context, _d in events:
        assert_actor(context, admin, "api")
        assert context["token"] == token.pk
        assert context["token_name"] == "test token of district_admin"
    assert events[0][1]["request_id"] == "req-api-1"
    assert events[1][2] == {"name": ["接口党支部", "接口党支部（改）"]}

    actor = "district_admin（令牌：test token of district_admin）"
    assert [(r[0], r[1].split("\n")[0], r[2].split("\n")[0]) for r in history] == [
        ("修改", actor, "接口"),
        ("新增", actor, "接口"),
    ]
    assert history[0][3] == "组织名称：\n接口党支部\n→ 接口党支部（改）"

    auditor = client_for(users["auditor"])
    rows = audit_rows(auditor, model="organizations.organization", action="delete")
    assert [(r[0], r[2].split("\n")[0], r[3].split("\n")[0]) for r in rows] == [
        ("删除", actor, "接口")
    ]


# --- the admin ---------------------------------------------------------------------------


def admin_data(district, **overrides):
    data = form_data(district, **{"code": "ADM01", "name": "后台党支部", **overrides})
    data.update(
        {
            "positions-TOTAL_FORMS": "0",
            "positions-INITIAL_FORMS": "0",
            "positions-MIN_NUM_FORMS": "0",
            "positions-MAX_NUM_FORMS": "1000",
            "_save": "保存",
        }
    )
    return data


def test_admin_writes_are_audited(client_for, users, district, django_user_model):
    staff_admin = users["admin"]
    client = client_for(staff_admin)
    assert client.get(f"{ORG_LIST}add/").status_code == 200

    response = client.post(f"{ORG_LIST}add/", admin_data(district))
    assert response.status_code == 302, response.content.decode()[:3000]
    org = Organization.objects.get(code="ADM01")
    response = client.post(
        f"{ORG_LIST}{org.pk}/change/", admin_data(district, name="后台党支部（改）")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    history = history_rows(client, org)

    superuser = django_user_model.objects.create_superuser("root", password="Correct-Horse-9")
    root = client_for(superuser)
    response = root.post(f"{ORG_LIST}{org.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=org.pk).exists()

    (insert, insert_ctx, _d), (update, update_ctx, diff), (delete, delete_ctx, _d2) = events_of(org)
    assert (insert, update, delete) == ("insert", "update", "delete")
    assert_actor(insert_ctx, staff_admin, "admin")
    assert insert_ctx["url"] == f"{ORG_LIST}add/"
    assert_actor(update_ctx, staff_admin, "admin")
    assert diff == {"name": ["后台党支部", "后台党支部（改）"]}
    assert_actor(delete_ctx, superuser, "admin")

    assert [(r[0], r[1].split("\n")[0], r[2].split("\n")[0]) for r in history] == [
        ("修改", "district_admin", "后台"),
        ("新增", "district_admin", "后台"),
    ]
    assert history[0][3] == "组织名称：\n后台党支部\n→ 后台党支部（改）"

    rows = audit_rows(client_for(users["auditor"]), model="organizations.organization", user="root")
    assert [(r[0], r[2].split("\n")[0], r[3].split("\n")[0]) for r in rows] == [
        ("删除", "root", "后台")
    ]


def test_admin_refuses_what_the_model_refuses(client_for, users, district):
    """The admin goes through the model's validation: no 党小组 under a 党总支."""
    client = client_for(users["admin"])
    response = client.post(f"{ORG_LIST}add/", admin_data(district, kind="group"))
    assert response.status_code == 200
    assert "党小组只能设在党支部" in response.content.decode()
    assert not Organization.objects.filter(code="ADM01").exists()


# --- imports -----------------------------------------------------------------------------


def import_file(name):
    header = "组织编码,组织名称,组织类别,所属领域,上级组织编码,区划代码\r\n"
    row = f"IMP01,{name},党支部,居民区,S003C001,310104003001\r\n"
    return (header + row).encode()


def test_import_writes_are_audited_with_the_job(
    client_for, users, district, django_capture_on_commit_callbacks
):
    admin = users["admin"]
    client = client_for(admin)
    jobs = []
    for name in ("导入党支部", "导入党支部（改）"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/organizations/import/",
                {"file": SimpleUploadedFile("orgs.csv", import_file(name))},
            )
        assert response.status_code == 302
        job = ImportJob.objects.latest("pk")
        assert job.status == ImportJob.Status.DONE, job.errors
        jobs.append(job)

    org = Organization.objects.get(code="IMP01")
    (insert, insert_ctx, _d), (update, update_ctx, diff) = events_of(org)
    assert (insert, update) == ("insert", "update")
    assert_actor(insert_ctx, admin, "import")
    assert insert_ctx["import_job"] == jobs[0].pk
    assert_actor(update_ctx, admin, "import")
    assert update_ctx["import_job"] == jobs[1].pk
    assert diff == {"name": ["导入党支部", "导入党支部（改）"]}

    history = history_rows(client, org)
    assert [(r[0], r[1].split("\n")[0], r[2].split("\n")[0]) for r in history] == [
        ("修改", f"district_admin（导入任务 #{jobs[1].pk}）", "导入"),
        ("新增", f"district_admin（导入任务 #{jobs[0].pk}）", "导入"),
    ]
    assert history[0][3] == "组织名称：\n导入党支部\n→ 导入党支部（改）"

    rows = audit_rows(client_for(users["auditor"]), user="district_admin", action="insert")
    assert [(r[0], r[1], r[3].split("\n")[0]) for r in rows] == [
        ("新增", "党组织 · 导入党支部", "导入")
    ]


# --- management commands -----------------------------------------------------------------


def test_create_account_command_is_audited(client_for, users, district):
    out = io.StringIO()
    call_command(
        "create_account",
        "new_auditor",
        "--role",
        "auditor",
        "--scope",
        "310104",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert out.getvalue().startswith("password for new_auditor: ")
    call_command(
        "create_account",
        "new_auditor",
        "--role",
        "auditor",
        "--scope",
        "310104003",
        "--name",
        "审计二",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    user = User.objects.get(username="new_auditor")
    events = events_of(user, UserEvent)
    assert events[0][0] == "insert"
    assert {label for label, _c, _d in events[1:]} == {"update"}
    for _label, context, _d in events:
        assert context["command"] == "create_account"
        assert context["channel"] == "command"
        assert context.get("user") is None
    last_diff = events[-1][2]
    assert last_diff["first_name"] == ["", "审计二"]
    assert last_diff["scope_region_id"] == [district["district"].pk, district["a"].pk]

    # The scope is set before the first save, so the insert snapshot carries it and a scoped
    # auditor sees the whole history, insert included; a superuser sees everything.
    rows = audit_rows(client_for(users["auditor"]), model="accounts.user")
    mine = [r for r in rows if r[1] == "用户 · new_auditor"]
    assert [r[0] for r in mine] == ["修改"] * (len(events) - 1) + ["新增"]
    assert {r[2].split("\n")[0] for r in mine} == {"系统（命令：create_account）"}
    assert {r[3].split("\n")[0] for r in mine} == {"命令"}
    root = User.objects.create_superuser("root", password="Correct-Horse-9")
    rows = audit_rows(client_for(root), model="accounts.user", action="insert")
    assert ("新增", "用户 · new_auditor", "系统（命令：create_account）") in [r[:3] for r in rows]


@pytest.mark.slow
def test_seed_command_is_audited(client, db):
    """``seed_demo`` loads the district through the import specs: every event it leaves names
    the command, and an auditor created by ``create_account`` sees them in the audit log."""
    call_command(
        "seed_demo", "--no-users", "--members", "500", stdout=io.StringIO(), stderr=io.StringIO()
    )

    assert Organization.objects.count() > 1000
    # One insert each; the terms step then records past elections (update events).
    inserts = OrganizationEvent.objects.filter(pgh_label="insert")
    assert inserts.count() == Organization.objects.count()
    assert RegionEvent.objects.count() == 328
    for model in (OrganizationEvent, RegionEvent):
        contexts = set(
            model.objects.values_list(
                "pgh_context__metadata__command",
                "pgh_context__metadata__channel",
                "pgh_context__metadata__user",
            )
        )
        assert contexts == {("seed_demo", "command", None)}

    call_command(
        "create_account",
        "seed_auditor",
        "--role",
        "auditor",
        "--scope",
        "310104",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    client.force_login(User.objects.get(username="seed_auditor"))
    rows = audit_rows(client, model="organizations.organization", action="insert")
    assert len(rows) == 50  # one full page
    # An action may name the seed's step (``新增 · 示例数据：届期``).
    assert {r[0].split(" · ")[0] for r in rows} == {"新增"}
    assert {(r[2].split("\n")[0], r[3].split("\n")[0]) for r in rows} == {
        ("系统（命令：seed_demo）", "命令")
    }


# --- the audit log -----------------------------------------------------------------------


def test_audit_log_filters_by_user_action_and_model(api_for, client_for, users, district):
    admin, operator = users["admin"], users["operator_a"]
    # Issued before any request: in a test everything is one transaction, and pghistory's
    # context variables last until the transaction ends, so writes made by the test itself
    # after a request would carry that request's context.
    operator_api = api_for(operator)
    admin_client = client_for(admin)
    response = admin_client.post(
        f"/organizations/{district['a_branch'].pk}/edit/",
        form_data(
            district,
            code=district["a_branch"].code,
            name="第一党支部（区里改）",
            parent=district["a_general"].pk,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    response = admin_client.post(
        f"/regions/{district['a1'].pk}/edit/",
        {
            "code": "310104003001",
            "name": "上海新村居委会（改）",
            "level": "community",
            "parent": district["a"].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    response = operator_api.patch(
        f"/api/v1/organizations/{district['a_group'].pk}/",
        {"name": "小组（街道改）"},
        format="json",
    )
    assert response.status_code == 200, response.json()

    auditor = client_for(users["auditor"])
    everything = audit_rows(auditor)
    assert len(everything) > 3  # the fixture's own writes are there too

    # In a test every write shares one transaction timestamp, so rows of different tables
    # have no meaningful order here.
    by_admin = audit_rows(auditor, user="district_admin")
    assert sorted((r[0], r[1], r[2].split("\n")[0]) for r in by_admin) == [
        ("修改", "党组织 · 第一党支部（区里改）", "district_admin"),
        ("修改", "行政区划 · 上海新村居委会（改）", "district_admin"),
    ]
    by_operator = audit_rows(auditor, user="operator_a")
    assert [(r[0], r[1], r[2].split("\n")[0]) for r in by_operator] == [
        ("修改", "党组织 · 小组（街道改）", "operator_a（令牌：test token of operator_a）")
    ]
    regions_by_admin = audit_rows(auditor, user="district_admin", model="portal.region")
    assert [r[1] for r in regions_by_admin] == ["行政区划 · 上海新村居委会（改）"]
    orgs = audit_rows(auditor, model="organizations.organization", action="update")
    assert [r[1] for r in orgs] == ["党组织 · 小组（街道改）", "党组织 · 第一党支部（区里改）"]
    inserts = audit_rows(auditor, model="organizations.organization", action="insert")
    assert len(inserts) == Organization.objects.count()
    assert {r[0] for r in inserts} == {"新增"}
    deletes = audit_rows(auditor, action="delete")
    assert deletes == []
    assert audit_rows(auditor, user="nobody") == []


def test_audit_log_is_for_auditors_and_admins_only(client_for, users, district):
    assert client_for(users["auditor"]).get("/audit/").status_code == 200
    assert client_for(users["admin"]).get("/audit/").status_code == 200
    assert client_for(users["operator_a"]).get("/audit/").status_code == 403
    assert client_for(users["worker_a"]).get("/audit/").status_code == 403


def test_audit_log_requires_login(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_reference_tables_are_in_the_district_audit_log_only(client_for, users, district):
    """District-wide reference rows (here a dues rate) have no region: their changes show in
    the audit log of district-wide readers, and not to an auditor scoped to one street."""
    import pghistory

    from members.models import DuesRate
    from tests.conftest import AUDITOR, make_user

    rate = DuesRate.objects.order_by("pk").first()
    with pghistory.context(user=users["admin"].pk, channel="admin"):
        # Twice: rows the data migration wrote before tracking began have no earlier
        # snapshot to compare the first change with.
        for note in ("先行调整", "区里调整说明"):
            rate.note = note
            rate.save()
    rows = audit_rows(client_for(users["auditor"]), model="members.duesrate")
    assert rows and "区里调整说明" in rows[0][4]
    street_auditor = make_user("auditor_a", AUDITOR, district["a"])
    page = client_for(street_auditor).get("/audit/").content.decode()
    assert "区里调整说明" not in page and "members.duesrate" not in page
