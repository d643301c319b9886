"""Elections (换届选举 and 补选): the only code that changes an organisation's term once it was
entered, and that replaces its leadership after a vote.

``record_election`` checks everything first (the user's rights and scope, the election's
figures, every result row) and writes nothing when anything is wrong: it raises
``ElectionError`` naming each bad field and result row. A general election (换届选举) opens the
next term (number + 1, starting on the election day, ending after ``TermRule`` years), ends
every leadership position held before the election day on the day before, and opens a
position for each elected candidate. A by-election (补选) adds positions and leaves the term
alone. The audit trail names the step (``pghistory.context(step=...)``).
"""

from datetime import timedelta

import pghistory
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Func, IntegerField, Q, Value
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import (
    TERM_FIELDS,
    Election,
    ElectionResult,
    LeadershipPosition,
    Organization,
    TermRule,
    add_months,
    add_years,
    election_rule,
)
from portal import scoping

RESULT_FIELDS = ("title", "candidate", "candidate_name", "votes", "elected")


class ElectionError(ValidationError):
    """An election that may not be recorded: ``field_errors`` ({field: [message]}) for the
    election, ``result_errors`` (one {field: [message]} per result row, {} when fine)."""

    def __init__(self, field_errors, result_errors=()):
        self.field_errors = {k: list(v) for k, v in field_errors.items()}
        self.result_errors = list(result_errors)
        merged = {k: list(v) for k, v in self.field_errors.items()}
        for index, row in enumerate(self.result_errors, start=1):
            for field, messages in row.items():
                label = ElectionResult._meta.get_field(field).verbose_name
                merged.setdefault("results", []).extend(
                    _("第 %(row)d 行%(field)s：%(message)s")
                    % {"row": index, "field": label, "message": m}
                    for m in messages
                )
        super().__init__(merged)


def member_model():
    # A string FK upward (members sits above organizations): reach the model, not its code.
    return ElectionResult._meta.get_field("candidate").related_model


def candidates_for(organization):
    """The members who may stand in ``organization``'s election: its whole subtree's."""
    return member_model().objects.filter(organization__path__startswith=organization.path)


def current_positions(organization, on):
    """Positions of ``organization`` held on the day ``on``."""
    return organization.positions.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=on), started_on__lte=on
    )


def election_refusal(user):
    """Why ``user``'s roles do not let them record an election, or None."""
    for model, action in (
        (Election, "add"),
        (Organization, "change"),
        (LeadershipPosition, "add"),
        (LeadershipPosition, "change"),
    ):
        if not scoping.can(user, model, action):
            return _("您没有登记换届选举的权限。")
    return None


def _result_errors(election, organization, results):
    """One error dict per result row, plus non-row errors of the results as a whole."""
    rows, general = [], []
    subtree = organization.path
    needs_member = organization.kind in Organization.BRANCH_KINDS
    secretaries = 0
    has_current_secretary = (
        election.kind == Election.Kind.BY_ELECTION
        and current_positions(organization, election.held_on)
        .filter(title=LeadershipPosition.Title.SECRETARY)
        .exists()
    )
    for result in results:
        try:
            result.full_clean(exclude=["election", "candidate", "position"])
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            errors = {}
        candidate = result.candidate
        if candidate is not None:
            if not candidate.organization.path.startswith(subtree):
                errors["candidate"] = [_("候选人不是本组织（含下级）的党员。")]
        elif needs_member:
            errors["candidate"] = [_("党支部的选举须从本支部党员中选择候选人。")]
        if result.title == LeadershipPosition.Title.GROUP_LEADER:
            errors["title"] = [_("党小组组长不通过选举产生。")]
        votes = result.votes
        if votes is None or "votes" in errors:
            pass
        elif election.valid_ballots is not None and votes > election.valid_ballots:
            errors["votes"] = [_("赞成票不能多于有效选票。")]
        elif result.elected and election.present and not election.elected_threshold_met(votes):
            numerator, denominator = election_rule("majority")
            errors["elected"] = [
                _(
                    "赞成票（%(votes)d）须超过实到有选举权人数（%(present)d）的"
                    "%(num)d/%(den)d 才能当选。"
                )
                % {
                    "votes": votes,
                    "present": election.present,
                    "num": numerator,
                    "den": denominator,
                }
            ]
        if result.elected and result.title == LeadershipPosition.Title.SECRETARY:
            secretaries += 1
            if secretaries > election_rule("max_secretaries"):
                errors.setdefault("elected", []).append(_("一次选举只能产生一名书记。"))
            elif has_current_secretary:
                errors.setdefault("elected", []).append(_("本组织现有书记在任，不能补选书记。"))
        rows.append(errors)
    if election.kind == Election.Kind.GENERAL and not any(r.elected for r in results):
        general.append(_("换届选举须至少有一名当选人。"))
    if election.kind == Election.Kind.BY_ELECTION and not any(r.elected for r in results):
        general.append(_("补选须至少有一名当选人。"))
    return rows, general


