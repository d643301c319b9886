"""Regional Party building in a real browser: a street operator opens a need (需求清单),
creates a project answering it, allocates part of a resource (资源清单) to it, adds a
milestone and marks it done; the project shows its progress and timeline, the resource what
remains. Over-allocation is refused with a message naming the resource."""

import pytest
from playwright.sync_api import expect

from regional.models import Project, Resource
from tests.browser.test_organizations_browser import log_in
from tests.regional import conftest as regional_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The regional fixtures (meetings, units, the three lists in street A; street C).
regional = regional_fixtures.regional
street_c = regional_fixtures.street_c


def test_project_from_a_need_and_a_resource_with_a_milestone_done(
    live_server, district, users, regional, new_page, screenshot_path
):
    base = live_server.url
    need, resource = regional["need_a"], regional["resource_a"]
    page = new_page()
    log_in(page, base, users["operator_a"].username)

    page.goto(f"{base}{need.get_absolute_url()}")
    page.get_by_test_id("need-new-project").click()
    expect(page.locator("#id_name")).to_have_value(need.title)
    page.fill("#id_name", "医院周边停车共享")
    page.select_option("#id_owner_organization", label=district["a_top"].name)
    page.fill("#id_owner_person", "王书记")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("project-needs")).to_contain_text(need.title)
    project = Project.objects.get(name="医院周边停车共享")

    form = page.get_by_test_id("allocation-form")
    form.locator("select").select_option(str(resource.pk))
    form.locator("input[name=quantity]").fill("12")
    form.get_by_role("button", name="分配").click()
    expect(page.locator(".alert-danger")).to_contain_text("仅剩 10个")
    form = page.get_by_test_id("allocation-form")
    form.locator("select").select_option(str(resource.pk))
    form.locator("input[name=quantity]").fill("4")
    form.get_by_role("button", name="分配").click()
    expect(page.get_by_test_id("project-allocations")).to_contain_text(resource.name)
    assert Resource.objects.get(pk=resource.pk).remaining == 6

    page.get_by_test_id("milestone-add").click()
    page.fill("#id_title", "夜间车位开放")
    page.get_by_role("button", name="保存").click()
    page.goto(f"{base}{project.get_absolute_url()}")
    page.get_by_test_id("project-milestones").get_by_role("button", name="标记完成").click()
    expect(page.get_by_test_id("project-progress")).to_have_text("100%")
    expect(page.get_by_test_id("project-timeline")).to_contain_text("完成节点：夜间车位开放")
    page.screenshot(path=screenshot_path("regional-project"), full_page=True)
    assert project.milestones.get().done_on is not None
    problems = [p for p in page.problems if "HTTP 4" not in p]
    assert problems == []
