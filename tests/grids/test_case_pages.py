"""Case pages: the report form (with photos), the case list with filters and exports, the
case detail with its timeline and the actions the user may take now (each a POST through
the services), "my grid" and the inbox; rows out of scope answer 404 everywhere."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grids.models import Case, CaseStep
from grids.services import cases as services
from portal.inbox.models import InboxItem
from tests.grids.conftest import PNG_BYTES, case_snapshot, report_case
from tests.portal.pagetables import table_rows

PNG = PNG_BYTES


@pytest.fixture
def cases(users, case_users, grids, district):
    """A's queue: a reported case, an accepted one flagged overdue, a closed one; B: one."""
    worker = users["worker_a"]
    fresh = report_case(worker, grids["grid_a"], grids["category"], title="路灯不亮")
    late = services.accept(
        report_case(worker, grids["grid_a"], grids["category"], title="井盖松动"), worker
    )
    Case.objects.filter(pk=late.pk).update(overdue=True)
    done = report_case(worker, grids["grid_a"], grids["category"], title="已办完的事")
    done = services.reject(done, worker, note="重复")
    b_case = report_case(
        case_users["cworker_b"], grids["grid_b"], grids["category"], title="武康路积水"
    )
    return {"fresh": fresh, "late": late, "done": done, "b": b_case}


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def list_titles(client, **params):
    html = page(client, "/grids/cases/", **params)
    return {row[1] for row in table_rows(html, "object-table") if len(row) > 1}


# --- my grid -----------------------------------------------------------------------------


def test_my_grid_shows_the_workers_queue_overdue_first(client_for, users, cases):
    html = page(client_for(users["worker_a"]), "/grids/mine/")
    assert "上海新村第一网格" in html
    queue = html[html.index('data-testid="case-queue"') :]
    queue = queue[: queue.index('data-testid="inbox-card"')]
    # The overdue case (accepted) is listed first, before the reported one.
    assert queue.index("已超时") < queue.index("井盖松动") < queue.index("已上报")
    assert queue.index("已上报") < queue.index("路灯不亮")
    assert "已办完的事" not in queue and "武康路积水" not in html
    assert re.search(r"已超时 1", html)
    assert 'href="/grids/cases/add/?grid=' in html


def test_my_grid_for_a_street_operator_is_a_grid_picker(client_for, users, grids, cases):
    client = client_for(users["operator_a"])
    html = page(client, "/grids/mine/")
    picker = html[html.index('data-testid="grid-picker"') :]
    assert "上海新村第一网格" in picker and "武康" not in picker
    html = page(client, "/grids/mine/", grid=grids["grid_a"].pk)
    assert "井盖松动" in html
    assert client.get("/grids/mine/", {"grid": grids["grid_b"].pk}).status_code == 404