def build_results(results):
    """ElectionResult instances (unsaved) from dicts of ``RESULT_FIELDS``."""
    built = []
    for data in results:
        candidate = data.get("candidate")
        name = (data.get("candidate_name") or "").strip() or (candidate.name if candidate else "")
        built.append(
            ElectionResult(
                title=data.get("title") or "",
                candidate=candidate,
                candidate_name=name,
                votes=data.get("votes"),
                elected=bool(data.get("elected")),
            )
        )
    return built


@transaction.atomic
def record_election(user, *, organization, results, **fields):
    """Record an election of ``organization`` with its ``results`` (dicts of ``RESULT_FIELDS``)
    and apply it: see the module docstring. ``fields`` are ``Election`` fields (held_on, kind,
    the counts, the approval). A user whose roles do not allow it: PermissionDenied; an
    organisation out of the user's scope: Http404, as if it did not exist."""
    refusal = election_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)
    visible = scoping.restrict(Organization.objects.all(), user, "change")
    locked = (
        visible.select_for_update(of=("self",))
        .select_related("region")
        .filter(pk=getattr(organization, "pk", None))
    )
    organization = locked.first()
    if organization is None:
        raise Http404
    election = Election(organization=organization, **fields)
    field_errors = {}
    try:
        election.full_clean(exclude=["organization"])
    except ValidationError as exc:
        field_errors = exc.message_dict
    years = TermRule.years_for(organization.kind)
    if years is None:
        field_errors.setdefault("organization", []).append(
            _("“%(kind)s”没有任期，不进行换届选举。") % {"kind": organization.get_kind_display()}
        )
    if organization.is_dissolved:
        field_errors.setdefault("organization", []).append(_("该组织已撤销。"))
    built = build_results(results)
    rows, general = _result_errors(election, organization, built)
    if general:
        field_errors.setdefault(NON_FIELD_ERRORS, []).extend(general)
    if field_errors or any(rows):
        raise ElectionError(field_errors, rows)
    return _apply(user, organization, election, built, years)


def _apply(user, organization, election, results, years):
    held_on = election.held_on
    general = election.kind == Election.Kind.GENERAL
    step = _("换届选举（%(date)s）") if general else _("补选（%(date)s）")
    with pghistory.context(step=str(step % {"date": held_on})):
        if general:
            election.term_number = (organization.term_number or 0) + 1
        election.save()
        if general:
            current_positions(organization, held_on).filter(started_on__lt=held_on).update(
                ended_on=held_on - timedelta(days=1), updated_at=timezone.now()
            )
            organization.term_number = election.term_number
            organization.term_started_on = held_on
            organization.term_end = add_years(held_on, years)
            organization.save(
                update_fields=["term_number", "term_started_on", "term_end", "updated_at"]
            )
            organization._stored_term = {f: getattr(organization, f) for f in TERM_FIELDS}
        positions = LeadershipPosition.objects.bulk_create(
            LeadershipPosition(
                organization=organization,
                title=result.title,
                holder=result.candidate,
                holder_name=result.candidate_name,
                started_on=held_on,
                note=str(election.get_kind_display()),
            )
            for result in results
            if result.elected
        )
        elected = iter(positions)
        for result in results:
            result.election = election
            if result.elected:
                result.position = next(elected)
        ElectionResult.objects.bulk_create(results)
    scoping.ensure_in_scope(election, user, "add")
    return election


# --- term status (届期提醒) -------------------------------------------------------------------

#: The term page lists terms that ended or end within this many months.
TERM_HORIZON_MONTHS = 6


def term_status(today=None):
    """Active organisations of a kind with a term whose term has ended or ends within
    ``TERM_HORIZON_MONTHS``, annotated with ``days_left`` (negative: overdue by that many)."""
    today = today or timezone.localdate()
    horizon = add_months(today, TERM_HORIZON_MONTHS)
    days_left = Func(F("term_end"), Value(today), arg_joiner=" - ", template="(%(expressions)s)")
    return (
        Organization.objects.active()
        .filter(
            term_end__isnull=False,
            term_end__lte=horizon,
            kind__in=TermRule.objects.values("kind"),
        )
        .annotate(days_left=Cast(days_left, IntegerField()))
    )


def rules_text():
    """The election rules in words, for the record form."""
    q_num, q_den = election_rule("quorum")
    m_num, m_den = election_rule("majority")
    return [
        _("实到有选举权人数须超过应到人数的 %(num)d/%(den)d，会议有效。")
        % {"num": q_num, "den": q_den},
        _("收回选票 ≤ 发出选票 ≤ 实到人数；有效选票 ≤ 收回选票。"),
        _("当选须获得超过实到有选举权人数 %(num)d/%(den)d 的赞成票。")
        % {"num": m_num, "den": m_den},
        _("一次选举最多产生 %(count)d 名书记。") % {"count": election_rule("max_secretaries")},
    ]
