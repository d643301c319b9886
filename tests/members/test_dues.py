"""Party dues: the rate table at its boundaries, one payment per month, arrears counted by
hand, the 6-month flag, scope and the payment import."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from members import dues
from members.models import DuesBase, DuesKind, DuesPayment, Member
from portal import imports
from tests.members.conftest import make_id_number, make_member

D = Decimal

#: Queries of a branch's dues page, whatever its size: session, user, roles and scope,
#: the branch, its members with their counts, their bases, the rate table.
QUERIES = 9


@pytest.mark.parametrize(
    ("kind", "base", "expected"),
    [
        # 在职: <=3000 0.5%, (3000, 5000] 1%, (5000, 10000] 1.5%, >10000 2%; upper inclusive.
        (DuesKind.SERVING, "0", "0.00"),
        (DuesKind.SERVING, "2999.99", "15.00"),  # 14.99995 rounded half up
        (DuesKind.SERVING, "3000", "15.00"),
        (DuesKind.SERVING, "3000.01", "30.00"),  # 30.0001
        (DuesKind.SERVING, "5000", "50.00"),
        (DuesKind.SERVING, "5000.01", "75.00"),  # 75.00015
        (DuesKind.SERVING, "10000", "150.00"),
        (DuesKind.SERVING, "10000.01", "200.00"),  # 200.0002
        (DuesKind.SERVING, "1234.50", "6.17"),  # 6.1725 -> 6.17
        (DuesKind.SERVING, "1235", "6.18"),  # 6.175 -> 6.18 (half up)
        # 离退休: <=5000 0.5%, >5000 1%.
        (DuesKind.RETIRED, "5000", "25.00"),
        (DuesKind.RETIRED, "5000.01", "50.00"),
        # 学生 and 其他: fixed 0.2 元 whatever the base.
        (DuesKind.STUDENT, "0", "0.20"),
        (DuesKind.STUDENT, "8000", "0.20"),
        (DuesKind.OTHER, "0", "0.20"),
    ],
)
def test_monthly_amount_follows_the_seeded_rate_table(db, kind, base, expected):
    assert dues.monthly_amount(kind, D(base)) == D(expected)


def _member(org, name, seq, **fields):
    return make_member(org, name, make_id_number(date(1970, 1, 1), seq), **fields)


def _pay(member, year, month, amount="10"):
    return DuesPayment.objects.create(
        member=member, period=date(year, month, 1), amount=D(amount), paid_on=date(year, month, 5)
    )


@pytest.fixture
def branch_a(district):
    """A hand-built branch of street A; counted as of 2026-07-15 (last month due: 2026-06)."""
    org = district["a_branch"]
    m1 = _member(org, "甲", 11, joined_on=date(2005, 7, 1))
    DuesBase.objects.create(member=m1, year=2026, monthly_base=D("4000"))
    for month in (1, 2, 3):
        _pay(m1, 2026, month)
    _pay(m1, 2026, 7)  # July paid in advance: not due yet, but it is the paid-until month
    m2 = _member(
        org,
        "乙",
        13,
        joined_on=date(2026, 3, 10),
        full_member_on=None,
        category=Member.Category.PROBATIONARY,
    )
    DuesBase.objects.create(member=m2, year=2025, kind=DuesKind.STUDENT)
    m3 = _member(org, "丙", 15, joined_on=date(2000, 1, 1))
    DuesBase.objects.create(member=m3, year=2025, kind=DuesKind.RETIRED, monthly_base=D("6000"))
    for month in range(1, 13):
        _pay(m3, 2025, month)
    m4 = _member(org, "丁", 17)  # no base declared: nothing computed, nothing owed
    m5 = _member(org, "戊", 19)
    DuesBase.objects.create(member=m5, year=2020, monthly_base=D("3000"))
    Member.objects.filter(pk=m5.pk).update(status=Member.Status.DECEASED)  # not counted
    return {"org": org, "m1": m1, "m2": m2, "m3": m3, "m4": m4, "m5": m5}


def test_arrears_of_a_hand_built_branch(branch_a):
    rows = dues.arrears(Member.objects.all(), date(2026, 7, 15))
    by_name = {row.member.name: row for row in rows}
    assert set(by_name) == {"甲", "乙", "丙", "丁"}  # 戊 is deceased
    # 甲: base from 2026 -> owes 2026-01..2026-06 = 6 months; paid Jan-Mar -> 3 in arrears.
    a = by_name["甲"]
    assert (a.start, a.months_due, a.months_paid, a.months_in_arrears) == (
        date(2026, 1, 1),
        6,
        3,
        3,
    )
    assert a.paid_until == date(2026, 7, 1) and a.monthly_amount == D("40.00") and not a.overdue
    # 乙: joined 2026-03 (later than the 2025 base) -> owes Mar..Jun = 4, paid none.
    b = by_name["乙"]
    assert (b.start, b.months_in_arrears, b.paid_until, b.monthly_amount) == (
        date(2026, 3, 1),
        4,
        None,
        D("0.20"),
    )
    # 丙: base from 2025 -> owes 2025-01..2026-06 = 18; paid the 12 of 2025 -> 6: flagged.
    c = by_name["丙"]
    assert (c.months_due, c.months_paid, c.months_in_arrears, c.overdue) == (18, 12, 6, True)
    assert c.monthly_amount == D("60.00")  # retired, > 5000: 1%
    # 丁: no base -> nothing owed.
    d = by_name["丁"]
    assert (d.start, d.months_due, d.months_in_arrears, d.monthly_amount) == (None, 0, 0, None)
    overdue = dues.arrears(Member.objects.all(), date(2026, 7, 15), min_months=6)
    assert [row.member.name for row in overdue] == ["丙"]


def test_branch_page_lists_masked_members_and_filters_the_overdue(
    branch_a, users, client_for, django_assert_num_queries
):
    client = client_for(users["operator_a"])
    url = reverse("members:dues_branch", args=[branch_a["org"].pk]) + "?as_of=2026-07-15"
    client.get(url)  # warm the session and permission caches
    with django_assert_num_queries(QUERIES):
        client.get(url)
    more = _member(branch_a["org"], "己", 21)
    DuesBase.objects.create(member=more, year=2026, monthly_base=D("9000"))
    _pay(more, 2026, 2)
    with django_assert_num_queries(QUERIES):  # one more member: no more queries
        response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    for name in ("甲", "乙", "丙", "丁", "己"):
        assert name in text
    assert branch_a["m1"].id_number_masked in text
    assert branch_a["m1"].id_number not in text
    response = client.get(url + "&overdue=1")
    assert [row.member.name for row in response.context["rows"]] == ["丙"]
    export = client.get(
        reverse("members:dues_branch_export", args=[branch_a["org"].pk]) + "?as_of=2026-07-15"
    )
    csv_text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "丙" in csv_text and branch_a["m3"].id_number not in csv_text
    index = client.get(reverse("members:dues_index") + "?as_of=2026-07-15")
    assert [(b.pk, n) for b, n in index.context["branches"]] == [(branch_a["org"].pk, 1)]
    assert client.get(reverse("members:dues_rates")).status_code == 200


def test_one_payment_per_member_and_month_with_a_clear_error(branch_a, users, client_for, api_for):
    client = client_for(users["operator_a"])
    url = reverse("members:dues_payment", args=[branch_a["org"].pk])
    data = {
        "member": branch_a["m2"].pk,
        "period": "2026-04",
        "amount": "0.2",
        "paid_on": "2026-05-01",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    payment = DuesPayment.objects.get(member=branch_a["m2"])
    assert payment.period == date(2026, 4, 1)
    assert payment.recorded_by == users["operator_a"]
    response = client.post(url, data)
    assert response.status_code == 400
    assert "该党员该月份的党费已登记，不能重复登记。" in response.content.decode()
    api = api_for(users["operator_a"])
    response = api.post(
        "/api/v1/dues-payments/",
        {
            "member": branch_a["m2"].pk,
            "period": "2026-04-01",
            "amount": "0.2",
            "paid_on": "2026-05-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "该党员该月份的党费已登记，不能重复登记。" in str(response.json())
    assert DuesPayment.objects.filter(member=branch_a["m2"]).count() == 1


def test_street_b_sees_none_of_a_dues(branch_a, users, client_for, api_for):
    client = client_for(users["operator_b"])
    pk = branch_a["org"].pk
    for name in ("dues_branch", "dues_branch_export", "dues_payment"):
        assert client.get(reverse(f"members:{name}", args=[pk])).status_code == 404
    assert client.get(reverse("members:dues_index")).context["branches"] == []
    api = api_for(users["operator_b"])
    assert api.get("/api/v1/dues-payments/").json()["count"] == 0
    payment = DuesPayment.objects.filter(member=branch_a["m1"]).first()
    assert api.get(f"/api/v1/dues-payments/{payment.pk}/").status_code == 404
    response = api.post(
        "/api/v1/dues-payments/",
        {
            "member": branch_a["m2"].pk,
            "period": "2026-05-01",
            "amount": "1",
            "paid_on": "2026-05-02",
        },
        format="json",
    )
    assert response.status_code == 400 and "member" in response.json()


def _csv(rows):
    lines = ["身份证号,所属月份,金额（元）,交纳日期", *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_payment_import_is_all_or_nothing_with_row_errors(branch_a, users, members):
    spec = imports.get_spec("members.duespayment")
    m1, m2 = branch_a["m1"], branch_a["m2"]
    before = DuesPayment.objects.count()
    bad = _csv(
        [
            (m1.id_number, "2026-04", "40", "2026-05-01"),
            (m2.id_number, "2026年4月", "-1", "2026-05-01"),  # row 3: amount <= 0
            (members["b"].id_number, "2026-04", "40", "2026-05-01"),  # row 4: street B
            (m1.id_number, "2026/4", "40", "2026-05-01"),  # row 5: same month as row 2
        ]
    )
    result = spec.run(bad, "dues.csv", users["operator_a"])
    errors = {(e.row, e.column) for e in result.errors}
    assert errors == {(3, "金额（元）"), (4, "身份证号"), (5, "身份证号")}
    assert DuesPayment.objects.count() == before
    good = _csv(
        [
            (m1.id_number, "2026-04", "40", "2026-05-01"),
            (m1.id_number, "2026-01", "45", "2026-01-10"),  # exists: updated
            (m2.id_number, "2026年4月", "0.2", "2026-05-01"),
        ]
    )
    result = spec.run(good, "dues.csv", users["operator_a"])
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 1)
    assert DuesPayment.objects.get(member=m1, period=date(2026, 1, 1)).amount == D("45")
    again = spec.run(good, "dues.csv", users["operator_a"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_dues_records_are_audited(db):
    """Rates and payments are money records: every write leaves a history event."""
    from decimal import Decimal

    from django.apps import apps

    from members.models import DuesKind, DuesRate

    rate = DuesRate.objects.create(kind=DuesKind.STUDENT, fixed_amount=Decimal("0.20"))
    rate.fixed_amount = Decimal("0.30")
    rate.save()
    events = apps.get_model("members", "DuesRateEvent").objects.filter(pgh_obj_id=rate.pk)
    assert list(events.order_by("pgh_id").values_list("pgh_label", flat=True)) == [
        "insert",
        "update",
    ]


def test_the_district_changes_the_rate_table_and_a_street_cannot(users, client_for):
    """The rate table is district-wide: a district admin (not a superuser) edits it in the
    admin and the rates page links there; a street operator, even with admin access, only
    reads it."""
    from members.models import DuesRate

    rate = DuesRate.objects.filter(kind=DuesKind.SERVING).order_by("lower").first()
    change = f"/admin/members/duesrate/{rate.pk}/change/"
    district = client_for(users["admin"])
    assert "管理后台修改" in district.get("/members/dues/rates/").content.decode()
    assert district.get(change).status_code == 200
    street_user = users["operator_a"]
    street_user.is_staff = True
    street_user.save()
    street = client_for(street_user)
    assert "管理后台修改" not in street.get("/members/dues/rates/").content.decode()
    data = {"kind": rate.kind, "lower": "0", "upper": "3000", "percent": "9.99", "note": "x"}
    assert street.post(change, data).status_code == 403
    assert DuesRate.objects.get(pk=rate.pk).percent == rate.percent
