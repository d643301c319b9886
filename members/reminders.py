"""Reminders of the members app (``portal.inbox.providers`` collects them daily).

Development (发展党员), to the users who may take the step that is due (the step's own
permission check in ``members.services``):

- first talk due: an applicant with no talk yet, from a week before the talk is due
  (``talk_within_months`` after applying) until it is recorded or development stops;
- activist year reached: an activist for at least ``activist_years``, not yet a
  development candidate (发展对象);
- probation ending: a probationary member whose probation (with any extension) ends within
  30 days, or has ended without a decision, until confirmed, extended or cancelled (an
  extension moves the end, so it is a new reminder).

Transfers (组织关系转接): each pending transfer to the users who may take its current step
(source approval by the source's superior, acceptance by the destination's side).

Dues (党费): one reminder per branch with members 6 or more months in arrears, to the users
whose scope holds the branch and who record dues payments. "Without reason" (issue 6): months
under an approved exemption (``DuesExemption``, 减免/缓交) are not due, so they never count
(``members.dues.arrears_queryset``); members without a declared base owe nothing and are not
counted.
"""

from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from members import dues
from members.models import (
    Applicant,
    DuesPayment,
    Member,
    Transfer,
    add_months,
    add_years,
    workflow_rule,
)
from members.services import development_refusal, transfer_refusal
from organizations.models import Organization
from portal.inbox.models import InboxItem
from portal.inbox.providers import Audience, Reminder

#: Days before the first talk is due that the reminder starts.
TALK_NOTICE_DAYS = 7
#: Days before the end of probation that the reminder starts.
PROBATION_NOTICE_DAYS = 30

Kind = InboxItem.Kind
Stage = Applicant.Stage


def collect(today):
    audience = Audience.load()
    yield from development(today, audience)
    yield from transfers(audience)
    yield from dues_arrears(today, audience)


# --- development ---------------------------------------------------------------------------


def _acting_users(audience, applicant, action):
    return [
        user
        for user in audience.covering(applicant.organization.region.path, Applicant, "change")
        if development_refusal(applicant, user, action) is None
    ]


def _applicant_reminder(audience, applicant, action, key, kind, title, body, due_on):
    users = _acting_users(audience, applicant, action)
    if not users:
        return None
    return Reminder(
        users=users,
        key=key,
        kind=kind,
        title=title,
        body=body,
        url=reverse("members:applicant_detail", args=[applicant.pk]),
        due_on=due_on,
        source=(Applicant, applicant.pk),
    )


def development(today, audience):
    applicants = Applicant.objects.select_related("organization__region").order_by("pk")
    months = workflow_rule("talk_within_months")
    years = workflow_rule("activist_years")
    probation_years = workflow_rule("probation_years")
    reminders = []

    # A month is at least 28 days: the date filter keeps every applicant who may be due
    # (and a few who are not yet); the exact calendar rule is applied below.
    talk_horizon = today + timedelta(days=TALK_NOTICE_DAYS - 28 * months)
    for applicant in applicants.filter(
        stage=Stage.APPLICANT, talked_on__isnull=True, applied_on__lte=talk_horizon
    ):
        due = add_months(applicant.applied_on, months)
        if due - timedelta(days=TALK_NOTICE_DAYS) > today:
            continue
        reminders.append(
            _applicant_reminder(
                audience,
                applicant,
                "talk",
                f"talk_due:applicant:{applicant.pk}",
                Kind.TALK_DUE,
                _("%(name)s 的入党谈话应于 %(date)s 前完成")
                % {"name": applicant.name, "date": due},
                _("%(name)s 于 %(applied)s 递交入党申请书，党组织应在 %(months)s 个月内派人谈话。")
                % {"name": applicant.name, "applied": applicant.applied_on, "months": months},
                due,
            )
        )

    for applicant in applicants.filter(
        stage=Stage.ACTIVIST, activist_on__lte=today - timedelta(days=365 * years)
    ):
        due = add_years(applicant.activist_on, years)
        if due > today:
            continue
        reminders.append(
            _applicant_reminder(
                audience,
                applicant,
                "candidate",
                f"activist_due:applicant:{applicant.pk}",
                Kind.ACTIVIST_DUE,
                _("%(name)s 已任入党积极分子满 %(years)s 年，可讨论确定为发展对象")
                % {"name": applicant.name, "years": years},
                _("确定为入党积极分子：%(date)s。") % {"date": applicant.activist_on},
                due,
            )
        )

    # An extension only moves the end later: the filter keeps every probation that may end.
    probation_horizon = add_years(today + timedelta(days=PROBATION_NOTICE_DAYS), -probation_years)
    for applicant in applicants.filter(
        stage=Stage.PROBATIONARY, admitted_on__lte=probation_horizon
    ):
        ends = applicant.probation_ends_on
        if ends - today > timedelta(days=PROBATION_NOTICE_DAYS):
            continue
        title = (
            _("%(name)s 的预备期已于 %(date)s 期满，请讨论其转正")
            if ends < today
            else _("%(name)s 的预备期将于 %(date)s 期满，请讨论其转正")
        )
        reminders.append(
            _applicant_reminder(
                audience,
                applicant,
                "confirm",
                f"probation_due:applicant:{applicant.pk}:{ends.isoformat()}",
                Kind.PROBATION_DUE,
                title % {"name": applicant.name, "date": ends},
                _("接收为预备党员：%(date)s。") % {"date": applicant.admitted_on},
                ends,
            )
        )
    return [r for r in reminders if r is not None]


