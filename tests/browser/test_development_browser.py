"""The development pipeline in a real browser: a street operator registers an applicant and
takes them from 入党申请人 to 预备党员 through the step forms on the detail page. The dates are
backdated (2022-2023), so the one-year rules are met without freezing the clock."""

from datetime import date

import pytest
from playwright.sync_api import expect

from members.models import Applicant, Member
from tests.browser.test_organizations_browser import log_in
from tests.members.conftest import make_id_number, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPLICANT_ID = make_id_number(date(2000, 1, 15), 233)


def take_step(page, action, fill):
    form = page.get_by_test_id(f"action-{action}")
    expect(form).to_be_visible()  # the first step the user may take is open
    fill(form)
    form.get_by_test_id(f"submit-{action}").click()
    expect(page.locator(".alert-success")).to_be_visible()


def test_applicant_to_probationary_member(live_server, district, users, new_page, tmp_path):
    branch = district["a_branch"]
    make_member(branch, "张卫东", make_id_number(date(1980, 5, 4), 371))
    make_member(branch, "陈红", make_id_number(date(1985, 6, 1), 412))
    page = new_page(viewport={"width": 1366, "height": 900})
    base = live_server.url
    log_in(page, base, users["operator_a"].username)

    page.goto(f"{base}/members/development/")
    page.get_by_role("link", name="新增").click()
    page.fill("#id_name", "刘洋")
    page.fill("#id_id_number", APPLICANT_ID)
    page.select_option("#id_organization", str(branch.pk))
    page.fill("#id_applied_on", "2022-01-10")
    page.get_by_test_id("workflow-submit").click()
    expect(page.get_by_test_id("applicant-stage")).to_have_text("入党申请人")
    expect(page.locator("body")).not_to_contain_text(APPLICANT_ID)

    take_step(page, "talk", lambda f: f.locator("input[type=date]").fill("2022-02-01"))
    expect(page.get_by_test_id("applicant-stage")).to_have_text("入党申请人")

    def activist(form):
        form.locator("input[type=date]").fill("2022-03-01")
        form.get_by_label("张卫东", exact=False).check()

    take_step(page, "activist", activist)
    expect(page.get_by_test_id("applicant-stage")).to_have_text("入党积极分子")

    # Under a year as an activist: refused with the rule's message, nothing changes.
    form = page.get_by_test_id("action-candidate")
    form.locator("input[type=date]").fill("2022-12-01")
    form.get_by_test_id("submit-candidate").click()
    expect(page.locator(".alert-danger")).to_contain_text("最早 2023-03-01")
    expect(page.get_by_test_id("applicant-stage")).to_have_text("入党积极分子")

    take_step(page, "candidate", lambda f: f.locator("input[type=date]").fill("2023-03-01"))
    expect(page.get_by_test_id("applicant-stage")).to_have_text("发展对象")

    def vet(form):
        dates = form.locator("input[type=date]")
        dates.nth(0).fill("2023-05-01")
        dates.nth(1).fill("2023-05-20")

    take_step(page, "vet", vet)

    def admit(form):
        form.locator("input[type=date]").fill("2023-07-01")
        form.get_by_label("张卫东", exact=False).check()
        form.get_by_label("陈红", exact=False).check()
        form.get_by_label("入党志愿书编号").fill("ZY2023-0701")

    take_step(page, "admit", admit)
    expect(page.get_by_test_id("applicant-stage")).to_have_text("预备党员")
    timeline = page.get_by_test_id("applicant-timeline")
    expect(timeline.locator("li")).to_have_count(6)
    expect(timeline).to_contain_text("2023-07-01 接收为预备党员")
    actions = page.get_by_test_id("workflow-actions")
    expect(actions.locator("summary")).to_have_text(
        ["转为正式党员", "延长预备期", "取消预备党员资格"]
    )
    page.screenshot(path=str(tmp_path / "development_pipeline.png"), full_page=True)

    member = Member.objects.get(name="刘洋")
    assert (member.organization, member.category, member.joined_on) == (
        branch,
        Member.Category.PROBATIONARY,
        date(2023, 7, 1),
    )
    assert Applicant.objects.get().member == member
    assert page.problems == []
