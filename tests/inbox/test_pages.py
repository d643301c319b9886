"""The inbox through real HTTP: the page (tabs, groups by kind, links, mark read), the
navigation badge loaded by htmx, the API and the admin; every item is its user's only
(another user's item answers 404 and is never changed)."""

import re

import pytest

from portal.inbox import providers
from portal.inbox.models import InboxItem
from portal.inbox.services import notify, unread_count


@pytest.fixture
def generated(district, users, reasons):
    providers.generate()
    return InboxItem.objects.filter(user=users["operator_a"])


def text(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_badge_counts_the_users_unread_open_items(client_for, users, generated):
    client = client_for(users["operator_a"])
    html = text(client.get("/inbox/count/"))
    assert "待办与提醒（9 条未读）" in html
    assert re.search(r'data-testid="inbox-badge">9<', html)
    generated.filter(kind="talk_due").update(read_at="2026-06-15T10:00:00+08:00")
    generated.filter(kind="term_6m").update(done_at="2026-06-15T10:00:00+08:00")
    assert "待办与提醒（7 条未读）" in text(client.get("/inbox/count/"))
    # Street B's operator has their one item; nobody sees another's count.
    assert "待办与提醒（1 条未读）" in text(client_for(users["operator_b"]).get("/inbox/count/"))
    assert "待办与提醒（0 条未读）" in text(client_for(users["worker_a"]).get("/inbox/count/"))


def test_the_badge_is_loaded_by_htmx_apart_from_the_page(
    client_for, users, generated, django_assert_num_queries
):
    client = client_for(users["operator_a"])
    home = text(client.get("/inbox/"))
    assert 'hx-get="/inbox/count/"' in home and 'hx-trigger="load, every 60s"' in home
    with django_assert_num_queries(4):  # session, user, roles (middleware), the count
        client.get("/inbox/count/")
    client.logout()
    # Signed out while the page polls: no login page swapped into the bell.
    assert client.get("/inbox/count/").status_code == 204


def test_the_page_shows_tabs_and_groups_by_kind(client_for, users, generated):
    client = client_for(users["operator_a"])
    html = text(client.get("/inbox/"))
    assert re.search(r"未读 <span[^>]*>9</span>", html)
    assert re.search(r"已完成 <span[^>]*>0</span>", html)
    groups = re.findall(r'<h2 class="card-header h6 mb-0">([^<]+)</h2>', html)
    assert groups == [
        "入党谈话到期",
        "积极分子培养期满",
        "预备期即将期满",
        "组织关系转接待审批",
        "组织关系转接待接收",
        "党费欠缴",
        "换届提醒（半年内届满）",
        "换届提醒（一个月内届满）",
        "届满未换届",
    ]
    assert "赵谈话 的入党谈话应于 2026-06-20 前完成" in html
    assert "王乙申" not in html  # street B's applicant
    # A kind filter narrows the page to one group.
    html = text(client.get("/inbox/", {"kind": "term_1m"}))
    assert re.findall(r'<h2 class="card-header h6 mb-0">([^<]+)</h2>', html) == [
        "换届提醒（一个月内届满）"
    ]


def test_opening_an_item_marks_it_read_and_goes_to_its_object(client_for, users, generated):
    client = client_for(users["operator_a"])
    item = generated.get(kind="talk_due")
    response = client.get(f"/inbox/{item.pk}/")
    assert response.status_code == 302 and response["Location"] == item.url
    item.refresh_from_db()
    assert item.read_at is not None
    assert text(client.get(item.url))  # the applicant's page, in A's scope


def test_mark_read_and_mark_all_read_touch_only_the_users_items(client_for, users, generated):
    client = client_for(users["operator_a"])
    b_item = InboxItem.objects.get(user=users["operator_b"])
    one = generated.get(kind="dues_arrears")
    response = client.post("/inbox/read/", {"id": [one.pk, b_item.pk], "next": "/inbox/?tab=all"})
    assert response["Location"] == "/inbox/?tab=all"
    assert unread_count(users["operator_a"]) == 8
    b_item.refresh_from_db()
    assert b_item.read_at is None
    response = client.post("/inbox/read/", {"all": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/inbox/"
    assert unread_count(users["operator_a"]) == 0
    assert unread_count(users["operator_b"]) == 1
    assert client.get("/inbox/read/").status_code == 405


def test_another_users_item_is_404_everywhere(client_for, api_for, users, generated):
    b_item = InboxItem.objects.get(user=users["operator_b"])
    client = client_for(users["operator_a"])
    assert client.get(f"/inbox/{b_item.pk}/").status_code == 404
    # Not even the district admin opens street B's operator's item: inboxes are personal.
    assert client_for(users["admin"]).get(f"/inbox/{b_item.pk}/").status_code == 404
    api = api_for(users["operator_a"])
    assert api.get(f"/api/v1/inbox/{b_item.pk}/").status_code == 404
    assert api.post(f"/api/v1/inbox/{b_item.pk}/read/").status_code == 404
    b_item.refresh_from_db()
    assert b_item.read_at is None


def test_the_api_lists_the_users_own_items_and_marks_them_read(api_for, users, generated):
    api = api_for(users["operator_a"])
    body = api.get("/api/v1/inbox/", {"state": "unread"}).json()
    assert body["count"] == 9
    assert {row["kind"] for row in body["results"]} >= {"talk_due", "dues_arrears"}
    row = next(r for r in body["results"] if r["kind"] == "talk_due")
    assert row["kind_label"] == "入党谈话到期"
    assert row["source_type"] == "members.applicant"
    assert row["link"].startswith("/members/development/")
    response = api.post(f"/api/v1/inbox/{row['id']}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert api.get("/api/v1/inbox/", {"state": "unread"}).json()["count"] == 8
    assert api.get("/api/v1/inbox/", {"kind": "term_1m"}).json()["count"] == 1
    assert api.post("/api/v1/inbox/read-all/").json() == {"marked": 8}
    assert api.get("/api/v1/inbox/", {"state": "unread"}).json()["count"] == 0
    other = api_for(users["operator_b"]).get("/api/v1/inbox/").json()
    assert [r["title"] for r in other["results"]] == ["王乙申 的入党谈话应于 2026-06-20 前完成"]


def test_the_inbox_page_runs_a_constant_number_of_queries(
    client_for, users, generated, django_assert_num_queries
):
    client = client_for(users["operator_a"])
    client.get("/inbox/")
    # session, user, roles, permissions and scope region (the layout of every page), the
    # tab counts, one page of items: whatever the number of items.
    with django_assert_num_queries(7):
        client.get("/inbox/", {"tab": "all"})
    notify([users["operator_a"]], "message", "更多的消息")
    for n in range(60):
        notify([users["operator_a"]], "case_dispatched", f"派单 {n}")
    with django_assert_num_queries(7):
        html = text(client.get("/inbox/", {"tab": "all", "page": 2}))
    assert "第 2 / 2 页" in html


def test_the_admin_shows_each_user_their_own_and_changes_only_the_read_time(
    client, users, generated
):
    client.force_login(users["admin"])  # staff, not a superuser
    response = client.get("/admin/inbox/inboxitem/")
    assert response.status_code == 200
    shown = {i.user_id for i in response.context["cl"].result_list}
    assert shown == {users["admin"].pk}
    b_item = InboxItem.objects.get(user=users["operator_b"])
    assert client.get(f"/admin/inbox/inboxitem/{b_item.pk}/change/").status_code == 302
    own = InboxItem.objects.filter(user=users["admin"]).first()
    form = client.get(f"/admin/inbox/inboxitem/{own.pk}/change/").context["adminform"].form
    assert list(form.fields) == ["read_at"]
    assert client.get("/admin/inbox/inboxitem/add/").status_code == 403