# --- transfers -----------------------------------------------------------------------------


def transfers(audience):
    pending = Transfer.objects.filter(state__in=Transfer.PENDING_STATES).select_related(
        "member", "source_organization__region", "destination_organization__region"
    )
    reminders = []
    for transfer in pending.order_by("pk"):
        if transfer.state == Transfer.State.PENDING_APPROVAL:
            step, kind, side = "approve", Kind.TRANSFER_APPROVAL, transfer.source_organization
            title = _("组织关系转接待审批：%(member)s（介绍信 %(letter)s）")
        else:
            step, kind, side = "accept", Kind.TRANSFER_ACCEPTANCE, transfer.destination_organization
            title = _("组织关系转接待接收：%(member)s（介绍信 %(letter)s）")
        if side is None:
            continue
        users = [
            user
            for user in audience.covering(side.region.path, Transfer, "change")
            if transfer_refusal(transfer, user, step) is None
        ]
        if not users:
            continue
        reminders.append(
            Reminder(
                users=users,
                key=f"transfer_{step}:transfer:{transfer.pk}",
                kind=kind,
                title=title % {"member": transfer.member.name, "letter": transfer.letter_number},
                body=_("%(source)s → %(destination)s，介绍信有效期至 %(until)s。")
                % {
                    "source": transfer.source_organization or transfer.external_organization,
                    "destination": transfer.destination_organization
                    or transfer.external_organization,
                    "until": transfer.valid_until,
                },
                url=reverse("members:transfer_detail", args=[transfer.pk]),
                due_on=transfer.valid_until,
                source=(Transfer, transfer.pk),
            )
        )
    return reminders


# --- dues ----------------------------------------------------------------------------------


def dues_arrears(today, audience):
    """One reminder per branch: grouped in the database, so one query whatever the number
    of members."""
    branches = (
        dues.arrears_queryset(Member.objects.all(), today)
        .filter(dues_months_in_arrears__gte=dues.OVERDUE_MONTHS)
        .order_by()
        .values("organization_id", "organization__name", "organization__region__path")
        .annotate(members=Count("pk"))
        .order_by("organization_id")
    )
    reminders = []
    for row in branches:
        users = audience.covering(row["organization__region__path"], DuesPayment, "add")
        if not users:
            continue
        reminders.append(
            Reminder(
                users=users,
                key=f"dues_arrears:org:{row['organization_id']}",
                kind=Kind.DUES_ARREARS,
                title=_("%(branch)s 有 %(count)s 名党员连续 %(months)s 个月以上未交党费")
                % {
                    "branch": row["organization__name"],
                    "count": row["members"],
                    "months": dues.OVERDUE_MONTHS,
                },
                url=reverse("members:dues_branch", args=[row["organization_id"]]),
                source=(Organization, row["organization_id"]),
            )
        )
    return reminders
