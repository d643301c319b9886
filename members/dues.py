"""Party dues (党费): the rate table, a member's monthly amount, and arrears.

Rates (``DuesRate``, seeded with the 2008 规定's defaults, edited by district admins in the
admin): a row applies to a monthly base ``lower < base <= upper`` (upper bound inclusive:
"3000元以下（含3000元）"), giving a percentage of the base or a fixed monthly amount.

Monthly amount: ``base * percent / 100`` rounded to the fen (0.01 元) half up (1234.50 元
at 0.5% is 6.17 元, 6.1725 rounded); a fixed amount is taken as it is.

Arrears: a member (status 正常) owes every month from the later of the month they joined
and January of their first declared base year, through the month *before* ``as_of``'s month
(a month is in arrears once it has ended; the current month may still be paid). A month is
paid when a ``DuesPayment`` for it exists. A member with no declared base owes nothing yet
(their dues cannot be computed) and is reported with ``start=None``.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractMonth,
    ExtractYear,
    Greatest,
    Trunc,
)
from django.utils.translation import gettext as _

from members.models import DuesBase, DuesKind, DuesPayment, DuesRate, Member, add_months

#: Months unpaid from which a member is flagged (党章: 连续六个月不交纳党费 ...).
OVERDUE_MONTHS = 6

FEN = Decimal("0.01")


class NoRate(LookupError):
    """No row of the rate table covers a base."""


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(start: date, end: date) -> int:
    """Months from ``start``'s month through ``end``'s month, both included (0 if start is
    after end)."""
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    return max(count, 0)


def rate_for(kind, base, rates=None) -> DuesRate:
    """The rate table row covering a monthly ``base`` of ``kind`` (``lower < base <= upper``).
    ``rates``: the table already read (a list), to spare a query per member."""
    base = Decimal(base)
    rows = rates if rates is not None else list(DuesRate.objects.all())
    for rate in rows:
        if rate.kind != kind:
            continue
        if rate.lower is not None and not base > rate.lower:
            continue
        if rate.upper is not None and not base <= rate.upper:
            continue
        return rate
    raise NoRate(_("党费交纳比例表中没有适用于该基数的比例。"))


def monthly_amount(kind, base, rates=None) -> Decimal:
    """The monthly dues of a base of ``kind``, in yuan rounded half up to 0.01."""
    rate = rate_for(kind, base, rates)
    if rate.fixed_amount is not None:
        return rate.fixed_amount.quantize(FEN)
    return (Decimal(base) * rate.percent / 100).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass
class Arrears:
    """One member's dues position on a date (see ``arrears``)."""

    member: Member
    start: date | None  # first month owed; None: no base declared
    months_due: int
    months_paid: int
    paid_until: date | None  # latest month paid (its first day), any month
    monthly_amount: Decimal | None  # by the base of as_of's year (else the latest base)

    @property
    def months_in_arrears(self) -> int:
        return self.months_due - self.months_paid

    @property
    def overdue(self) -> bool:
        return self.months_in_arrears >= OVERDUE_MONTHS


class MakeDate(Func):
    function = "make_date"
    output_field = DateField()


def arrears_queryset(members, as_of: date):
    """``members`` (already scoped by the caller) whose status is 正常, annotated in SQL with
    their dues position as of ``as_of``: ``dues_start`` (first month owed, NULL without a
    declared base), ``dues_months_due``, ``dues_paid`` (months of those paid),
    ``dues_months_in_arrears`` (due - paid) and ``dues_paid_until`` (latest month paid).

    The same counting as ``arrears`` (which reads this queryset), so a question can filter,
    group and count branches in the database: ``dues_months_in_arrears__gte=6``."""
    last_due = add_months(month_start(as_of), -1)
    first_base_year = Subquery(
        DuesBase.objects.filter(member=OuterRef("pk")).order_by("year").values("year")[:1],
        output_field=IntegerField(),
    )
    queryset = members.filter(status=Member.Status.NORMAL).annotate(
        dues_first_year=first_base_year,
        # GREATEST ignores NULLs: without a base the start stays NULL (nothing owed).
        dues_start=Case(
            When(dues_first_year__isnull=True, then=Value(None, output_field=DateField())),
            default=Greatest(
                Cast(Trunc("joined_on", "month"), DateField()),
                MakeDate(F("dues_first_year"), 1, 1),
            ),
            output_field=DateField(),
        ),
    )
    paid_count = (
        DuesPayment.objects.filter(
            member=OuterRef("pk"), period__gte=OuterRef("dues_start"), period__lte=last_due
        )
        .order_by()
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_index = last_due.year * 12 + last_due.month
    paid_until = (
        DuesPayment.objects.filter(member=OuterRef("pk")).order_by("-period").values("period")[:1]
    )
    return queryset.annotate(
        dues_paid=Coalesce(Subquery(paid_count, output_field=IntegerField()), 0),
        dues_paid_until=Subquery(paid_until, output_field=DateField()),
        # months_between(start, last_due), 0 without a start or when start is later.
        dues_months_due=Coalesce(
            Greatest(
                Value(last_index + 1) - ExtractYear("dues_start") * 12 - ExtractMonth("dues_start"),
                Value(0),
            ),
            Value(0),
        ),
    ).annotate(dues_months_in_arrears=F("dues_months_due") - F("dues_paid"))


def arrears(members, as_of: date, *, min_months: int = 0) -> list[Arrears]:
    """The dues position of each member of ``members`` (a Member queryset, already scoped by
    the caller) whose status is 正常, as of ``as_of``.

    Returns a list of ``Arrears`` (ordered by organisation, then member id), each with:
    ``member`` (organization selected), ``start`` (first month owed, or None without any
    declared base), ``months_due`` (months from ``start`` through the month before
    ``as_of``'s), ``months_paid`` (of those, the months with a payment),
    ``months_in_arrears`` (due - paid), ``overdue`` (``months_in_arrears >= 6``),
    ``paid_until`` (latest month paid, or None) and ``monthly_amount`` (by the base of
    ``as_of``'s year, else the latest earlier one; None without a base or a covering rate).

    ``min_months``: keep only members with at least that many months in arrears (6 answers
    "which members, and so which branches, are 6+ months in arrears"). Three queries
    whatever the number of members: members with their start and counts, bases, rates.
    """
    queryset = arrears_queryset(members, as_of).select_related("organization")
    if min_months:
        queryset = queryset.filter(dues_months_in_arrears__gte=min_months)
    rows = list(queryset.order_by("organization_id", "id"))
    bases = {}
    for base in DuesBase.objects.filter(
        member__in=[m.pk for m in rows], year__lte=as_of.year
    ).order_by("member", "year"):
        bases[base.member_id] = base  # the latest year up to as_of's wins
    rates = list(DuesRate.objects.all())
    result = []
    for member in rows:
        base = bases.get(member.pk)
        amount = None
        if base is not None:
            try:
                amount = monthly_amount(base.kind, base.monthly_base, rates)
            except NoRate:
                amount = None
        result.append(
            Arrears(
                member=member,
                start=member.dues_start,
                months_due=member.dues_months_due,
                months_paid=member.dues_paid if member.dues_start is not None else 0,
                paid_until=member.dues_paid_until,
                monthly_amount=amount,
            )
        )
    return result


def rate_table():
    """The rate table grouped by kind, in the order of ``DuesKind``: [(label, [rates])]."""
    rates = list(DuesRate.objects.all())
    return [
        (label, [rate for rate in rates if rate.kind == kind]) for kind, label in DuesKind.choices
    ]