def test_inbox_lists_only_the_users_own_notifications_and_marks_them_read(
    client_for, users, case_users, cases
):
    # cworker_a2 was told of A's three new cases; worker_a of none (they reported them).
    # The grids' old inbox address leads to the users' inbox (portal.inbox).
    client = client_for(case_users["cworker_a2"])
    assert client.get("/grids/mine/inbox/")["Location"] == "/inbox/"
    html = page(client, "/inbox/")
    assert html.count("网格“上海新村第一网格”有新的需求/问题") == 3
    assert "武康路积水" not in html
    mine = InboxItem.objects.filter(user=case_users["cworker_a2"]).order_by("id")
    assert {n.url for n in mine} == {f"/grids/cases/{n.object_id}/" for n in mine}
    b_note = InboxItem.objects.create(
        user=case_users["cworker_b"], kind="message", title="B 的消息"
    )
    response = client.post("/inbox/read/", {"id": [mine[0].pk, b_note.pk]})
    assert response.status_code == 302
    assert [n.read_at is not None for n in mine.all()] == [True, False, False]
    b_note.refresh_from_db()
    assert b_note.read_at is None  # someone else's: untouched
    response = client.post("/inbox/read/", {"all": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/inbox/"
    assert not InboxItem.objects.filter(user=case_users["cworker_a2"], read_at=None).exists()


# --- list, filters, exports ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_key", "expected"),
    [
        ("worker_a", {"路灯不亮", "井盖松动", "已办完的事"}),
        ("operator_b", {"武康路积水"}),
        ("admin", {"路灯不亮", "井盖松动", "已办完的事", "武康路积水"}),
    ],
)
def test_case_list_and_export_hold_exactly_the_cases_in_scope(
    client_for, users, cases, user_key, expected
):
    client = client_for(users[user_key])
    assert list_titles(client) == expected
    assert list_titles(client, q="积水") == expected & {"武康路积水"}
    assert list_titles(client, q=cases["b"].number) == expected & {"武康路积水"}
    assert list_titles(client, overdue="true") == expected & {"井盖松动"}
    assert list_titles(client, state="reported") == expected & {"路灯不亮", "武康路积水"}
    assert list_titles(client, region_within="310104004") == expected & {"武康路积水"}
    response = client.get("/grids/cases/", {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["编号", "标题"]
    assert {row[1] for row in rows[1:]} == expected


def test_case_list_queries_do_not_grow_with_page_size(client_for, users, grids):
    worker = users["worker_a"]
    for i in range(30):
        report_case(worker, grids["grid_a"], grids["category"], title=f"批量{i}")
    client = client_for(users["operator_a"])

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count("/grids/cases/?per_page=5") == count("/grids/cases/?per_page=30") == 8
    assert count("/grids/mine/") == count("/grids/mine/?q=第一")


def test_my_grid_queries_are_constant(client_for, users, grids):
    client = client_for(users["worker_a"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/grids/mine/").status_code == 200
        return len(queries)

    empty = count()
    for i in range(12):
        report_case(users["worker_a"], grids["grid_a"], grids["category"], title=f"批量{i}")
    assert count() == empty


# --- report form -----------------------------------------------------------------------------


def test_a_worker_reports_a_case_with_photos(client_for, users, grids, media):
    client = client_for(users["worker_a"])
    html = page(client, "/grids/cases/add/", grid=grids["grid_a"].pk)
    assert 'enctype="multipart/form-data"' in html
    assert "武康" not in html  # B's grid is not a choice
    data = {
        "grid": grids["grid_a"].pk,
        "category": grids["category"].pk,
        "title": "垃圾满溢",
        "description": "小区门口垃圾桶满溢",
        "address": "宛平路1号",
        "photos": [SimpleUploadedFile("a.png", PNG, "image/png")],
    }
    response = client.post("/grids/cases/add/", data)
    case = Case.objects.get(title="垃圾满溢")
    assert response.status_code == 302 and response.url == f"/grids/cases/{case.pk}/"
    assert (case.reporter_user, case.source, case.state) == (users["worker_a"], "ui", "reported")
    photo = case.photos.get()
    shown = client.get(f"/grids/cases/photos/{photo.pk}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"


def test_the_report_form_names_the_bad_field(client_for, users, grids, media):
    client = client_for(users["worker_a"])
    data = {
        "grid": grids["grid_b"].pk,
        "category": grids["category"].pk,
        "title": "x",
        "description": "y",
        "photos": [SimpleUploadedFile("a.png", b"GIF89a....", "image/png")],
    }
    response = client.post("/grids/cases/add/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'data-field="grid">[^<]*选择一个有效的选项', html)
    assert 'data-field="photos">“a.png”不是 PNG、JPEG 或 WebP 图片。' in html
    assert not Case.objects.exists()


# --- detail and transitions ----------------------------------------------------------------


def test_detail_shows_the_timeline_and_only_the_actions_allowed_now(
    client_for, users, case_users, cases
):
    client = client_for(users["worker_a"])
    html = page(client, f"/grids/cases/{cases['late'].pk}/")
    assert 'data-testid="case-timeline"' in html
    assert html.count('data-testid="action-') == 2  # dispatch, escalate
    assert 'data-testid="action-dispatch"' in html and 'data-testid="action-escalate"' in html
    history = page(client, f"/grids/cases/{cases['late'].pk}/history/")
    assert 'data-testid="history-tab"' in history and "/edit/" not in history
    html = page(client_for(users["auditor"]), f"/grids/cases/{cases['late'].pk}/")
    assert 'data-testid="no-actions"' in html


def test_transitions_through_the_pages(client_for, users, case_users, district, cases, media):
    case = cases["late"]
    operator = client_for(users["operator_a"])
    response = operator.post(
        f"/grids/cases/{case.pk}/dispatch/",
        {
            "dispatch-organization": district["a_branch"].pk,
            "dispatch-assignee_user": users["worker_a"].pk,
            "dispatch-note": "请处理",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.assignee_user, case.overdue) == (
        "dispatched",
        users["worker_a"],
        False,
    )

    worker = client_for(users["worker_a"])
    worker.post(
        f"/grids/cases/{case.pk}/resolve/",
        {"resolve-note": "已修好", "resolve-photos": [SimpleUploadedFile("p.png", PNG)]},
    )
    case.refresh_from_db()
    assert case.state == "resolved" and case.photos.count() == 1
    # The resolver may not verify: a message, nothing changed.
    before = case_snapshot(case)
    response = worker.post(f"/grids/cases/{case.pk}/verify/", {"verify-note": ""}, follow=True)
    assert "办结人不能核实自己办结的需求/问题" in response.content.decode()
    assert case_snapshot(case) == before
    checker = client_for(case_users["cworker_a2"])
    checker.post(f"/grids/cases/{case.pk}/verify/", {})
    checker.post(f"/grids/cases/{case.pk}/close/", {"close-note": "结案"})
    case.refresh_from_db()
    assert case.state == "closed"
    assert list(CaseStep.objects.filter(case=case).values_list("action", flat=True)) == [
        "report",
        "accept",
        "dispatch",
        "resolve",
        "verify",
        "close",
    ]


def test_refused_transitions_show_a_message_and_change_nothing(client_for, users, cases):
    client = client_for(users["worker_a"])
    case = cases["done"]  # rejected
    before = case_snapshot(case)
    response = client.post(
        f"/grids/cases/{case.pk}/dispatch/", {"dispatch-unit": "物业"}, follow=True
    )
    assert "需求/问题当前状态为“不予受理”，不能派单。" in response.content.decode()
    response = client.post(f"/grids/cases/{cases['fresh'].pk}/reject/", {}, follow=True)
    assert "不予受理：请填写不予受理说明。" in response.content.decode()
    assert client.post(f"/grids/cases/{case.pk}/explode/", {}).status_code == 404
    assert case_snapshot(case) == before


def test_cases_of_another_community_answer_404(client_for, users, case_users, cases, media):
    b_case = cases["b"]
    before = case_snapshot(b_case)
    client = client_for(users["worker_a"])
    for url in (f"/grids/cases/{b_case.pk}/", f"/grids/cases/{b_case.pk}/history/"):
        assert client.get(url).status_code == 404
    for action in ("accept", "reject", "escalate"):
        assert (
            client.post(f"/grids/cases/{b_case.pk}/{action}/", {f"{action}-note": "x"}).status_code
            == 404
        )
    assert case_snapshot(b_case) == before
    photo_case = report_case(
        case_users["cworker_b"],
        b_case.grid,
        b_case.category,
        photos=[SimpleUploadedFile("b.png", PNG)],
    )
    assert client.get(f"/grids/cases/photos/{photo_case.photos.get().pk}/").status_code == 404
    assert client.get("/autocomplete/grids.case/", {"q": "武康"}).json()["results"] == []
    found = client.get("/autocomplete/grids.case/", {"q": "路灯"}).json()["results"]
    assert [r["id"] for r in found] == [cases["fresh"].pk]


def test_the_detail_masks_the_reporters_contact(client_for, users, grids):
    from portal.models import SensitiveAccess

    case = report_case(
        users["worker_a"], grids["grid_a"], grids["category"], reporter_contact="13812345678"
    )
    html = page(client_for(users["worker_a"]), f"/grids/cases/{case.pk}/", unmask="1")
    assert "138****5678" in html and "13812345678" not in html
    html = page(client_for(users["admin"]), f"/grids/cases/{case.pk}/")
    assert "138****5678" in html and "?unmask=1" in html
    html = page(client_for(users["admin"]), f"/grids/cases/{case.pk}/", unmask="1")
    assert "13812345678" in html
    assert SensitiveAccess.objects.get().channel == "ui"
