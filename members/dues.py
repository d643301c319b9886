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

Exemptions (``DuesExemption``, 减免/缓交 with an approved reason): a month inside one of the
member's exemptions is not due. It is left out of the months due, and a payment for it is
left out of the months paid (a member who pays in an exempt month is not "ahead"), so
``months_in_arrears`` counts only unpaid months that were due and is never negative.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractMonth,
    ExtractYear,
    Greatest,
    JSONObject,
    Least,
    Trunc,
)
from django.utils.translation import gettext as _

from members.models import (
    DuesBase,
    DuesExemption,
    DuesKind,
    DuesPayment,
    DuesRate,
    Member,
    add_months,
)

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
    months_due: int  # exempt months left out
    months_paid: int  # of the months due
    paid_until: date | None  # latest month paid (its first day), any month
    monthly_amount: Decimal | None  # by the base of as_of's year (else the latest base)
    months_exempt: int = 0  # months from start through the last month due, exempt
    exemptions: list[DuesExemption] = field(default_factory=list)  # the member's, latest first
    exemption_now: DuesExemption | None = None  # the one covering as_of's month

    @property
    def months_in_arrears(self) -> int:
        return self.months_due - self.months_paid

    @property
    def overdue(self) -> bool:
        return self.months_in_arrears >= OVERDUE_MONTHS


class MakeDate(Func):
    function = "make_date"
    output_field = DateField()


def _month_index(expression):
    """A month as one integer (year * 12 + month), so month spans are differences."""
    return ExtractYear(expression) * 12 + ExtractMonth(expression)


def arrears_queryset(members, as_of: date):
    """``members`` (already scoped by the caller) whose status is 正常, annotated in SQL with
    their dues position as of ``as_of``: ``dues_start`` (first month owed, NULL without a
    declared base), ``dues_exempt_months`` (months from ``dues_start`` through the last month
    due that an exemption covers), ``dues_months_due`` (the other months of that span),
    ``dues_paid`` (months of those paid), ``dues_months_in_arrears`` (due - paid) and
    ``dues_paid_until`` (latest month paid).

    The same counting as ``arrears`` (which reads this queryset), so a question can filter,
    group and count branches in the database: ``dues_months_in_arrears__gte=6``."""
    last_due = add_months(month_start(as_of), -1)
    last_index = last_due.year * 12 + last_due.month
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
    # A member's exemptions never overlap (DuesExemption.clean), so the exempt months are
    # the sum of each exemption's span clipped to [dues_start, last_due] (none if outside).
    exempt_months = (
        DuesExemption.objects.filter(member=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(
            n=Sum(
                Greatest(
                    Least(Coalesce(_month_index("end"), Value(last_index)), Value(last_index))
                    - Greatest(_month_index("start"), _month_index(OuterRef("dues_start")))
                    + 1,
                    Value(0),
                )
            )
        )
        .values("n")
    )
    exempt = DuesExemption.objects.filter(
        Q(end__isnull=True) | Q(end__gte=OuterRef("period")),
        member=OuterRef("member"),
        start__lte=OuterRef("period"),
    )
    paid_count = (
        DuesPayment.objects.filter(
            ~Exists(exempt),
            member=OuterRef("pk"),
            period__gte=OuterRef("dues_start"),
            period__lte=last_due,
        )
        .order_by()
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    paid_until = (
        DuesPayment.objects.filter(member=OuterRef("pk")).order_by("-period").values("period")[:1]
    )
    return (
        queryset.annotate(
            # GREATEST ignores NULLs, so without a start the clipped spans are not 0: say so.
            dues_exempt_months=Case(
                When(dues_start__isnull=True, then=Value(0)),
                default=Coalesce(Subquery(exempt_months, output_field=IntegerField()), 0),
                output_field=IntegerField(),
            ),
            dues_paid=Coalesce(Subquery(paid_count, output_field=IntegerField()), 0),
            dues_paid_until=Subquery(paid_until, output_field=DateField()),
            # months_between(start, last_due), 0 without a start or when start is later.
            dues_span=Coalesce(
                Greatest(
                    Value(last_index + 1) - _month_index("dues_start"),
                    Value(0),
                ),
                Value(0),
            ),
        )
        .annotate(dues_months_due=F("dues_span") - F("dues_exempt_months"))
        .annotate(dues_months_in_arrears=F("dues_months_due") - F("dues_paid"))
    )


def _exemptions_of_member():
    """The member's exemptions as one array column of the member query (no query more per
    page): ``[{"id", "start", "end", "reason", "note", "approved_by", "approved_on"}]``,
    latest first."""
    return ArraySubquery(
        DuesExemption.objects.filter(member=OuterRef("pk"))
        .order_by("-start")
        .values(
            json=JSONObject(
                id="id",
                start="start",
                end="end",
                reason="reason",
                note="note",
                approved_by="approved_by",
                approved_on="approved_on",
            )
        )
    )


def _exemption_from_json(member, data) -> DuesExemption:
    def day(value):
        return date.fromisoformat(value) if value else None

    return DuesExemption(
        id=data["id"],
        member=member,
        start=day(data["start"]),
        end=day(data["end"]),
        reason=data["reason"],
        note=data["note"],
        approved_by=data["approved_by"],
        approved_on=day(data["approved_on"]),
    )


def arrears(members, as_of: date, *, min_months: int = 0) -> list[Arrears]:
    """The dues position of each member of ``members`` (a Member queryset, already scoped by
    the caller) whose status is 正常, as of ``as_of``.

    Returns a list of ``Arrears`` (ordered by organisation, then member id), each with:
    ``member`` (organization selected), ``start`` (first month owed, or None without any
    declared base), ``months_exempt`` (months from ``start`` through the month before
    ``as_of``'s that an exemption covers), ``months_due`` (the other months of that span),
    ``months_paid`` (of those, the months with a payment), ``months_in_arrears``
    (due - paid), ``overdue`` (``months_in_arrears >= 6``), ``paid_until`` (latest month
    paid, or None), ``monthly_amount`` (by the base of ``as_of``'s year, else the latest
    earlier one; None without a base or a covering rate), ``exemptions`` (the member's,
    latest first) and ``exemption_now`` (the one covering ``as_of``'s month, or None).

    ``min_months``: keep only members with at least that many months in arrears (6 answers
    "which members, and so which branches, are 6+ months in arrears"). Three queries
    whatever the number of members: members with their start, counts and exemptions,
    bases, rates.
    """
    queryset = (
        arrears_queryset(members, as_of)
        .select_related("organization")
        .annotate(dues_exemption_list=_exemptions_of_member())
    )
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
        exemptions = [_exemption_from_json(member, data) for data in member.dues_exemption_list]
        counted = member.dues_start is not None
        result.append(
            Arrears(
                member=member,
                start=member.dues_start,
                months_due=member.dues_months_due,
                months_paid=member.dues_paid if counted else 0,
                paid_until=member.dues_paid_until,
                monthly_amount=amount,
                months_exempt=member.dues_exempt_months,
                exemptions=exemptions,
                exemption_now=next((e for e in exemptions if e.covers(as_of)), None),
            )
        )
    return result


def rate_table():
    """The rate table grouped by kind, in the order of ``DuesKind``: [(label, [rates])]."""
    rates = list(DuesRate.objects.all())
    return [
        (label, [rate for rate in rates if rate.kind == kind]) for kind, label in DuesKind.choices
    ]
