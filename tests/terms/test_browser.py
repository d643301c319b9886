"""Recording an election in a real browser: the organisation page's term panel, the form
with its result rows (candidate autocomplete from the branch's members), the election page,
and the term page. Screenshots are left for a human to look at."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from organizations.models import Election, Organization
from tests.browser.test_organizations_browser import log_in
from tests.terms.conftest import TODAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def frozen_today():
    # The clock runs (the browser and the server need it), starting on TODAY.
    start = datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(start, tick=True):
        yield


def test_record_an_election_and_see_the_term_page(
    live_server,
    world,
    users,
    new_page,  # noqa: F811
    screenshot_path,  # noqa: F811
):
    page = new_page(viewport={"width": 1366, "height": 1000})
    base = live_server.url
    log_in(page, base, users["operator_a"].username)
    branch = world["a_branch"]
    page.goto(f"{base}{branch.get_absolute_url()}")
    panel = page.get_by_test_id("term-panel")
    expect(panel).to_contain_text("已超期 36 天")
    panel.get_by_test_id("record-election").click()
    expect(page.locator("h1")).to_contain_text("登记选举")

    page.fill("#id_election-held_on", "2026-06-01")
    page.select_option("#id_election-kind", "general")
    for name, value in (
        ("eligible_voters", "50"),
        ("present", "45"),
        ("ballots_issued", "45"),
        ("ballots_returned", "45"),
        ("valid_ballots", "44"),
        ("approval_number", "天委组〔2026〕12号"),
    ):
        page.fill(f"#id_election-{name}", value)
    rows = page.get_by_test_id("result-row")
    for index, (title, name, votes) in enumerate(
        (("secretary", "张甲", "40"), ("organization_member", "张乙", "30"))
    ):
        row = rows.nth(index)
        row.locator("select").select_option(title)
        row.locator(".autocomplete-input").fill(name[-1])
        row.locator(".autocomplete-results button", has_text=name).click()
        row.locator(f"#id_results-{index}-votes").fill(votes)
        row.locator(f"#id_results-{index}-elected").check()
    page.screenshot(path=screenshot_path("terms-record-election"), full_page=True)
    page.get_by_role("button", name="登记", exact=True).click()

    election = Election.objects.get()
    expect(page).to_have_url(re.compile(rf"/organizations/elections/{election.pk}/$"))
    expect(page.get_by_test_id("election-results")).to_contain_text("张甲")
    assert Organization.objects.get(pk=branch.pk).term_number == 4

    Organization.objects.filter(pk=world["a_branch"].parent.parent_id).update(
        term_end=TODAY.replace(month=10, day=1)
    )
    page.goto(f"{base}/organizations/terms/")
    expect(page.locator("h1")).to_contain_text("届期提醒")
    table = page.get_by_test_id("object-table")
    expect(table).to_contain_text("天平路街道党工委")
    expect(table).to_contain_text("108")
    expect(table).not_to_contain_text("上海新村居民区第一党支部")  # re-elected: not due
    page.screenshot(path=screenshot_path("terms-term-page"), full_page=True)
    assert page.problems == []
