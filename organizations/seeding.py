"""The organisations' step of ``seed_demo``: terms and past elections (换届选举).

The organisation tree, its positions and the members are laid out by the members step, so
this step asks to run after the others (``RUN_LAST``). It gives every organisation of a kind
with a term a term as long as its ``TermRule`` says, some of them overdue and some ending
within six months (the term page and the inbox reminders have something to show), and
records the election that opened the current term for a sample of organisations, with the
positions linked to the elected members. Idempotent: nothing is done once elections exist.
"""

from datetime import timedelta

import pghistory
from django.apps import apps
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from organizations.models import (
    Election,
    ElectionResult,
    LeadershipPosition,
    Organization,
    TermRule,
    add_years,
)

#: Run after the members step, which lays out the organisations and their members.
RUN_LAST = True

OVERDUE_SHARE = 0.06
DUE_SOON_SHARE = 0.08
ELECTIONS = 60


def seed_demo(command, options, rng):
    if Election.objects.exists():
        command.stderr.write("organizations: elections exist, terms left as they are")
        return
    TermRule.ensure_defaults()
    rules = dict(TermRule.objects.values_list("kind", "term_years"))
    orgs = list(
        Organization.objects.active()
        .filter(kind__in=rules)
        .only("id", "kind", "term_number", "term_started_on", "term_end")
        .order_by("pk")
    )
    if not orgs:
        command.stderr.write("organizations: no organisations yet, no terms seeded")
        return
    today = timezone.localdate()
    with transaction.atomic(), pghistory.context(step="示例数据：届期"):
        overdue, due = _terms(orgs, rules, rng, today)
        elections = _elections(orgs, rng, today)
    command.stderr.write(
        f"organizations: {overdue} terms made overdue, {due} set (most due within 6 months), "
        f"{elections} past elections"
    )


def _terms(orgs, rules, rng, today):
    """Make some terms overdue and some end within six months; the rest stay as the members
    step laid them out (only the rows changed here leave audit events)."""
    changed, overdue = [], 0
    for org in orgs:
        years = rules[org.kind]
        draw = rng.random()
        if draw < OVERDUE_SHARE:
            org.term_end = today - timedelta(days=rng.randint(1, 400))
            overdue += 1
        elif draw < OVERDUE_SHARE + DUE_SOON_SHARE:
            org.term_end = today + timedelta(days=rng.randint(0, 182))
        elif org.term_end and org.term_started_on and org.term_started_on <= today:
            continue
        else:
            start = today - timedelta(days=rng.randint(30, 365 * years - 190))
            org.term_end = add_years(start, years)
        org.term_started_on = add_years(org.term_end, -years)
        org.term_number = org.term_number or rng.randint(1, 12)
        changed.append(org)
    Organization.objects.bulk_update(
        changed, ["term_number", "term_started_on", "term_end"], batch_size=2000
    )
    # The leadership in office took office when the term began.
    started = Organization.objects.filter(pk=OuterRef("organization_id")).values("term_started_on")
    LeadershipPosition.objects.filter(
        organization__in=[o.pk for o in changed], ended_on__isnull=True
    ).update(started_on=Subquery(started))
    return overdue, len(changed) - overdue


def _elections(orgs, rng, today):
    """The election that opened the current term of a sample of organisations; branches'
    elected are their own members (positions get them as holders)."""
    Member = apps.get_model("members", "Member")
    sample = rng.sample(orgs, min(ELECTIONS, len(orgs)))
    by_org = {}
    for member in Member.objects.filter(organization__in=[o.pk for o in sample]).only(
        "id", "name", "organization_id"
    ):
        by_org.setdefault(member.organization_id, []).append(member)
    positions = {}
    for position in (
        LeadershipPosition.objects.filter(
            organization__in=[o.pk for o in sample], ended_on__isnull=True
        )
        .select_related("holder")
        .order_by("pk")
    ):
        positions.setdefault(position.organization_id, []).append(position)
    elections, results, holders = [], [], []
    for org in sample:
        members = by_org.get(org.pk, [])
        current = positions.get(org.pk, [])
        branch = org.kind in Organization.BRANCH_KINDS
        ids = {m.pk for m in members}
        taken = {p.holder_id for p in current if p.holder_id}
        if not current or (
            branch and (taken - ids or len(ids - taken) < len(current) - len(taken) + 1)
        ):
            continue
        eligible = max(len(members), rng.randint(15, 60))
        present = eligible - rng.randint(0, eligible // 10)
        valid = present - rng.randint(0, 1)
        election = Election(
            organization=org,
            held_on=org.term_started_on,
            kind=Election.Kind.GENERAL,
            term_number=org.term_number,
            eligible_voters=eligible,
            present=present,
            ballots_issued=present,
            ballots_returned=present,
            valid_ballots=valid,
            approved_by="上级党组织",
            approval_number=f"组批〔{org.term_started_on.year}〕{rng.randint(1, 90)}号",
            approved_on=min(org.term_started_on + timedelta(days=rng.randint(3, 20)), today),
        )
        elections.append(election)
        # A holder already linked (by the cadres step) stays the one elected.
        free = [m for m in members if m.pk not in taken]
        candidates = rng.sample(free, len(current) - len(taken) + 1) if branch else []
        for position in current:
            if branch and position.holder_id is None:
                member = candidates.pop()
                position.holder, position.holder_name = member, member.name
                holders.append(position)
            results.append(
                ElectionResult(
                    election=election,
                    title=position.title,
                    # Committees record names (their holders may sit anywhere).
                    candidate=position.holder if branch else None,
                    candidate_name=position.holder_name,
                    votes=rng.randint(present // 2 + 1, valid),
                    elected=True,
                    position=position,
                )
            )
        loser = candidates[0] if candidates else None
        results.append(
            ElectionResult(
                election=election,
                title=LeadershipPosition.Title.MEMBER,
                candidate=loser,
                candidate_name=loser.name if loser else "落选候选人",
                votes=rng.randint(0, present // 2),
            )
        )
    Election.objects.bulk_create(elections)
    for result in results:
        result.election_id = result.election.pk
    ElectionResult.objects.bulk_create(results)
    LeadershipPosition.objects.bulk_update(holders, ["holder", "holder_name"])
    return len(elections)
