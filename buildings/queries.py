"""Read-only questions the register pages ask: list annotations, a building's tenants by
floor, the tenancy history, the facts of a row that may not have been computed yet."""

from itertools import groupby

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from buildings.models import Enterprise

#: Organisation form of an enterprise, as the list shows and filters it.
ORGANIZATION_FORMS = {"own": _("单独建立"), "joint": _("联合建立"), "none": _("未建立")}


def organization_form():
    """'own', 'joint' or 'none' in SQL (``Enterprise.organization_kind`` in Python)."""
    from organizations.models import Organization

    return Case(
        When(party_organization__isnull=True, then=Value("none")),
        When(party_organization__kind=Organization.Kind.JOINT_BRANCH, then=Value("joint")),
        default=Value("own"),
    )


def rate(part, whole):
    """``part`` of ``whole`` in per cent with one decimal, NULL when ``whole`` is 0 or NULL
    (the SQL twin of ``CoverageSummary._rate``)."""
    return Case(
        When(
            Q(**{f"{whole}__gt": 0}),
            then=Round(
                ExpressionWrapper(
                    Value(100.0) * F(part) / F(whole),
                    output_field=DecimalField(max_digits=6, decimal_places=1),
                ),
                1,
            ),
        ),
        default=None,
        output_field=DecimalField(max_digits=6, decimal_places=1),
    )


def coverage_figures(prefix="coverage"):
    """Annotations of a building's or park's coverage summary (NULL until refreshed)."""
    return {
        "cov_enterprises": F(f"{prefix}__enterprises"),
        "cov_with_members": F(f"{prefix}__with_members"),
        "cov_with_organization": F(f"{prefix}__with_organization"),
        "cov_organization_rate": rate(f"{prefix}__with_organization", f"{prefix}__enterprises"),
        "cov_work_rate": rate(f"{prefix}__work_covered", f"{prefix}__enterprises"),
    }


def related_or_none(obj, name):
    """A reverse one-to-one (``facts``, ``coverage``) or None when the row does not exist."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def floor_label(floor):
    if floor is None:
        return _("楼层未填")
    if floor < 0:
        return _("地下%(n)d层") % {"n": -floor}
    return _("%(n)d层") % {"n": floor}


def tenants_by_floor(enterprises):
    """``[(label, [enterprise, ...]), ...]``: top floor first, basements after the ground
    floor (-1 before -2), an unknown floor last."""

    def key(enterprise):
        floor = enterprise.floor
        return (floor is None, -(floor or 0))

    ordered = sorted(enterprises, key=lambda e: (*key(e), e.room, e.name))
    return [
        (floor_label(floor), list(group))
        for floor, group in groupby(ordered, key=lambda e: e.floor)
    ]


def current_tenants(building):
    """The active enterprises sitting in ``building`` now, with their facts."""
    return (
        Enterprise.objects.filter(building=building, status=Enterprise.Status.ACTIVE)
        .select_related("facts", "party_organization")
        .order_by("name", "id")
    )


def tenancy_history(enterprise):
    """The enterprise's tenancies, the current one first, then by move-in date."""
    return enterprise.tenancies.select_related("building__region").order_by(
        F("moved_out_on").desc(nulls_first=True), F("moved_in_on").desc(nulls_last=True), "-id"
    )
