"""The ladder's one door and the set-based queries of the secretary profiles.

``promote`` is the only code that moves a community worker on the ladder (三档十八级): it
checks the rules held in ``LadderRule``, and either writes the ``GradeChange`` and the
worker's new place or raises ``ValidationError`` naming the field, writing nothing.

``secretaries`` and ``with_eligibility`` annotate a queryset with figures computed in SQL
for a given date (age, tenure, training hours, eligibility), so a list page or an export
runs a constant number of queries whatever its size. The date is a parameter, never the
database's ``CURRENT_DATE``, so a report "as of" a day is reproducible.
"""

import operator
from datetime import date
from functools import reduce

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.models import (
    AnnualReview,
    CommunityWorker,
    GradeChange,
    LadderRule,
    Secretary,
    TrainingRecord,
    _add_years,
)
from members.models import Member
from organizations.models import LeadershipPosition, Organization
from portal import scoping

SECRETARY_TITLES = (
    LeadershipPosition.Title.SECRETARY,
    LeadershipPosition.Title.DEPUTY_SECRETARY,
)

#: Age bands of the summary and the filter: (key, label, lowest age, highest age).
AGE_BANDS = [
    ("under35", "35岁以下", None, 34),
    ("35to44", "35–44岁", 35, 44),
    ("45to54", "45–54岁", 45, 54),
    ("55plus", "55岁及以上", 55, None),
]


class YearsBetween(Func):
    """Whole years from the second expression to the first (PostgreSQL ``age()``)."""

    template = "EXTRACT(YEAR FROM age(%(expressions)s))::integer"
    output_field = IntegerField()


class DecimalYears(Func):
    """Days (an integer) as years with one decimal."""

    template = "round((%(expressions)s)::numeric / 365.25, 1)"
    output_field = DecimalField(max_digits=6, decimal_places=1)


