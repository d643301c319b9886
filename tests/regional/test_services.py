"""The three lists' workflows (regional.services): allocation with its remaining-quantity
check and row lock, milestones and progress, escalation of a grid case, closing a project."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from grids.models import Case
from regional import services
from regional.models import Need, Project, ProjectAllocation, ProjectUpdate, Resource
from tests.grids.conftest import grids, make_grid_case  # noqa: F401  (fixture)


@pytest.mark.django_db
def test_allocation_reduces_what_remains(regional, users):
    resource = regional["resource_a"]
    services.allocate(regional["project_a"], resource, "3", users["operator_a"])
    services.allocate(regional["project_a"], resource, Decimal("2.5"), users["operator_a"])
    assert Resource.objects.get(pk=resource.pk).remaining == Decimal("4.50")
    assert Resource.objects.with_remaining().get(pk=resource.pk).remaining == Decimal("4.50")


@pytest.mark.django_db
def test_over_allocation_names_the_resource_and_what_remains_and_writes_nothing(regional, users):
    resource = regional["resource_a"]
    assert services.plain(Decimal("10.00")) == "10"
    services.allocate(regional["project_a"], resource, 8, users["operator_a"])
    with pytest.raises(services.RegionalError) as caught:
        services.allocate(regional["project_a"], resource, 3, users["operator_a"])
    message = caught.value.message_dict["quantity"][0]
    assert "医院地下车库夜间车位" in message and "仅剩 2个" in message
    assert ProjectAllocation.objects.count() == 1
    for bad in ("0", "-1", "abc"):
        with pytest.raises(services.RegionalError) as caught:
            services.allocate(regional["project_a"], resource, bad, users["operator_a"])
        assert "quantity" in caught.value.message_dict
    assert ProjectAllocation.objects.count() == 1


@pytest.mark.django_db
def test_allocation_refuses_a_resource_out_of_scope(regional, users):
    with pytest.raises(services.RegionalError) as caught:
        services.allocate(regional["project_a"], regional["resource_b"], 1, users["operator_a"])
    assert "resource" in caught.value.message_dict
    assert not ProjectAllocation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_do_not_oversubscribe(regional, users):
    """Two connections allocate 6 of 10 at once: the row lock serialises them, so exactly
    one succeeds and the other is refused with what remains."""
    project, resource, user = regional["project_a"], regional["resource_a"], users["operator_a"]
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            barrier.wait()
            services.allocate(project, resource, 6, user)
            outcomes.append("ok")
        except services.RegionalError as exc:
            outcomes.append(exc.message_dict["quantity"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=len)[0] == "ok"
    assert outcomes.count("ok") == 1
    assert "仅剩 4个" in [o for o in outcomes if o != "ok"][0]
    assert Resource.objects.get(pk=resource.pk).remaining == Decimal("4.00")


@pytest.mark.django_db
def test_progress_from_milestones_unless_set_by_hand(regional, users):
    project = regional["project_a"]
    first, _second = regional["milestones"]
    assert Project.objects.get(pk=project.pk).progress == 0
    services.complete_milestone(first, users["operator_a"])
    project.refresh_from_db()
    assert project.status == Project.Status.IN_PROGRESS
    assert project.progress == 50
    assert ProjectUpdate.objects.get(project=project).progress == 50
    with pytest.raises(services.RegionalError):
        services.complete_milestone(first, users["operator_a"])
    project.progress_manual = 80
    assert project.progress == 80


@pytest.mark.django_db
def test_matching_a_need_and_closing_the_project(regional, users):
    project, need = regional["project_a"], regional["need_a"]
    services.match_needs(project)
    assert Need.objects.get(pk=need.pk).status == Need.Status.MATCHED
    _project, unsettled = services.close_project(project, users["operator_a"], note="完成")
    project.refresh_from_db()
    assert project.status == Project.Status.DONE and unsettled == []
    assert Need.objects.get(pk=need.pk).status == Need.Status.RESOLVED
    with pytest.raises(services.RegionalError):
        services.allocate(project, regional["resource_a"], 1, users["operator_a"])


@pytest.mark.django_db
def test_case_escalated_then_resolved_by_closing_the_project(regional, grids, users, district):  # noqa: F811
    case = make_grid_case(grids["grid_a"], grids["category"], "C-1", state="in_progress")
    need = services.escalate_case(case, users["operator_a"])
    assert need.source_case == case and need.region == district["a1"]
    assert need.title == case.title and need.status == Need.Status.OPEN
    with pytest.raises(services.RegionalError):
        services.escalate_case(case, users["operator_a"])
    project = regional["project_a"]
    project.needs.add(need)
    services.close_project(project, users["operator_a"], note="车位已开放")
    case.refresh_from_db()
    assert case.state == Case.State.RESOLVED
    assert case.steps.filter(action="resolve", note="车位已开放").exists()
    assert Need.objects.get(pk=need.pk).status == Need.Status.RESOLVED


@pytest.mark.django_db
def test_a_case_that_may_not_be_resolved_is_left_with_the_reason(regional, grids, users):  # noqa: F811
    case = make_grid_case(grids["grid_a"], grids["category"], "C-2", state="reported")
    need = services.escalate_case(case, users["operator_a"])
    regional["project_a"].needs.add(need)
    _project, unsettled = services.close_project(regional["project_a"], users["operator_a"])
    case.refresh_from_db()
    assert case.state == Case.State.REPORTED
    need.refresh_from_db()
    assert unsettled == [need]
    assert need.status == Need.Status.RESOLVED
    assert "来源案件未能办结" in need.status_note and "已上报" in need.status_note


@pytest.mark.django_db
def test_another_street_cannot_escalate_a_case(regional, grids, users):  # noqa: F811
    case = make_grid_case(grids["grid_a"], grids["category"], "C-3")
    with pytest.raises(services.RegionalError):
        services.escalate_case(case, users["operator_b"])
    assert not Need.objects.filter(source_case=case).exists()
