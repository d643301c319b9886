"""The dashboard page (the home page): scoped figures from the summary tables, a constant
number of queries, the region drill-down inside the scope (404 outside), the refresh button
for district staff."""

import re

import pytest
from django.core.cache import cache

from dashboard import summaries, tasks
from dashboard.models import Refresh


@pytest.fixture
def refreshed_now(world):
    """The fixture refreshed as of now: each card's value is today's count."""
    summaries.refresh()
    return world


def cards(response):
    return {card["key"]: card["value"] for card in response.context["cards"]}


def test_district_admin_sees_the_district_by_street(client_for, users, refreshed_now):
    response = client_for(users["admin"]).get("/")
    assert response.status_code == 200
    assert response.context["region"] == refreshed_now["district"]
    values = cards(response)
    # Today: the fixture's 9 organisations + 新建党支部 (撤销 is dissolved) = 10; members
    # 张一, 李二, 王三, 赵四 = 4 (钱五 died); 天平科技 active (湖南贸易 moved out) = 1; C1 and
    # C3 open, both past their deadlines (2025) = 2 overdue; W1 published, W2 claimed, W3
    # fulfilled; no visit this month (they were in 2025).
    assert values["organizations.total"] == 10
    assert values["members.total"] == 4
    assert values["members.new_this_year"] == 0
    assert values["enterprises.active"] == 1
    assert values["buildings.total"] == 1
    assert values["grids.total"] == 2
    assert values["cases.open"] == 2
    assert values["cases.overdue"] == 2
    assert values["wishes.published"] == values["wishes.claimed"] == 1
    assert values["wishes.fulfilled"] == 1
    assert values["visits.month"] == 0
    # Coverage from CoverageSummary: 1 of 4 organised = 25%, 2 of 4 work covered = 50%.
    assert values["coverage.with_organization"] == 25.0
    assert values["coverage.work_covered"] == 50.0
    # The breakdown by street: A then B, members 3 and 1.
    rows = response.context["rows"]
    assert [row["region"].name for row in rows] == ["天平路街道", "湖南路街道"]
    assert [row["values"][0] for row in rows] == [3, 1]
    assert response.context["chart"]["names"] == ["天平路街道", "湖南路街道"]
    html = response.content.decode()
    assert 'data-testid="dashboard-refreshed"' in html and "数据更新于" in html
    assert 'data-testid="dashboard-refresh"' in html
    assert "/api/v1/grids/map/?region=310104" in html


def test_street_operator_sees_only_their_street(client_for, users, refreshed_now):
    client = client_for(users["operator_a"])
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["region"] == refreshed_now["a"]
    values = cards(response)
    # Street A: 党工委, 党总支, 党支部, 党小组 + 新建 = 5; 张一, 李二, 王三 = 3; 天平科技;
    # 天平大厦; 天平网格; C1 open and overdue; W1, W2, W3 are grid A's.
    assert values["organizations.total"] == 5
    assert values["members.total"] == 3
    assert values["enterprises.active"] == 1
    assert values["buildings.total"] == 1
    assert values["grids.total"] == 1
    assert values["cases.open"] == values["cases.overdue"] == 1
    assert values["wishes.fulfilled"] == 1
    # Street A's coverage summary: 1 of 2 = 50%, 1 of 2 = 50%.
    assert values["coverage.with_organization"] == values["coverage.work_covered"] == 50.0
    # Broken down by community; nothing of street B (name, figures or region code) leaks.
    assert [row["region"].name for row in response.context["rows"]] == ["上海新村居委会"]
    html = response.content.decode()
    for leak in ("湖南", "武康", "310104004"):
        assert leak not in html, leak
    assert 'data-testid="dashboard-refresh"' not in html  # district staff only
    assert client.get("/?region=310104004").status_code == 404
    assert client.get("/?region=310104").status_code == 404
    assert client.post("/dashboard/refresh/").status_code == 403


def test_drill_down_and_community_worker(client_for, users, refreshed_now):
    response = client_for(users["admin"]).get("/?region=310104004")
    assert response.status_code == 200
    assert cards(response)["members.total"] == 1  # 赵四
    assert [p.name for p in response.context["parents"]] == ["徐汇区"]
    assert 'aria-current="page">湖南路街道' in re.sub(r"\s+", "", response.content.decode())
    response = client_for(users["worker_a"]).get("/")
    assert response.context["region"] == refreshed_now["a1"]
    assert cards(response)["members.total"] == 3
    assert response.context["rows"] == []


def test_constant_number_of_queries(client_for, users, refreshed_now, django_assert_num_queries):
    client = client_for(users["admin"])
    client.get("/")  # warm the content types and permissions caches of the process
    # Session, user, the user's groups and permissions, the scope region; the figures of
    # the region, the regions under it, their figures, the coverage summaries, the last
    # refresh: 10, whatever the number of members, cases or streets.
    with django_assert_num_queries(10):
        assert client.get("/").status_code == 200
    # + the region named in ?region= and its ancestors for the breadcrumb.
    with django_assert_num_queries(12):
        assert client.get("/?region=310104003").status_code == 200


def test_before_the_first_refresh(client_for, users, district):
    response = client_for(users["operator_a"]).get("/")
    assert response.status_code == 200
    assert "尚未统计" in response.content.decode()
    assert cards(response)["members.total"] == 0


def test_refresh_button(client_for, users, district):
    cache.delete(tasks.PENDING_KEY)
    response = client_for(users["admin"]).post("/dashboard/refresh/", {"region": "310104003"})
    assert response.status_code == 302
    assert response["Location"] == "/?region=310104003"
    assert Refresh.objects.count() == 1


def test_the_admin_shows_figures_in_scope_and_changes_none(client, users, district):
    from dashboard import summaries
    from dashboard.models import Figure
    from portal.accounts.roles import STREET_OPERATOR
    from tests.conftest import make_user

    summaries.refresh()
    staff_b = make_user("staff_b_figures", STREET_OPERATOR, district["b"], is_staff=True)
    client.force_login(staff_b)
    page = client.get("/admin/dashboard/figure/")
    assert page.status_code == 200
    shown = {figure.region_id for figure in page.context["cl"].result_list}
    assert shown and shown <= set(
        Figure.objects.filter(region__path__startswith=district["b"].path).values_list(
            "region_id", flat=True
        )
    )
    figure = Figure.objects.filter(region=district["a"]).first()
    assert client.get(f"/admin/dashboard/figure/{figure.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/dashboard/figure/add/").status_code == 403
