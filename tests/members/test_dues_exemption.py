"""Dues exemptions (党费减免/缓交): exempt months are not due, so they never count as arrears
(issue 6: "six months unpaid *without reason*"). Counted as of 2026-07-15 throughout: the
last month due is 2026-06."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse

from members import dues
from members.models import DuesBase, DuesExemption, DuesPayment, Member
from portal.inbox import providers
from portal.inbox.models import InboxItem
from reports import questions
from tests.members.conftest import make_id_number, make_member
from tests.members.test_dues import QUERIES

AS_OF = date(2026, 7, 15)
D = Decimal


def _member(org, name, seq, base_year=2025):
    member = make_member(org, name, make_id_number(date(1969, 3, 3), seq))
    DuesBase.objects.create(member=member, year=base_year, monthly_base=D("4000"))
    return member


def _pay(member, year, month):
    return DuesPayment.objects.create(
        member=member, period=date(year, month, 1), amount=D("40"), paid_on=date(year, month, 5)
    )


def _exempt(member, start, end=None, reason=DuesExemption.Reason.HARDSHIP, **fields):
    exemption = DuesExemption(
        member=member,
        start=start,
        end=end,
        reason=reason,
        approved_by="党支部委员会",
        approved_on=date(2025, 12, 20),
        **fields,
    )
    exemption.full_clean()
    exemption.save()
    return exemption


def _position(member):
    (row,) = dues.arrears(Member.objects.filter(pk=member.pk), AS_OF)
    return row


@pytest.fixture
def debtor(district):
    """Base declared for 2025, paid through 2025-10: 2025-11..2026-06 = 8 months unpaid."""
    member = _member(district["a_branch"], "钱困难", 31)
    for month in range(1, 11):
        _pay(member, 2025, month)
    return member


def test_eight_months_unpaid_are_overdue(debtor):
    row = _position(debtor)
    assert (row.months_due, row.months_paid, row.months_exempt) == (18, 10, 0)
    assert (row.months_in_arrears, row.overdue) == (8, True)


def test_a_three_month_exemption_inside_leaves_five_not_overdue(debtor):
    exemption = _exempt(debtor, date(2026, 1, 9), date(2026, 3, 31))
    assert (exemption.start, exemption.end) == (date(2026, 1, 1), date(2026, 3, 1))
    row = _position(debtor)
    assert (row.months_due, row.months_paid, row.months_exempt) == (15, 10, 3)
    assert (row.months_in_arrears, row.overdue) == (5, False)
    assert [e.pk for e in row.exemptions] == [exemption.pk]
    assert row.exemption_now is None  # 2026-07 is past its end
    queryset = dues.arrears_queryset(Member.objects.all(), AS_OF)
    assert not queryset.filter(dues_months_in_arrears__gte=dues.OVERDUE_MONTHS).exists()
    assert queryset.get(pk=debtor.pk).dues_exempt_months == 3


def test_an_open_ended_exemption_stops_arrears_growing(debtor):
    exemption = _exempt(debtor, date(2026, 2, 1), reason=DuesExemption.Reason.ILLNESS)
    # 2025-11..2026-01 unpaid = 3; 2026-02 onwards exempt, however long it runs.
    for as_of, exempt in ((AS_OF, 5), (date(2027, 7, 15), 17), (date(2030, 1, 2), 47)):
        (row,) = dues.arrears(Member.objects.filter(pk=debtor.pk), as_of)
        assert (row.months_in_arrears, row.months_exempt, row.overdue) == (3, exempt, False)
    assert _position(debtor).exemption_now.pk == exemption.pk
    # Ending it (its last month 2026-04) makes 2026-05 and 2026-06 due again: 5 in arrears.
    exemption.end = date(2026, 4, 1)
    exemption.full_clean()
    exemption.save()
    row = _position(debtor)
    assert (row.months_in_arrears, row.months_exempt, row.exemption_now) == (5, 3, None)


def test_a_payment_in_an_exempt_month_does_not_make_arrears_negative(district):
    member = _member(district["a_branch"], "孙先交", 33, base_year=2026)  # due 2026-01..06
    for month in range(1, 7):
        _pay(member, 2026, month)
    _exempt(member, date(2026, 1, 1), date(2026, 6, 1))
    row = _position(member)
    assert (row.months_due, row.months_paid, row.months_in_arrears) == (0, 0, 0)
    # An exemption reaching back before the first month owed counts only from that month.
    other = _member(district["a_branch"], "李早免", 35, base_year=2026)
    _exempt(other, date(2024, 5, 1), date(2026, 2, 1))
    row = _position(other)
    assert (row.months_exempt, row.months_due, row.months_in_arrears) == (2, 4, 4)
    # A member with no declared base owes nothing, exemption or not.
    no_base = make_member(district["a_branch"], "冯未定", make_id_number(date(1969, 3, 3), 43))
    _exempt(no_base, date(2026, 1, 1), date(2026, 3, 1))
    row = _position(no_base)
    assert (row.start, row.months_exempt, row.months_due, row.months_in_arrears) == (None, 0, 0, 0)
    queryset = dues.arrears_queryset(Member.objects.filter(pk=no_base.pk), AS_OF)
    assert queryset.values_list("dues_months_due", "dues_months_in_arrears").get() == (0, 0)


def test_overlapping_or_backward_exemptions_are_refused_naming_the_field(
    debtor, users, client_for, api_for
):
    _exempt(debtor, date(2026, 1, 1), date(2026, 3, 1))
    client = client_for(users["operator_a"])
    url = reverse("members:dues_exemption", args=[debtor.organization_id])
    data = {
        "member": debtor.pk,
        "start": "2026-03",
        "end": "2026-05",
        "reason": "hardship",
        "approved_by": "党支部委员会",
        "approved_on": "2026-02-20",
    }
    page = client.get(f"{url}?member={debtor.pk}")
    assert page.status_code == 200
    assert f'<option value="{debtor.pk}" selected>' in page.content.decode()
    response = client.post(url, data)
    assert response.status_code == 400
    assert "start" in response.context["form"].errors
    assert "2026-01 至 2026-03 已有减免/缓交登记" in response.content.decode()
    api = api_for(users["operator_a"])
    api_data = {**data, "start": "2025-12-01", "end": "2026-05-01"}
    response = api.post("/api/v1/dues-exemptions/", api_data, format="json")
    assert response.status_code == 400 and "start" in response.json()
    # An open-ended one overlaps everything after its start.
    response = api.post(
        "/api/v1/dues-exemptions/", {**api_data, "start": "2025-06-01", "end": None}, format="json"
    )
    assert response.status_code == 400 and "start" in response.json()
    response = client.post(url, {**data, "start": "2026-06", "end": "2026-04"})
    assert response.status_code == 400
    assert response.context["form"].errors["end"] == ["截止月份不能早于起始月份。"]
    response = client.post(url, {**data, "start": "2026-04", "reason": "other"})
    assert response.context["form"].errors["note"] == ["原因为“其他”时须填写说明。"]
    assert DuesExemption.objects.count() == 1
    # The adjacent months are free: recorded, with the recorder.
    response = client.post(url, {**data, "start": "2026-04", "end": ""})
    assert response.status_code == 302
    created = DuesExemption.objects.get(start=date(2026, 4, 1))
    assert (created.end, created.recorded_by) == (None, users["operator_a"])


def test_only_members_in_good_standing_get_a_new_exemption(debtor):
    Member.objects.filter(pk=debtor.pk).update(status=Member.Status.SUSPENDED)
    debtor.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        _exempt(debtor, date(2026, 1, 1))
    assert "member" in raised.value.message_dict


def test_the_branch_page_shows_exemptions_in_the_same_queries(
    debtor, users, client_for, django_assert_num_queries
):
    client = client_for(users["operator_a"])
    url = reverse("members:dues_branch", args=[debtor.organization_id]) + "?as_of=2026-07-15"
    client.get(url)  # warm the session and permission caches
    with django_assert_num_queries(QUERIES):
        response = client.get(url)
    assert response.context["rows"][0].overdue
    exemption = _exempt(debtor, date(2026, 5, 1), reason=DuesExemption.Reason.APPROVED_DEFERRAL)
    other = _member(debtor.organization, "周病休", 37)
    _exempt(other, date(2025, 1, 1), date(2025, 6, 1), reason=DuesExemption.Reason.ILLNESS)
    _exempt(other, date(2025, 9, 1), reason=DuesExemption.Reason.OTHER, note="外出就医")
    payer = _member(debtor.organization, "吴照常", 39)
    with django_assert_num_queries(QUERIES):  # more members and exemptions: no more queries
        response = client.get(url)
    rows = {row.member.name: row for row in response.context["rows"]}
    assert (rows["钱困难"].months_in_arrears, rows["钱困难"].months_exempt) == (6, 2)
    assert rows["钱困难"].exemption_now.pk == exemption.pk
    assert [e.start for e in rows["周病休"].exemptions] == [date(2025, 9, 1), date(2025, 1, 1)]
    assert (rows["周病休"].months_exempt, rows["周病休"].months_in_arrears) == (16, 2)
    text = response.content.decode()
    assert "经批准缓交" in text and "外出就医" in text
    # A new exemption is offered to a member without an open-ended one.
    exempt_url = reverse("members:dues_exemption", args=[debtor.organization_id])
    assert f"{exempt_url}?member={payer.pk}" in text
    assert f"{exempt_url}?member={other.pk}" not in text
    assert reverse("members:dues_exemption_edit", args=[exemption.pk]) in text
    export = client.get(
        reverse("members:dues_branch_export", args=[debtor.organization_id]) + "?as_of=2026-07-15"
    )
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].endswith("减免/缓交月数,当前减免/缓交")
    assert lines[1].endswith(",6,是,2,经批准缓交 2026-05 ~ 长期")


def test_ending_an_open_exemption_through_the_edit_form(debtor, users, client_for):
    exemption = _exempt(debtor, date(2026, 2, 1))
    client = client_for(users["operator_a"])
    url = reverse("members:dues_exemption_edit", args=[exemption.pk])
    page = client.get(url)
    assert page.status_code == 200 and debtor.name in page.content.decode()
    data = {
        "start": "2026-02",
        "end": "2026-04",
        "reason": "hardship",
        "approved_by": "党支部委员会",
        "approved_on": "2025-12-20",
    }
    assert client.post(url, data).status_code == 302
    exemption.refresh_from_db()
    assert (exemption.end, exemption.member_id) == (date(2026, 4, 1), debtor.pk)
    assert _position(debtor).months_in_arrears == 5
    # The member's other exemptions still refuse an overlap on change.
    later = _exempt(debtor, date(2026, 6, 1))
    response = client.post(
        reverse("members:dues_exemption_edit", args=[later.pk]), {**data, "end": ""}
    )
    assert response.status_code == 400 and "start" in response.context["form"].errors
    # A user who may only read (the community worker) cannot change one.
    worker = client_for(users["worker_a"])
    assert worker.get(url).status_code == 403


def test_street_b_cannot_see_list_create_or_change_a_exemptions(debtor, users, client_for, api_for):
    exemption = _exempt(debtor, date(2026, 1, 1))
    client = client_for(users["operator_b"])
    assert (
        client.get(reverse("members:dues_exemption", args=[debtor.organization_id])).status_code
        == 404
    )
    edit = reverse("members:dues_exemption_edit", args=[exemption.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"start": "2026-01", "end": "2026-02"}).status_code == 404
    api = api_for(users["operator_b"])
    assert api.get("/api/v1/dues-exemptions/").json()["count"] == 0
    assert api.get(f"/api/v1/dues-exemptions/{exemption.pk}/").status_code == 404
    patch = api.patch(
        f"/api/v1/dues-exemptions/{exemption.pk}/", {"end": "2026-02-01"}, format="json"
    )
    assert patch.status_code == 404
    response = api.post(
        "/api/v1/dues-exemptions/",
        {
            "member": debtor.pk,
            "start": "2026-04-01",
            "reason": "hardship",
            "approved_by": "党支部委员会",
            "approved_on": "2026-03-01",
        },
        format="json",
    )
    assert response.status_code == 400 and "member" in response.json()
    assert list(DuesExemption.objects.values_list("pk", "end")) == [(exemption.pk, None)]
    # Street A's own operator lists and ends it over the API.
    api_a = api_for(users["operator_a"])
    body = api_a.get("/api/v1/dues-exemptions/").json()
    assert [row["id"] for row in body["results"]] == [exemption.pk]
    assert body["results"][0]["reason"] == "hardship"
    patch = api_a.patch(
        f"/api/v1/dues-exemptions/{exemption.pk}/", {"end": "2026-03-15"}, format="json"
    )
    assert patch.status_code == 200 and patch.json()["end"] == "2026-03-01"


def test_no_reminder_for_a_branch_whose_only_overdue_member_is_exempt(debtor, users):
    def dues_items():
        return set(
            InboxItem.objects.filter(
                kind=InboxItem.Kind.DUES_ARREARS, generated=True, done_at=None
            ).values_list("user__username", "key")
        )

    key = f"dues_arrears:org:{debtor.organization_id}"
    providers.generate(today=AS_OF)
    assert dues_items() == {("district_admin", key), ("operator_a", key)}
    _exempt(debtor, date(2025, 11, 1), date(2026, 6, 1))
    providers.generate(today=AS_OF)
    assert dues_items() == set()  # the open items are done: their reason went


def test_the_dues_arrears_question_leaves_the_exempt_member_out(district, users):
    def answer(key, user):
        question = questions.get(key)
        _filterset, rows = question.answer(user, QueryDict())
        return question.records(rows)

    exempt = _member(district["a_branch"], "吴缓交", 39)  # 18 months unpaid
    _exempt(exempt, date(2025, 1, 1), reason=DuesExemption.Reason.APPROVED_DEFERRAL)
    debtor = _member(district["b_branch"], "郑未交", 41)  # 18 months, no reason
    with time_machine.travel(AS_OF, tick=False):
        rows = answer("dues-arrears", users["admin"])
        assert [(r.organization__code, r.members_in_arrears, r.longest_months) for r in rows] == [
            (debtor.organization.code, 1, 18)
        ]
        _exempt(debtor, date(2025, 3, 1), date(2025, 12, 1))  # 10 exempt: 8 left
        rows = answer("dues-arrears", users["admin"])
        assert [(r.organization__code, r.longest_months) for r in rows] == [
            (debtor.organization.code, 8)
        ]


def test_exemptions_are_audited(debtor):
    from django.apps import apps

    exemption = _exempt(debtor, date(2026, 1, 1))
    exemption.end = date(2026, 2, 1)
    exemption.save()
    events = apps.get_model("members", "DuesExemptionEvent").objects.filter(pgh_obj_id=exemption.pk)
    assert list(events.order_by("pgh_id").values_list("pgh_label", flat=True)) == [
        "insert",
        "update",
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_exemptions_one_wins(district):
    """Two writers validate overlapping spans at the same moment (each sees no overlap) and
    save: the save re-checks on the member's locked row, so exactly one is written."""
    import threading

    from django.db import connection

    member = _member(district["a_branch"], "孙并发", 41)
    candidates = [
        DuesExemption(
            member=member,
            start=date(2026, month, 1),
            reason=DuesExemption.Reason.HARDSHIP,
            approved_by="党支部委员会",
            approved_on=date(2025, 12, 20),
        )
        for month in (1, 3)
    ]
    for candidate in candidates:
        candidate.full_clean()  # both valid on their own
    barrier, outcomes = threading.Barrier(2), []

    def save(exemption):
        try:
            barrier.wait()
            exemption.save()
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["start"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(c,)) for c in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["saved", "该党员已有时段重叠的减免/缓交登记。"])
    assert DuesExemption.objects.filter(member=member).count() == 1