class DaysBetween(Func):
    """``end - start`` of two dates, in days."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def _date(value):
    return Value(value, output_field=DateField())


def current_positions(queryset, as_of):
    """Positions held on ``as_of`` (started by then, not ended before it)."""
    return queryset.filter(started_on__lte=as_of).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=as_of)
    )


def secretaries(as_of=None):
    """The current secretaries and deputies with their profile figures on ``as_of``:
    ``age``, ``tenure`` (years in this post), ``secretary_years`` (years as a secretary
    across all posts of the holder), ``training_hours`` (this calendar year up to
    ``as_of``), ``latest_rating`` and ``latest_review_year``. Figures that need the member
    registry are null when the post has no linked holder."""
    as_of = as_of or timezone.localdate()
    served = (
        LeadershipPosition.objects.filter(
            holder_id=OuterRef("holder_id"),
            title=LeadershipPosition.Title.SECRETARY,
            started_on__lte=as_of,
        )
        .annotate(
            days=DaysBetween(
                Least(Coalesce("ended_on", _date(as_of)), _date(as_of)), F("started_on")
            )
        )
        .values("holder_id")
        .annotate(total=Sum("days"))
        .values("total")
    )
    hours = (
        TrainingRecord.objects.filter(
            member_id=OuterRef("holder_id"),
            started_on__gte=date(as_of.year, 1, 1),
            started_on__lte=as_of,
        )
        .values("member_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    latest = AnnualReview.objects.filter(member_id=OuterRef("holder_id")).order_by("-year", "-id")
    queryset = current_positions(Secretary.objects.filter(title__in=SECRETARY_TITLES), as_of)
    return queryset.select_related("organization", "organization__region", "holder").annotate(
        age=YearsBetween(_date(as_of), F("holder__birth_date")),
        tenure=DecimalYears(DaysBetween(_date(as_of), F("started_on"))),
        secretary_years=DecimalYears(Subquery(served, output_field=IntegerField())),
        training_hours=Coalesce(
            Subquery(hours, output_field=DecimalField(max_digits=8, decimal_places=1)),
            Value(0, output_field=DecimalField(max_digits=8, decimal_places=1)),
        ),
        latest_rating=Subquery(latest.values("rating")[:1]),
        latest_review_year=Subquery(latest.values("year")[:1]),
    )


def age_condition(key):
    for band, _label, low, high in AGE_BANDS:
        if band == key:
            condition = Q()
            if low is not None:
                condition &= Q(age__gte=low)
            if high is not None:
                condition &= Q(age__lte=high)
            return condition
    if key == "unknown":
        return Q(age__isnull=True)
    return None


def secretary_summary(queryset):
    """Counts by age band and education band of the (filtered) secretaries: one query."""
    aggregates = {"total": Count("pk")}
    for key, _label, _low, _high in AGE_BANDS:
        aggregates[f"age_{key}"] = Count("pk", filter=age_condition(key))
    aggregates["age_unknown"] = Count("pk", filter=Q(age__isnull=True))
    for value, _label in Member.Education.choices:
        aggregates[f"edu_{value}"] = Count("pk", filter=Q(holder__education=value))
    aggregates["edu_unknown"] = Count("pk", filter=Q(holder__isnull=True) | Q(holder__education=""))
    aggregates["no_training"] = Count("pk", filter=Q(training_hours=0))
    figures = queryset.order_by().aggregate(**aggregates)
    return {
        "total": figures["total"],
        "no_training": figures["no_training"],
        "age": [(str(label), figures[f"age_{key}"]) for key, label, _low, _high in AGE_BANDS]
        + [(_("未知"), figures["age_unknown"])],
        "education": [
            (str(label), figures[f"edu_{value}"]) for value, label in Member.Education.choices
        ]
        + [(_("未知"), figures["edu_unknown"])],
    }


def vacant_organizations(as_of=None):
    """Active branch-level organisations (党支部, 联合党支部, 临时党支部) with no secretary
    in post on ``as_of``."""
    as_of = as_of or timezone.localdate()
    secretary = current_positions(
        LeadershipPosition.objects.filter(
            organization_id=OuterRef("pk"), title=LeadershipPosition.Title.SECRETARY
        ),
        as_of,
    )
    return (
        Organization.objects.active()
        .filter(kind__in=Organization.BRANCH_KINDS)
        .exclude(Exists(secretary))
        .select_related("region", "parent")
    )


# --- the ladder --------------------------------------------------------------------------


def ladder_rules():
    return {rule.tier: rule for rule in LadderRule.objects.all()}


def _any(conditions):
    return reduce(operator.or_, conditions) if conditions else None


def with_eligibility(queryset, as_of, rules):
    """Annotate workers with what promotion to the next grade on ``as_of`` needs:
    ``post_ok`` (the post belongs to the worker's tier), ``below_max`` (a next grade exists
    in the tier), ``years_ok``, ``certificate_ok``, ``education_ok`` and ``eligible`` (all of
    them, and still employed). Conditions are built from the rules (three rows), so the
    database computes them in the list's own query."""

    def flag(conditions):
        condition = _any(conditions)
        if condition is None:
            return Value(False, output_field=BooleanField())
        return ExpressionWrapper(condition, output_field=BooleanField())

    post, below, years, cert, edu = [], [], [], [], []
    for tier, rule in rules.items():
        in_tier = Q(tier=tier)
        post.append(in_tier & Q(post__in=rule.posts))
        below.append(in_tier & Q(grade__lt=rule.max_grade))
        years.append(in_tier & Q(current_since__lte=_add_years(as_of, -rule.min_years)))
        if rule.certificate_from_grade and rule.certificate:
            cert.append(
                in_tier
                & (
                    Q(grade__lt=rule.certificate_from_grade - 1)
                    | Q(certificate__gte=rule.certificate)
                )
            )
        else:
            cert.append(in_tier)
        if rule.education_from_grade and rule.education:
            edu.append(
                in_tier
                & (Q(grade__lt=rule.education_from_grade - 1) | Q(education__gte=rule.education))
            )
        else:
            edu.append(in_tier)
    queryset = queryset.annotate(
        post_ok=flag(post),
        below_max=flag(below),
        years_ok=flag(years),
        certificate_ok=flag(cert),
        education_ok=flag(edu),
    )
    return queryset.annotate(
        eligible=ExpressionWrapper(
            Q(post_ok=True)
            & Q(below_max=True)
            & Q(years_ok=True)
            & Q(certificate_ok=True)
            & Q(education_ok=True)
            & (Q(left_on__isnull=True) | Q(left_on__gt=as_of)),
            output_field=BooleanField(),
        )
    )


def ineligibility_reasons(worker, as_of, rules):
    """Why an annotated worker (``with_eligibility``) may not step up on ``as_of``."""
    rule = rules.get(worker.tier)
    if rule is None:
        return [_("第 %(tier)s 档没有晋级规则。") % {"tier": worker.tier}]
    reasons = []
    if worker.left_on and worker.left_on <= as_of:
        reasons.append(_("已离职。"))
    if not worker.post_ok:
        reasons.append(
            _("岗位“%(post)s”不属于%(name)s，应先按岗位调整档次。")
            % {"post": worker.get_post_display(), "name": rule.name}
        )
    if not worker.below_max:
        reasons.append(
            _("已是%(name)s最高级（%(grade)s 级）。") % {"name": rule.name, "grade": rule.max_grade}
        )
    if not worker.years_ok:
        reasons.append(
            _("任现级不满 %(years)s 年（%(due)s 满）。")
            % {"years": rule.min_years, "due": _add_years(worker.current_since, rule.min_years)}
        )
    problems = rule.requirement_errors(worker.grade + 1, worker.certificate, worker.education)
    reasons.extend(str(message) for message in problems.values())
    return reasons


def _as_int(value, field, errors, label):
    if isinstance(value, bool):
        value = None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors[field] = [_("%(label)s应为整数。") % {"label": label}]
        return None


