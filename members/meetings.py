"""Organisational life (组织生活: 三会一课, 主题党日): recording a meeting with its attendance,
attendance rates, and the compliance report (达标情况).

Attendance is written only by ``record``: the meeting and its attendance in one transaction,
every row checked first (``attendance_errors``), so a bad row leaves nothing written.

Compliance (see docs/decisions.md, "Organisational life"): for each branch in scope and each
meeting kind, the periods of the kind's ``MeetingFrequency`` (month, quarter, year) that
overlap the report's window (a year, or one quarter or month of it) and the branch's life
(founded .. dissolved, both periods included) are required; a period is *due* once it has
ended (on or before ``as_of``). A due period is met when the branch held at least the
required count of that kind in it. 党小组会 is required of every 党小组 of the branch that
existed in the period (a branch without 党小组 has no 党小组会 requirement), each group
meeting the count on its own. Three queries whatever the number of branches: frequencies,
organisations, meeting counts grouped by organisation, kind and month.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import (
    Meeting,
    MeetingAttendance,
    MeetingFrequency,
    MeetingKind,
    Member,
)
from organizations.models import Organization
from portal import scoping

# --- recording ---------------------------------------------------------------------------


@dataclass
class Entry:
    """One member's line of a meeting's attendance, as entered."""

    member: Member
    present: bool
    reason: str = ""
    note: str = ""


def attendee_branch(organization):
    """The branch whose members attend a meeting of ``organization`` (a 党小组's branch:
    members are registered with branches, never with 党小组)."""
    if organization.kind == Organization.Kind.GROUP:
        return organization.parent
    return organization


def candidates(organization, *, keep=()):
    """The members who may be recorded at a meeting of ``organization``: the active (正常)
    members of its branch subtree, plus ``keep`` (ids already recorded, whatever their
    status or branch now: a record stays true after a member moves on)."""
    branch = attendee_branch(organization)
    return Member.objects.filter(
        Q(organization__path__startswith=branch.path, status=Member.Status.NORMAL)
        | Q(pk__in=list(keep))
    )


def attendance_errors(meeting, entries):
    """The problems of ``entries`` (members with ``organization`` loaded) for ``meeting``,
    each naming the member; an empty list when all is well. Reads the members already
    recorded (unless the meeting moves to another organisation): they may stay on it even
    if they have since left the branch or are no longer active."""
    if not meeting.organization_id:
        return []
    branch = attendee_branch(meeting.organization)
    recorded = set()
    stored = Meeting.objects.filter(pk=meeting.pk).values_list("organization_id", flat=True)
    if meeting.pk and stored.first() == meeting.organization_id:
        recorded = set(meeting.attendance.values_list("member_id", flat=True))
    errors, seen = [], {}
    for entry in entries:
        member = entry.member
        if member.pk in seen:
            if seen[member.pk] != entry.present:
                errors.append(_("党员“%(name)s”不能既出席又缺席。") % {"name": member.name})
            else:
                errors.append(_("党员“%(name)s”重复登记。") % {"name": member.name})
            continue
        seen[member.pk] = entry.present
        # A member already on this meeting stays, whatever became of them since.
        problem = None if member.pk in recorded else _newcomer_problem(member, branch)
        if problem:
            errors.append(problem)
            continue
        row = MeetingAttendance(
            member=member,
            present=entry.present,
            absence_reason=entry.reason or "",
            absence_note=entry.note or "",
        )
        try:
            row.clean()
        except ValidationError as exc:
            errors.extend(exc.messages)
    return errors


def _newcomer_problem(member, branch):
    """Why ``member`` may not be added to a meeting of ``branch``'s members, or None."""
    if not member.organization.path.startswith(branch.path):
        return _("党员“%(name)s”不是“%(branch)s”的党员，不能登记为本次会议的参会人员。") % {
            "name": member.name,
            "branch": branch.name,
        }
    if member.status != Member.Status.NORMAL:
        return _("党员“%(name)s”党籍状态为“%(status)s”，不能登记参会。") % {
            "name": member.name,
            "status": member.get_status_display(),
        }
    return None


def record(meeting, entries=None, *, user=None):
    """Validate and save ``meeting`` and, when ``entries`` is given, make its attendance
    exactly ``entries`` (rows of members left out are removed), in one transaction.

    Raises ValidationError keyed by field (``attendance`` for the attendance lines, each
    naming its member); nothing is written then. With ``user``, the saved meeting must be
    in their scope for the action (add/change), else PermissionDenied rolls it back."""
    action = "change" if meeting.pk else "add"
    errors = {}
    try:
        meeting.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if entries is not None and "organization" not in errors:
        problems = attendance_errors(meeting, entries)
        if problems:
            errors["attendance"] = problems
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting.save()
        if entries is not None:
            _write_attendance(meeting, entries)
        if user is not None:
            scoping.ensure_in_scope(meeting, user, action)
    return meeting


