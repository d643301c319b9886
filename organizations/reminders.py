"""Reminders of the organisations app (``portal.inbox.providers`` collects them daily):
terms (换届) coming to an end, to the users whose scope holds the organisation and who may
change it.

Each active organisation with a term end gets at most one open reminder, by stage:
within 6 months of the end (but more than a month), within a month, and past it without a
new term. Entering a stage closes the previous one (its key is no longer collected), and a
new term (a new ``term_end``) closes them all: the term end is part of the keys.
"""

import calendar

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import Organization
from portal.inbox.models import InboxItem
from portal.inbox.providers import Audience, Reminder

Kind = InboxItem.Kind


def months_later(day, months):
    """``day`` plus ``months`` calendar months, clamped to the month's last day (as
    ``members.models.add_months``, which this lower app may not import)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def stage(term_end, today):
    """(kind, key suffix) of the reminder due for a term ending on ``term_end``, or None."""
    if term_end < today:
        return Kind.TERM_OVERDUE, "overdue"
    if term_end <= months_later(today, 1):
        return Kind.TERM_1M, "1m"
    if term_end <= months_later(today, 6):
        return Kind.TERM_6M, "6m"
    return None


TITLES = {
    Kind.TERM_6M: gettext_lazy("%(org)s 将于 %(date)s 届满，请做好换届准备"),
    Kind.TERM_1M: gettext_lazy("%(org)s 将于 %(date)s 届满（不足一个月），请按期换届"),
    Kind.TERM_OVERDUE: gettext_lazy("%(org)s 已于 %(date)s 届满，尚未换届"),
}


def collect(today):
    audience = Audience.load()
    organizations = (
        Organization.objects.active()
        .filter(term_end__isnull=False, term_end__lte=months_later(today, 6))
        .select_related("region")
        .order_by("pk")
    )
    for organization in organizations:
        kind, suffix = stage(organization.term_end, today)
        users = audience.covering(organization.region.path, Organization, "change")
        if not users:
            continue
        yield Reminder(
            users=users,
            key=f"term:org:{organization.pk}:{organization.term_end.isoformat()}:{suffix}",
            kind=kind,
            title=str(TITLES[kind]) % {"org": organization.name, "date": organization.term_end},
            body=_("第 %(number)s 届。") % {"number": organization.term_number}
            if organization.term_number
            else "",
            url=reverse("organizations:organization_detail", args=[organization.pk]),
            due_on=organization.term_end,
            source=(Organization, organization.pk),
        )