@transaction.atomic
def promote(worker, to_tier, to_grade, effective_on, reason, user, *, exception=""):
    """Move ``worker`` to ``to_tier``/``to_grade`` from ``effective_on``, approved by ``user``.

    Rules (``LadderRule``): the tier is the one the worker's post belongs to and the grade
    lies in its range; a promotion steps up one grade at a time unless ``exception`` names a
    documented exception (``GradeChange.ExceptionReason``), after ``min_years`` at the
    current grade, with the certificate and education the new grade requires; a demotion,
    and any exception, needs a ``reason``. Raises ``ValidationError`` keyed by these
    argument names (nothing written), ``PermissionDenied`` when the user may not.
    """
    if not (scoping.can(user, CommunityWorker, "change") and scoping.can(user, GradeChange, "add")):
        raise PermissionDenied(_("您没有调整社区工作者等级的权限。"))
    worker = (
        CommunityWorker.objects.select_for_update().select_related("community").get(pk=worker.pk)
    )
    if not scoping.in_scope(worker, user, "change"):
        raise PermissionDenied(_("该对象不在您的管辖范围内。"))
    errors = {}
    reason = (reason or "").strip()
    exception = exception or ""
    to_tier = _as_int(to_tier, "to_tier", errors, _("档次"))
    to_grade = _as_int(to_grade, "to_grade", errors, _("等级"))
    if exception not in GradeChange.ExceptionReason.values:
        errors["exception"] = [_("“%(value)s”不是有效的例外情形。") % {"value": exception}]
    today = timezone.localdate()
    if not isinstance(effective_on, date):
        errors["effective_on"] = [_("请填写生效日期。")]
    elif effective_on > today:
        errors["effective_on"] = [_("生效日期不能晚于今天。")]
    elif effective_on < worker.current_since:
        errors["effective_on"] = [
            _("生效日期不能早于现级起始日期 %(day)s。") % {"day": worker.current_since}
        ]
    if worker.left_on and worker.left_on <= today:
        errors.setdefault("non_field_errors", []).append(_("该社区工作者已离职。"))
    rules = ladder_rules()
    rule = rules.get(to_tier) if to_tier is not None else None
    if to_tier is not None and rule is None:
        errors["to_tier"] = [_("第 %(tier)s 档没有晋级规则。") % {"tier": to_tier}]
    if rule is not None and to_grade is not None:
        if worker.post not in rule.posts:
            errors["to_tier"] = [
                _("岗位“%(post)s”不属于%(name)s。")
                % {"post": worker.get_post_display(), "name": rule.name}
            ]
        if not rule.min_grade <= to_grade <= rule.max_grade:
            errors["to_grade"] = [
                _("%(name)s的等级范围是 %(low)s–%(high)s 级。")
                % {"name": rule.name, "low": rule.min_grade, "high": rule.max_grade}
            ]
        elif (to_tier, to_grade) == (worker.tier, worker.grade):
            errors["to_grade"] = [_("与现档次、等级相同，无需调整。")]
        elif to_grade > worker.grade:
            if to_grade - worker.grade > 1 and not exception:
                errors["to_grade"] = [
                    _("每次只能晋升一级（现为 %(grade)s 级）；越级晋升须选择例外情形并说明事由。")
                    % {"grade": worker.grade}
                ]
            current_rule = rules.get(worker.tier, rule)
            due = _add_years(worker.current_since, current_rule.min_years)
            if (
                isinstance(effective_on, date)
                and effective_on < due
                and exception != GradeChange.ExceptionReason.CORRECTION
            ):
                errors.setdefault("effective_on", []).append(
                    _("任现级须满 %(years)s 年（%(due)s 满）方可晋升。")
                    % {"years": current_rule.min_years, "due": due}
                )
            for field, message in rule.requirement_errors(
                to_grade, worker.certificate, worker.education
            ).items():
                errors.setdefault("to_grade", []).append(
                    _("%(problem)s（现为%(current)s）")
                    % {
                        "problem": message,
                        "current": worker.get_certificate_display()
                        if field == "certificate"
                        else worker.get_education_display(),
                    }
                )
        elif to_grade < worker.grade and not reason:
            errors["reason"] = [_("降级须说明事由。")]
    if exception and not reason:
        errors.setdefault("reason", [_("例外情形须说明事由。")])
    if errors:
        raise ValidationError(errors)
    change = GradeChange.objects.create(
        worker=worker,
        from_tier=worker.tier,
        from_grade=worker.grade,
        to_tier=to_tier,
        to_grade=to_grade,
        effective_on=effective_on,
        reason=reason,
        exception=exception,
        approved_by=user,
    )
    worker.tier, worker.grade, worker.current_since = to_tier, to_grade, effective_on
    worker.save(update_fields=["tier", "grade", "current_since", "updated_at"])
    return change