def _write_attendance(meeting, entries):
    existing = {row.member_id: row for row in meeting.attendance.all()}
    wanted = {entry.member.pk: entry for entry in entries}
    stale = [row.pk for member_id, row in existing.items() if member_id not in wanted]
    if stale:
        MeetingAttendance.objects.filter(pk__in=stale).delete()
    new, changed = [], []
    for member_id, entry in wanted.items():
        values = {
            "present": entry.present,
            "absence_reason": "" if entry.present else entry.reason,
            "absence_note": "" if entry.present else (entry.note or ""),
        }
        row = existing.get(member_id)
        if row is None:
            new.append(MeetingAttendance(meeting=meeting, member_id=member_id, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    MeetingAttendance.objects.bulk_create(new)
    if changed:
        MeetingAttendance.objects.bulk_update(
            changed, ["present", "absence_reason", "absence_note"]
        )


# --- attendance rate -----------------------------------------------------------------------


def rate(part, whole):
    """``part`` of ``whole`` in percent, one decimal; None when there is nothing to count."""
    if not whole:
        return None
    return round(part * 100 / whole, 1)


def with_attendance(queryset):
    """Meetings annotated with ``present_count`` and ``absent_count`` (one subquery each,
    so a page of meetings stays one query)."""

    def counted(present):
        rows = (
            MeetingAttendance.objects.filter(meeting=OuterRef("pk"), present=present)
            .order_by()
            .values("meeting")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    return queryset.annotate(present_count=counted(True), absent_count=counted(False))


def attendance_rate(meeting):
    """出席率: members present out of the members recorded (present + on leave), in percent."""
    present = getattr(meeting, "present_count", None)
    absent = getattr(meeting, "absent_count", None)
    prefetched = getattr(meeting, "_prefetched_objects_cache", {}).get("attendance")
    if prefetched is not None:
        present = sum(1 for row in prefetched if row.present)
        absent = len(prefetched) - present
    elif present is None or absent is None:
        counts = dict(meeting.attendance.order_by().values_list("present").annotate(n=Count("pk")))
        present, absent = counts.get(True, 0), counts.get(False, 0)
    return rate(present, present + absent)


# --- compliance ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date


def year_periods(period, year):
    """The periods of ``period`` (MeetingFrequency.Period) in ``year``."""
    if period == MeetingFrequency.Period.YEAR:
        return [Period(str(year), date(year, 1, 1), date(year, 12, 31))]
    if period == MeetingFrequency.Period.QUARTER:
        return [
            Period(
                f"{year}Q{q}",
                date(year, 3 * q - 2, 1),
                date(year, 3 * q, calendar.monthrange(year, 3 * q)[1]),
            )
            for q in range(1, 5)
        ]
    return [
        Period(f"{year}-{m:02d}", date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1]))
        for m in range(1, 13)
    ]


def window(year, quarter=None, month=None):
    """The report's window: the year, or one quarter or month of it."""
    if month:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if quarter:
        last = 3 * quarter
        return date(year, last - 2, 1), date(year, last, calendar.monthrange(year, last)[1])
    return date(year, 1, 1), date(year, 12, 31)


def _overlaps(period, start, end):
    return (start is None or period.end >= start) and (end is None or period.start <= end)


@dataclass
class KindCompliance:
    """One meeting kind of one branch over the window."""

    kind: str
    period: str
    required_count: int
    units: int  # 1, or the number of 党小组 for 党小组会
    due: int = 0  # unit-periods due (ended)
    met: int = 0
    held: int = 0  # meetings held in the window's periods
    missing: list = field(default_factory=list)  # "2026-03" or "2026-03（第一党小组）"
    #: Per period (and 党小组): {"period", "group", "required", "held", "due", "met"}.
    periods: list = field(default_factory=list)

    @property
    def kind_label(self):
        return MeetingKind(self.kind).label

    @property
    def period_label(self):
        return MeetingFrequency.Period(self.period).label

    @property
    def rate(self):
        return rate(self.met, self.due)

    @property
    def compliant(self):
        return not self.missing


@dataclass
class BranchCompliance:
    branch: Organization
    kinds: list

    @property
    def due(self):
        return sum(k.due for k in self.kinds)

    @property
    def met(self):
        return sum(k.met for k in self.kinds)

    @property
    def rate(self):
        return rate(self.met, self.due)

    @property
    def compliant(self):
        return all(k.compliant for k in self.kinds)


def compliance(
    user,
    *,
    year,
    quarter=None,
    month=None,
    kinds=None,
    within=None,
    noncompliant_only=False,
    as_of=None,
):
    """The compliance of the branches in ``user``'s scope (see the module docstring), as a
    list of ``BranchCompliance`` in tree order. ``within``: a Region or an Organization
    (already checked to be in scope) whose subtree the branches must lie in. ``kinds``:
    meeting kinds to report (default all). ``noncompliant_only`` keeps the kinds with a
    missing period, and the branches with any."""
    if not scoping.can(user, Meeting, "view"):
        return []
    prefix = scoping.scope_prefix(user)
    if prefix is None:
        return []
    as_of = as_of or timezone.localdate()
    start, end = window(year, quarter, month)
    frequencies = [
        f
        for f in MeetingFrequency.objects.all()
        if f.required_count > 0 and (not kinds or f.kind in kinds)
    ]
    if not frequencies:
        return []

    orgs = Organization.objects.filter(
        kind__in=[*Organization.BRANCH_KINDS, Organization.Kind.GROUP]
    ).filter(
        Q(founded_on__isnull=True) | Q(founded_on__lte=end),
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=start),
    )
    if prefix:
        orgs = orgs.filter(region__path__startswith=prefix)
    if isinstance(within, Organization):
        orgs = orgs.filter(path__startswith=within.path)
    elif within is not None:
        orgs = orgs.filter(region__path__startswith=within.path)
    orgs = list(
        orgs.only(
            "id", "code", "name", "kind", "parent_id", "path", "founded_on", "dissolved_on"
        ).order_by("path")
    )
    branches = [o for o in orgs if o.kind != Organization.Kind.GROUP]
    groups = {}
    for org in orgs:
        if org.kind == Organization.Kind.GROUP:
            groups.setdefault(org.parent_id, []).append(org)

    counts = {}
    if branches:
        meetings = (
            Meeting.objects.filter(
                organization_id__in=[o.pk for o in orgs],
                held_on__year=year,
                kind__in=[f.kind for f in frequencies],
            )
            .order_by()
            .values_list("organization_id", "kind", ExtractMonth("held_on"))
            .annotate(n=Count("pk"))
        )
        for org_id, kind, month_number, n in meetings:
            counts[(org_id, kind, month_number)] = n

    result = []
    for branch in branches:
        rows = []
        for frequency in frequencies:
            group_kind = frequency.kind == MeetingKind.GROUP
            units = groups.get(branch.pk, []) if group_kind else [branch]
            row = _kind_compliance(branch, units, frequency, year, start, end, as_of, counts)
            if row is None:
                continue
            if noncompliant_only and row.compliant:
                continue
            rows.append(row)
        if rows:
            result.append(BranchCompliance(branch, rows))
    return result


