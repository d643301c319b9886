"""Model rules of enterprises that every door shares: an accepted pilot-region USCC stays
accepted through later edits, and the tenancy history follows moves and departures."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from buildings.models import Building, Enterprise, Tenancy
from tests.buildings.conftest import corrupt_check, make_uscc


def pilot_enterprise(district, users):
    enterprise = Enterprise(
        uscc=corrupt_check(make_uscc(7001)),
        uscc_override_reason="厦门早期试点代码，已与登记机关核实。",
        name="试点代码有限公司",
        kind=Enterprise.Kind.PRIVATE,
        region=district["a1"],
    )
    enterprise.validating_user = users["admin"]
    enterprise.full_clean()
    enterprise.save()
    return enterprise


def test_an_accepted_pilot_code_survives_other_edits_by_a_street_operator(district, users):
    pilot_enterprise(district, users)
    enterprise = Enterprise.objects.get(name="试点代码有限公司")
    assert enterprise.uscc_override_by == users["admin"]
    enterprise.validating_user = users["operator_a"]
    enterprise.employees = 12
    enterprise.full_clean()  # the acceptance stands: nothing about the code changed
    enterprise.save()
    assert Enterprise.objects.get(pk=enterprise.pk).uscc_override_by == users["admin"]


def test_a_street_operator_cannot_rewrite_the_reason_or_the_code(district, users):
    pilot_enterprise(district, users)
    enterprise = Enterprise.objects.get(name="试点代码有限公司")
    enterprise.validating_user = users["operator_a"]
    enterprise.uscc_override_reason = "另一理由"
    with pytest.raises(ValidationError) as caught:
        enterprise.full_clean()
    assert "uscc_override_reason" in caught.value.message_dict
    enterprise = Enterprise.objects.get(pk=enterprise.pk)
    enterprise.validating_user = users["operator_a"]
    enterprise.uscc = corrupt_check(make_uscc(7002))
    with pytest.raises(ValidationError) as caught:
        enterprise.full_clean()
    assert "uscc_override_reason" in caught.value.message_dict


def test_a_move_without_a_date_moves_in_today_and_closes_the_old_tenancy(registers, district):
    enterprise = Enterprise.objects.get(pk=registers["enterprise_a"].pk)
    other = Building(
        code="BA02",
        name="天平路二号楼",
        address="天平路2号",
        region=district["a1"],
        floors=10,
    )
    other.full_clean()
    other.save()
    enterprise.building, enterprise.floor, enterprise.room = other, 5, "501"
    enterprise.full_clean()
    enterprise.save()
    today = timezone.localdate()
    assert enterprise.moved_in_on == today
    old, new = (
        Tenancy.objects.filter(enterprise=enterprise)
        .order_by("id")
        .values_list("building__code", "moved_in_on", "moved_out_on")
    )
    assert old == ("BA01", date(2020, 1, 1), today)
    assert new == ("BA02", today, None)


def test_deregistering_closes_the_open_tenancy_on_the_status_date(registers):
    enterprise = Enterprise.objects.get(pk=registers["enterprise_a"].pk)
    day = timezone.localdate() - timedelta(days=3)
    enterprise.status, enterprise.status_on = Enterprise.Status.DEREGISTERED, day
    enterprise.full_clean()
    enterprise.save()
    tenancy = Tenancy.objects.get(enterprise=enterprise)
    assert tenancy.moved_out_on == day
    # Saving again changes nothing more.
    enterprise.note = "已注销"
    enterprise.save()
    assert Tenancy.objects.filter(enterprise=enterprise).count() == 1


def test_an_edit_that_keeps_the_place_leaves_the_tenancy_alone(registers):
    enterprise = Enterprise.objects.get(pk=registers["enterprise_a"].pk)
    enterprise.employees = 80
    enterprise.save()
    assert list(Tenancy.objects.filter(enterprise=enterprise).values_list("moved_out_on")) == [
        (None,)
    ]
