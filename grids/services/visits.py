"""E-visits (电子走访): recording a visit, opening a case from it in the same step, and the
visit coverage of grids and members over a period.

A visit has no workflow of its own; what it may start is a case (需求/问题), reported through
``grids.services.cases.report`` with source "走访发现" and linked back as ``Visit.case``, in
the transaction that saves the visit: either both are written or neither.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _

from grids.models import Case, Grid, Visit
from grids.services import TransitionError
from portal import scoping


def check_target(visit):
    """The visited building (or the enterprise's building) lies in the grid's community."""
    grid = visit.grid if visit.grid_id else None
    if grid is None:
        return
    building = visit.building if visit.building_id else None
    if building is not None and building.region_id != grid.region_id:
        raise ValidationError({"building": [_("所选楼宇不在该网格所在社区。")]})
    enterprise = visit.enterprise if visit.enterprise_id else None
    building = enterprise.building if enterprise is not None and enterprise.building_id else None
    if building is not None and building.region_id != grid.region_id:
        raise ValidationError({"enterprise": [_("该企业所在楼宇不在该网格所在社区。")]})


@transaction.atomic
def record(visit, user, *, open_case=None):
    """Save ``visit`` (new or changed) for ``user``; with ``open_case`` (``category``,
    ``title`` and optionally ``description``) report a case from it in one step. The case's
    description defaults to the needs found (or the notes)."""
    is_new = visit.pk is None
    if is_new:
        visit.visitor_user = user
    visit.save()
    scoping.ensure_in_scope(visit, user, "add" if is_new else "change")
    if open_case:
        if visit.case_id:
            raise TransitionError(_("该走访已转立工单，不能重复转立。"))
        from grids.services import cases

        title = open_case["title"].strip()
        description = (
            (open_case.get("description") or "").strip()
            or visit.needs_found.strip()
            or visit.notes.strip()
            or title
        )
        visit.case = cases.report(
            user,
            grid=visit.grid,
            category=open_case["category"],
            title=title,
            description=description,
            source=Case.Source.VISIT,
            building=visit.building if visit.building_id else None,
        )
        visit.save(update_fields=["case", "updated_at"])
    return visit


# --- coverage ------------------------------------------------------------------------------


def _count(queryset, group, expression):
    """A correlated subquery: ``expression`` counted per ``group`` = the outer row, 0 if none."""
    counted = (
        queryset.filter(**{group: OuterRef("pk")})
        .order_by()
        .values(group)
        .annotate(n=expression)
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def target_key():
    """One text per distinct visited target: its kind and what names it."""
    return Concat(
        "target",
        Value(":"),
        "household",
        Value(":"),
        Coalesce(Cast("enterprise_id", CharField()), Value("")),
        Value(":"),
        Coalesce(Cast("building_id", CharField()), Value("")),
        output_field=CharField(),
    )


def visits_in(user, start, end):
    """The visits ``user`` may see made from ``start`` to ``end`` (dates, inclusive)."""
    visits = scoping.restrict(Visit.objects.all(), user)
    if start:
        visits = visits.filter(visited_on__gte=start)
    if end:
        visits = visits.filter(visited_on__lte=end)
    return visits


def grid_coverage(user, start, end):
    """Per grid in scope (one query): visits, distinct households visited against the grid's
    households, distinct enterprises visited against the active enterprises in the grid's
    buildings."""
    from buildings.models import Enterprise

    visits = visits_in(user, start, end)
    enterprises = Enterprise.objects.filter(status=Enterprise.Status.ACTIVE)
    return (
        scoping.restrict(Grid.objects.all(), user)
        .select_related("region")
        .annotate(
            visit_count=_count(visits, "grid", Count("pk")),
            households_visited=_count(
                visits.filter(target=Visit.Target.HOUSEHOLD),
                "grid",
                Count("household", distinct=True),
            ),
            enterprises_visited=_count(
                visits.filter(target=Visit.Target.ENTERPRISE, enterprise__isnull=False),
                "grid",
                Count("enterprise", distinct=True),
            ),
            enterprises_total=_count(enterprises, "building__grid", Count("pk")),
        )
        .order_by("code")
    )


def member_coverage(user, start, end):
    """Per visiting member (one query): visits and distinct targets; visits recorded with no
    member form one row with ``visitor_member`` None."""
    return (
        visits_in(user, start, end)
        .values("visitor_member", name=F("visitor_member__name"))
        .annotate(visits=Count("pk"), targets=Count(target_key(), distinct=True))
        .order_by("-visits", "name")
    )


def rate(part, whole):
    """A percentage with one decimal, capped at 100; None when there is nothing to cover."""
    if not whole:
        return None
    return round(min(part, whole) * 100 / whole, 1)


def totals(user, start, end):
    """The period's visit count, distinct targets and cases opened from visits (one query)."""
    return visits_in(user, start, end).aggregate(
        visits=Count("pk"),
        targets=Count(target_key(), distinct=True),
        cases=Count("case", filter=Q(case__isnull=False), distinct=True),
    )