def _kind_compliance(branch, units, frequency, year, start, end, as_of, counts):
    """One kind of one branch, or None when no period of the window applies to it."""
    periods = [p for p in year_periods(frequency.period, year) if _overlaps(p, start, end)]
    row = KindCompliance(
        kind=frequency.kind,
        period=frequency.period,
        required_count=frequency.required_count,
        units=0,
    )
    applies = False
    for unit in units:
        life_start = max(filter(None, [branch.founded_on, unit.founded_on]), default=None)
        life_end = min(filter(None, [branch.dissolved_on, unit.dissolved_on]), default=None)
        unit_applies = False
        for period in periods:
            if not _overlaps(period, life_start, life_end):
                continue
            unit_applies = True
            held = sum(
                counts.get((unit.pk, frequency.kind, m), 0)
                for m in range(period.start.month, period.end.month + 1)
            )
            row.held += held
            due = period.end <= as_of  # a period not over yet is not due
            met = held >= frequency.required_count
            row.periods.append(
                {
                    "period": period.key,
                    "group": None if unit is branch else unit.name,
                    "required": frequency.required_count,
                    "held": held,
                    "due": due,
                    "met": met,
                }
            )
            if not due:
                continue
            row.due += 1
            if met:
                row.met += 1
            elif unit is branch:
                row.missing.append(period.key)
            else:
                row.missing.append(f"{period.key}（{unit.name}）")
        if unit_applies:
            row.units += 1
            applies = True
    return row if applies else None
