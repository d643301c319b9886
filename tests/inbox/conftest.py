"""The inbox fixture: on a frozen day (2026-06-15, Shanghai), street A has one of every reason
for a reminder and one near miss of each, street B has one reason of its own.

Street A (branch ``a_branch``, community a1; recipients: the district admin and A's operator):
- 赵谈话 applied 2026-05-20, no talk: due 2026-06-20, within the week's notice -> talk_due;
  钱未到 applied 2026-06-01: due 2026-07-01, notice starts 06-24 -> nothing;
- 孙积极 activist since 2025-06-10: a year reached -> activist_due; 李积极 since 2025-07-01 -> no;
- 周预备 admitted 2025-07-05: probation ends 2026-07-05, in 20 days -> probation_due;
  吴预备 admitted 2025-07-25: ends in 40 days -> nothing;
- a transfer out of A waiting for approval, and one from B into A waiting for acceptance;
- terms: A's general branch ends 2026-12-01 (6 months), A's working committee 2026-07-10
  (1 month), A's branch 2026-06-01 (overdue); B's general branch 2027-01-01 (too far);
- dues: 郑欠费 (base declared for 2025, nothing paid) is 17 months in arrears.
Street B: 王乙申 applied 2026-05-20 -> talk_due for the district admin and B's operator.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from members.models import Applicant, DuesBase, Member, Transfer, add_months
from tests.members.conftest import make_id_number, make_member

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 15)


def at(day, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    """``clock.move_to(date)``: the frozen clock, 09:00 in Shanghai on that day."""
    with time_machine.travel(at(TODAY), tick=False) as traveller:

        class Clock:
            @staticmethod
            def move_to(day):
                traveller.move_to(at(day))

        yield Clock


def make_applicant(branch, name, seq, **fields):
    applicant = Applicant(name=name, organization=branch, **fields)
    applicant.set_id_number(make_id_number(date(1998, 3, 1), seq))
    applicant.save()
    return applicant


@pytest.fixture
def reasons(clock, district, users):
    a, b = district["a_branch"], district["b_branch"]
    Stage = Applicant.Stage
    applicants = {
        "talk": make_applicant(a, "赵谈话", 11, applied_on=date(2026, 5, 20)),
        "talk_later": make_applicant(a, "钱未到", 12, applied_on=date(2026, 6, 1)),
        "activist": make_applicant(
            a,
            "孙积极",
            13,
            applied_on=date(2025, 3, 1),
            talked_on=date(2025, 3, 20),
            activist_on=date(2025, 6, 10),
            stage=Stage.ACTIVIST,
        ),
        "activist_later": make_applicant(
            a,
            "李积极",
            14,
            applied_on=date(2025, 4, 1),
            talked_on=date(2025, 4, 20),
            activist_on=date(2025, 7, 1),
            stage=Stage.ACTIVIST,
        ),
        "probation_20": make_applicant(
            a,
            "周预备",
            15,
            applied_on=date(2023, 1, 1),
            admitted_on=date(2025, 7, 5),
            stage=Stage.PROBATIONARY,
        ),
        "probation_40": make_applicant(
            a,
            "吴预备",
            16,
            applied_on=date(2023, 1, 1),
            admitted_on=date(2025, 7, 25),
            stage=Stage.PROBATIONARY,
        ),
        "talk_b": make_applicant(b, "王乙申", 17, applied_on=date(2026, 5, 20)),
    }
    leaving = make_member(a, "冯转出", make_id_number(date(1970, 1, 1), 21))
    coming = make_member(b, "陈转入", make_id_number(date(1971, 1, 1), 22))
    issued = date(2026, 6, 1)
    valid = add_months(issued, 3)
    transfers = {
        "approval": Transfer.objects.create(
            kind=Transfer.Kind.WITHIN,
            state=Transfer.State.PENDING_APPROVAL,
            member=leaving,
            source_organization=a,
            destination_organization=b,
            letter_number="ZJ-A-001",
            issued_on=issued,
            valid_until=valid,
            initiated_by=users["operator_a"],
        ),
        "acceptance": Transfer.objects.create(
            kind=Transfer.Kind.WITHIN,
            state=Transfer.State.PENDING_ACCEPTANCE,
            member=coming,
            source_organization=b,
            destination_organization=a,
            letter_number="ZJ-B-002",
            issued_on=issued,
            valid_until=valid,
            initiated_by=users["operator_b"],
        ),
    }
    debtor = make_member(a, "郑欠费", make_id_number(date(1972, 1, 1), 23))
    DuesBase.objects.create(member=debtor, year=2025, monthly_base=5000)
    terms = {
        "a_general": date(2026, 12, 1),
        "a_top": date(2026, 7, 10),
        "a_branch": date(2026, 6, 1),
    }
    for key, term_end in terms.items():
        org = district[key]
        org.term_end = term_end
        org.save(update_fields=["term_end"])
    assert Member.objects.count() == 3
    return {"applicants": applicants, "transfers": transfers, "debtor": debtor}


def expected_keys(district, reasons):
    """{username: {key, ...}} the run must write on TODAY, exactly."""
    ap, tr = reasons["applicants"], reasons["transfers"]
    street_a = {
        f"talk_due:applicant:{ap['talk'].pk}",
        f"activist_due:applicant:{ap['activist'].pk}",
        f"probation_due:applicant:{ap['probation_20'].pk}:2026-07-05",
        f"transfer_approve:transfer:{tr['approval'].pk}",
        f"transfer_accept:transfer:{tr['acceptance'].pk}",
        f"term:org:{district['a_general'].pk}:2026-12-01:6m",
        f"term:org:{district['a_top'].pk}:2026-07-10:1m",
        f"term:org:{district['a_branch'].pk}:2026-06-01:overdue",
        f"dues_arrears:org:{district['a_branch'].pk}",
    }
    street_b = {f"talk_due:applicant:{ap['talk_b'].pk}"}
    return {
        "district_admin": street_a | street_b,
        "operator_a": street_a,
        "operator_b": street_b,
    }
