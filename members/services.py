"""Workflows of the member registry: the only code that changes an applicant's stage or a
transfer's state (STYLE.md: ``transfers.approve(transfer, by=user)``).

Each transition runs in one transaction on the locked row (``select_for_update``), checks the
state, the actor's role permission and scope and the dates, writes a timeline step, and
raises ``WorkflowError`` (a ``ValidationError``) with a message naming what is wrong and
changing nothing when the step is illegal. Thresholds are data: ``members.models.
WORKFLOW_RULES`` (overridable as ``settings.MEMBER_WORKFLOW_RULES``).

Development pipeline (发展党员)::

    入党申请人 --talk--> (talked) --activist--> 入党积极分子 --candidate (>= 1 year)--> 发展对象
    发展对象 --vet (political review + training)--> --admit--> 预备党员 (creates the Member)
    预备党员 --extend (once, <= 12 months)--> --confirm (probation over)--> 正式党员
    预备党员 --cancel--> 已终止 (取消预备党员资格: the Member's status becomes 出党)
    入党申请人/积极分子/发展对象 --stop--> 已终止 (终止发展)

Every step is dated: never in the future, never before the applicant's latest date.

Transfers (组织关系转接)::

    within: initiate (source side) -> approve (a street/district user over the source) ->
            accept (the destination side; before the letter expires) -> completed, member moved
    out:    initiate -> approve -> completed (the member stays, marked transferred out)
    in:     receive (the destination records it) -> completed, member created
    pending -> rejected (with a reason, by the side whose turn it is) | revoked (by the initiator)

Both sides see a transfer (``visible``); a member with a pending transfer cannot start another
and cannot have their organisation changed except by the transfer (``Member.clean``).
"""

from dataclasses import dataclass

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import (
    Applicant,
    ApplicantStep,
    Member,
    Transfer,
    TransferStep,
    add_months,
    add_years,
    workflow_rule,
)
from organizations.models import Organization
from portal import scoping
from portal.models import Region


class WorkflowError(ValidationError):
    """A workflow step that may not happen now, not by this user, or not with these data."""


@dataclass(frozen=True)
class Step:
    label: str
    sources: tuple
    target: str | None  # None: the stage/state stays


def _today():
    return timezone.localdate()


def _check_date(on, *, after=None, after_label="", field="on"):
    """``on`` is given, not in the future and not before ``after`` (the predecessor's date)."""
    if on is None:
        raise WorkflowError({field: [_("请填写日期。")]})
    if on > _today():
        raise WorkflowError({field: [_("日期 %(date)s 不能晚于今天。") % {"date": on}]})
    if after is not None and on < after:
        raise WorkflowError(
            {
                field: [
                    _("日期 %(date)s 不能早于%(step)s（%(after)s）。")
                    % {"date": on, "step": after_label, "after": after}
                ]
            }
        )


def _require_text(value, field, message):
    if not (value or "").strip():
        raise WorkflowError({field: [message]})
    return value.strip()


def _covers(user, organization):
    """Does ``user``'s scope contain ``organization``?"""
    prefix = scoping.scope_prefix(user)
    return (
        organization is not None
        and prefix is not None
        and organization.region.path.startswith(prefix)
    )


def user_tier(user):
    """0 for superusers, else the Region.TIER of the user's scope region (3: street)."""
    if user.is_superuser:
        return 0
    region = user.scope_region
    return Region.TIER.get(region.level, 99) if region is not None else 99


# === development pipeline (发展党员) ============================================================

Stage = Applicant.Stage

DEVELOPMENT_STEPS = {
    "talk": Step(gettext_lazy("谈话"), (Stage.APPLICANT,), None),
    "activist": Step(gettext_lazy("确定为入党积极分子"), (Stage.APPLICANT,), Stage.ACTIVIST),
    "candidate": Step(gettext_lazy("确定为发展对象"), (Stage.ACTIVIST,), Stage.CANDIDATE),
    "vet": Step(gettext_lazy("政治审查和集中培训"), (Stage.CANDIDATE,), None),
    "admit": Step(gettext_lazy("接收为预备党员"), (Stage.CANDIDATE,), Stage.PROBATIONARY),
    "confirm": Step(gettext_lazy("转为正式党员"), (Stage.PROBATIONARY,), Stage.FULL),
    "extend": Step(gettext_lazy("延长预备期"), (Stage.PROBATIONARY,), None),
    "cancel": Step(gettext_lazy("取消预备党员资格"), (Stage.PROBATIONARY,), Stage.ENDED),
    "stop": Step(
        gettext_lazy("终止发展"), (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE), Stage.ENDED
    ),
}
DEVELOPMENT_LABELS = {
    "apply": gettext_lazy("递交入党申请书"),
    **{k: s.label for k, s in DEVELOPMENT_STEPS.items()},
}

#: The applicant's date fields with the name of the step that set them (predecessor checks).
DATE_FIELDS = (
    ("applied_on", gettext_lazy("递交入党申请书日期")),
    ("talked_on", gettext_lazy("谈话日期")),
    ("activist_on", gettext_lazy("确定为积极分子日期")),
    ("candidate_on", gettext_lazy("确定为发展对象日期")),
    ("political_review_on", gettext_lazy("政治审查完成日期")),
    ("training_on", gettext_lazy("集中培训完成日期")),
    ("admitted_on", gettext_lazy("接收为预备党员日期")),
)


def latest_date(applicant):
    """(date, label) of the applicant's latest recorded step: no step may be dated before."""
    dated = [(getattr(applicant, f), label) for f, label in DATE_FIELDS if getattr(applicant, f)]
    last_step = applicant.steps.order_by("-on").values_list("on", flat=True).first()
    if last_step:
        dated.append((last_step, _("上一环节")))
    return max(dated, key=lambda pair: pair[0])


def development_reach_refusal(applicant, user):
    if not scoping.can(user, Applicant, "change"):
        return _("您没有办理发展党员的权限。")
    if not _covers(user, applicant.organization):
        return _("该发展对象档案不在您的管辖范围内。")
    return None


def development_refusal(applicant, user, action):
    """Why ``user`` may not take ``action`` on ``applicant`` now, or None."""
    step = DEVELOPMENT_STEPS[action]
    if applicant.stage not in step.sources:
        return _("当前发展阶段为“%(stage)s”，不能%(action)s。") % {
            "stage": applicant.get_stage_display(),
            "action": step.label,
        }
    reason = development_reach_refusal(applicant, user)
    if reason:
        return reason
    if action == "talk" and applicant.talked_on:
        return _("已于 %(date)s 谈话。") % {"date": applicant.talked_on}
    if action == "activist" and not applicant.talked_on:
        return _("请先完成谈话，再确定为入党积极分子。")
    if action == "vet" and applicant.political_review_on and applicant.training_on:
        return _("政治审查和集中培训已完成。")
    if action == "admit":
        if not (applicant.political_review_on and applicant.training_on):
            return _("须先完成政治审查和集中培训，才能接收为预备党员。")
        if not scoping.can(user, Member, "add"):
            return _("您没有新增党员的权限。")
    if action in ("confirm", "cancel", "extend") and not scoping.can(user, Member, "change"):
        return _("您没有修改党员信息的权限。")
    if action == "extend":
        done = applicant.steps.filter(action="extend").count()
        if done >= workflow_rule("max_extensions"):
            return _("预备期只能延长 %(count)d 次。") % {"count": workflow_rule("max_extensions")}
    return None


def development_actions(applicant, user):
    """The steps ``user`` may take on ``applicant`` now, in pipeline order."""
    if development_reach_refusal(applicant, user):
        return []
    return [a for a in DEVELOPMENT_STEPS if development_refusal(applicant, user, a) is None]


def _begin_development(applicant, user, action, on):
    locked = (
        Applicant.objects.select_for_update(of=("self",))
        .select_related("organization__region", "member")
        .get(pk=applicant.pk)
    )
    reason = development_refusal(locked, user, action)
    if reason:
        raise WorkflowError(reason)
    after, label = latest_date(locked)
    _check_date(on, after=after, after_label=label)
    return locked


def _record(obj, user, action, on, note, *, field, to, fields, step_model, link):
    """Save the new ``field`` value ``to`` (None: unchanged) and the ``fields`` the step
    filled, and write the timeline step: the one shape of every workflow step."""
    before = getattr(obj, field)
    if to is not None:
        setattr(obj, field, to)
    obj.save(update_fields=[field, "updated_at", *fields])
    step_model.objects.create(
        **{link: obj},
        action=action,
        **{f"from_{field}": before, f"to_{field}": getattr(obj, field)},
        on=on,
        actor=user,
        note=note or "",
    )
    return obj


def _record_development(applicant, user, action, on, note="", fields=()):
    to = DEVELOPMENT_STEPS[action].target
    return _record(
        applicant,
        user,
        action,
        on,
        note,
        field="stage",
        to=to,
        fields=fields,
        step_model=ApplicantStep,
        link="applicant",
    )


def register_applicant(user, *, name, id_number, organization, applied_on, note=""):
    """Record an application for membership (入党申请书) with the branch that received it."""
    if not scoping.can(user, Applicant, "add"):
        raise WorkflowError(_("您没有登记入党申请人的权限。"))
    errors = {}
    if organization is None or not _covers(user, organization):
        errors["organization"] = [_("该党支部不存在或不在您的管辖范围内。")]
    elif organization.kind not in Organization.BRANCH_KINDS:
        errors["organization"] = [_("入党申请应向党支部（含联合党支部、临时党支部）递交。")]
    applicant = Applicant(
        name=(name or "").strip(), organization=organization, applied_on=applied_on, note=note
    )
    if not applicant.name:
        errors["name"] = [_("请填写姓名。")]
    try:
        applicant.set_id_number(id_number or "")
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    if errors:
        raise WorkflowError(errors)
    _check_date(applied_on, field="applied_on")
    min_age = workflow_rule("min_age")
    if add_years(applicant.birth_date, min_age) > applied_on:
        raise WorkflowError(
            {"applied_on": [_("递交入党申请书时应年满 %(age)d 周岁。") % {"age": min_age}]}
        )
    if Member.objects.filter(id_number_hash=applicant.id_number_hash).exists():
        raise WorkflowError({"id_number": [_("该身份证号已登记为党员。")]})
    with transaction.atomic():
        busy = Applicant.objects.select_for_update().filter(id_number_hash=applicant.id_number_hash)
        if busy.exclude(stage=Stage.ENDED).exists():
            raise WorkflowError({"id_number": [_("该身份证号已有正在办理的发展党员档案。")]})
        applicant.full_clean()
        applicant.save()
        ApplicantStep.objects.create(
            applicant=applicant, action="apply", to_stage=applicant.stage, on=applied_on, actor=user
        )
    return applicant


@transaction.atomic
def talk(applicant, user, *, on, note=""):
    """The branch talks with the applicant: within a month of applying (rule)."""
    applicant = _begin_development(applicant, user, "talk", on)
    months = workflow_rule("talk_within_months")
    deadline = add_months(applicant.applied_on, months)
    if on > deadline:
        raise WorkflowError(
            {
                "on": [
                    _("应在递交入党申请书后 %(months)d 个月内谈话（最迟 %(date)s）。")
                    % {"months": months, "date": deadline}
                ]
            }
        )
    applicant.talked_on = on
    return _record_development(applicant, user, "talk", on, note, ["talked_on"])


def _check_people(people, *, field, count_min, count_max, what, branch=None, user=None):
    people = list(dict.fromkeys(people or []))
    if not count_min <= len(people) <= count_max:
        expected = str(count_min) if count_min == count_max else f"{count_min}–{count_max}"
        raise WorkflowError(
            {field: [_("%(what)s应为 %(count)s 名。") % {"what": what, "count": expected}]}
        )
    errors = []
    for person in people:
        if person.category != Member.Category.FULL or person.status != Member.Status.NORMAL:
            errors.append(_("%(name)s 不是党籍正常的正式党员。") % {"name": person.name})
        elif branch is not None and person.organization_id != branch.pk:
            errors.append(
                _("%(name)s 不是“%(branch)s”的党员。") % {"name": person.name, "branch": branch}
            )
        elif user is not None and not scoping.in_scope(person, user):
            errors.append(_("%(name)s 不在您的管辖范围内。") % {"name": person.name})
    if errors:
        raise WorkflowError({field: errors})
    return people


@transaction.atomic
def confirm_activist(applicant, user, *, on, contacts, note=""):
    """The branch committee confirms an activist (入党积极分子) with 1-2 contacts
    (培养联系人), full members of the same branch."""
    applicant = _begin_development(applicant, user, "activist", on)
    contacts = _check_people(
        contacts,
        field="contacts",
        count_min=workflow_rule("contacts_min"),
        count_max=workflow_rule("contacts_max"),
        what=_("培养联系人"),
        branch=applicant.organization,
    )
    applicant.activist_on = on
    _record_development(applicant, user, "activist", on, note, ["activist_on"])
    applicant.contacts.set(contacts)
    return applicant


@transaction.atomic
def confirm_candidate(applicant, user, *, on, note=""):
    """发展对象: after at least a year (rule) as an activist."""
    applicant = _begin_development(applicant, user, "candidate", on)
    years = workflow_rule("activist_years")
    earliest = add_years(applicant.activist_on, years)
    if on < earliest:
        raise WorkflowError(
            {
                "on": [
                    _("入党积极分子须经过 %(years)d 年以上培养，最早 %(date)s 可确定为发展对象。")
                    % {"years": years, "date": earliest}
                ]
            }
        )
    applicant.candidate_on = on
    return _record_development(applicant, user, "candidate", on, note, ["candidate_on"])


@transaction.atomic
def vet(applicant, user, *, political_review_on, training_on, note=""):
    """Political review (政治审查) and the short training course (集中培训) done."""
    applicant = _begin_development(applicant, user, "vet", political_review_on)
    after = applicant.candidate_on
    _check_date(training_on, after=after, after_label=_("确定为发展对象日期"), field="training_on")
    _check_date(political_review_on, after=after, after_label=_("确定为发展对象日期"))
    applicant.political_review_on, applicant.training_on = political_review_on, training_on
    return _record_development(
        applicant,
        user,
        "vet",
        max(political_review_on, training_on),
        note,
        ["political_review_on", "training_on"],
    )


@transaction.atomic
def admit(applicant, user, *, on, introducers, pledge_number, note=""):
    """The branch meeting admits the candidate as a probationary member (预备党员) with two
    introducers (入党介绍人) and the application form number (志愿书编号): the Member is
    created in the branch (category 预备党员, joined on ``on``)."""
    applicant = _begin_development(applicant, user, "admit", on)
    _check_date(
        on,
        after=max(applicant.political_review_on, applicant.training_on),
        after_label=_("政治审查和集中培训"),
    )
    pledge_number = _require_text(pledge_number, "pledge_number", _("请填写入党志愿书编号。"))
    count = workflow_rule("introducers")
    introducers = _check_people(
        introducers,
        field="introducers",
        count_min=count,
        count_max=count,
        what=_("入党介绍人"),
        user=user,
    )
    member = Member(
        name=applicant.name,
        gender=applicant.gender,
        birth_date=applicant.birth_date,
        organization=applicant.organization,
        category=Member.Category.PROBATIONARY,
        joined_on=on,
    )
    member.validating_user = user
    member.set_id_number(applicant.id_number)
    try:
        member.full_clean()
    except ValidationError as exc:
        raise WorkflowError([f"{_('党员档案')}：{message}" for message in exc.messages]) from None
    with pghistory.context(applicant=applicant.pk, step=str(_("接收为预备党员"))):
        member.save()
    scoping.ensure_in_scope(member, user, "add")
    applicant.admitted_on, applicant.pledge_number, applicant.member = on, pledge_number, member
    _record_development(
        applicant, user, "admit", on, note, ["admitted_on", "pledge_number", "member"]
    )
    applicant.introducers.set(introducers)
    return applicant


def _locked_member(applicant):
    if applicant.member_id is None:
        raise WorkflowError(_("该预备党员的党员档案已不存在。"))
    applicant.member = Member.objects.select_for_update().get(pk=applicant.member_id)
    return applicant.member


@transaction.atomic
def extend_probation(applicant, user, *, on, months, note=""):
    """延长预备期: at most once (rule), at most 12 months (rule), with the reason."""
    applicant = _begin_development(applicant, user, "extend", on)
    note = _require_text(note, "note", _("请填写延长预备期的原因。"))
    limit = workflow_rule("max_extension_months")
    if not months or not 1 <= months <= limit:
        raise WorkflowError(
            {"months": [_("预备期延长应为 1 至 %(limit)d 个月。") % {"limit": limit}]}
        )
    applicant.extension_months = months
    return _record_development(applicant, user, "extend", on, note, ["extension_months"])


@transaction.atomic
def confirm_full(applicant, user, *, on, note=""):
    """转为正式党员 once the probation (and any extension) is over: the Member becomes a full
    member from ``on``."""
    applicant = _begin_development(applicant, user, "confirm", on)
    ends = applicant.probation_ends_on
    if on < ends:
        raise WorkflowError(
            {"on": [_("预备期至 %(date)s 届满，届满后方可转正。") % {"date": ends}]}
        )
    member = _locked_member(applicant)
    if not _covers(user, member.organization):
        raise WorkflowError(_("该党员已不在您的管辖范围内，请由其所在党组织办理。"))
    member.category, member.full_member_on = Member.Category.FULL, on
    member.validating_user = user
    try:
        member.full_clean()
    except ValidationError as exc:
        raise WorkflowError([f"{_('党员档案')}：{m}" for m in exc.messages]) from None
    with pghistory.context(applicant=applicant.pk, step=str(_("预备党员转正"))):
        member.save(update_fields=["category", "full_member_on", "updated_at"])
    applicant.full_member_on = on
    return _record_development(applicant, user, "confirm", on, note, ["full_member_on"])


@transaction.atomic
def cancel_probation(applicant, user, *, on, note=""):
    """取消预备党员资格, with the reason: the Member's status becomes 出党 from ``on``."""
    applicant = _begin_development(applicant, user, "cancel", on)
    note = _require_text(note, "note", _("请填写取消预备党员资格的原因。"))
    member = _locked_member(applicant)
    if not _covers(user, member.organization):
        raise WorkflowError(_("该党员已不在您的管辖范围内，请由其所在党组织办理。"))
    member.status, member.status_on = Member.Status.EXPELLED, on
    with (
        member.allow_status_change(),
        pghistory.context(applicant=applicant.pk, step=str(_("取消预备党员资格"))),
    ):
        member.save(update_fields=["status", "status_on", "updated_at"])
    applicant.ended_on, applicant.end_reason = on, note
    return _record_development(applicant, user, "cancel", on, note, ["ended_on", "end_reason"])


@transaction.atomic
def stop_development(applicant, user, *, on, note=""):
    """终止发展 before admission, with the reason."""
    applicant = _begin_development(applicant, user, "stop", on)
    note = _require_text(note, "note", _("请填写终止发展的原因。"))
    applicant.ended_on, applicant.end_reason = on, note
    return _record_development(applicant, user, "stop", on, note, ["ended_on", "end_reason"])


DEVELOPMENT_ACTIONS = {
    "talk": talk,
    "activist": confirm_activist,
    "candidate": confirm_candidate,
    "vet": vet,
    "admit": admit,
    "extend": extend_probation,
    "confirm": confirm_full,
    "cancel": cancel_probation,
    "stop": stop_development,
}


# === transfers (组织关系转接) ==================================================================

State, Kind = Transfer.State, Transfer.Kind

TRANSFER_STEPS = {
    "approve": Step(gettext_lazy("审批同意"), (State.PENDING_APPROVAL,), None),
    "accept": Step(gettext_lazy("接收"), (State.PENDING_ACCEPTANCE,), State.COMPLETED),
    "reject": Step(gettext_lazy("退回"), Transfer.PENDING_STATES, State.REJECTED),
    "revoke": Step(gettext_lazy("撤回"), Transfer.PENDING_STATES, State.REVOKED),
}
TRANSFER_LABELS = {
    "initiate": gettext_lazy("发起转出"),
    "receive": gettext_lazy("登记转入"),
    **{k: s.label for k, s in TRANSFER_STEPS.items()},
}


def visible(queryset, user, action="view"):
    """Transfers ``user`` may see: those whose source OR destination lies in their scope
    (both streets see a transfer between them)."""
    if not scoping.can(user, Transfer, action):
        return queryset.none()
    prefix = scoping.scope_prefix(user)
    if prefix is None:
        return queryset.none()
    if prefix == "":
        return queryset
    return queryset.filter(
        Q(source_organization__region__path__startswith=prefix)
        | Q(destination_organization__region__path__startswith=prefix)
    )


def _may_approve(transfer, user):
    """The source's superior: a street (or district) user whose scope holds the source."""
    return _covers(user, transfer.source_organization) and user_tier(user) <= 3


def transfer_refusal(transfer, user, action):
    """Why ``user`` may not take ``action`` on ``transfer`` now, or None."""
    step = TRANSFER_STEPS[action]
    if transfer.state not in step.sources:
        return _("转接当前状态为“%(state)s”，不能%(action)s。") % {
            "state": transfer.get_state_display(),
            "action": step.label,
        }
    if not scoping.can(user, Transfer, "change"):
        return _("您没有办理组织关系转接的权限。")
    if action == "revoke":
        if transfer.initiated_by_id != user.pk:
            return _("只有发起人可以撤回该转接。")
        return None
    if action == "approve" or (action == "reject" and transfer.state == State.PENDING_APPROVAL):
        if not _may_approve(transfer, user):
            return _("只有转出党支部的上级党组织（街道或区级用户）可以审批该转接。")
        return None
    # accept, or reject while waiting for acceptance: the destination's side
    if not _covers(user, transfer.destination_organization):
        return _("只有转入党支部所在的党组织可以接收或退回该转接。")
    return None


def transfer_actions(transfer, user):
    return [a for a in TRANSFER_STEPS if transfer_refusal(transfer, user, a) is None]


def _record_transfer(transfer, user, action, on, note="", *, to_state=None, fields=()):
    return _record(
        transfer,
        user,
        action,
        on,
        note,
        field="state",
        to=to_state,
        fields=fields,
        step_model=TransferStep,
        link="transfer",
    )


def _last_transfer_date(transfer):
    return transfer.steps.order_by("-on").values_list("on", flat=True).first() or transfer.issued_on


def _begin_transfer(transfer, user, action, on):
    locked = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("source_organization__region", "destination_organization__region")
        .get(pk=transfer.pk)
    )
    reason = transfer_refusal(locked, user, action)
    if reason:
        raise WorkflowError(reason)
    _check_date(on, after=_last_transfer_date(locked), after_label=_("上一环节"))
    return locked


def _check_letter(letter_number, issued_on):
    letter_number = _require_text(letter_number, "letter_number", _("请填写介绍信编号。"))
    _check_date(issued_on, field="issued_on")
    return letter_number, add_months(issued_on, workflow_rule("letter_valid_months"))


def initiate(
    user,
    *,
    member,
    destination=None,
    external_organization="",
    letter_number,
    issued_on,
    dues_paid_until=None,
    reason="",
):
    """The source side starts a transfer: to ``destination`` (a branch on the platform) or,
    without one, out of the district to ``external_organization``."""
    if not (scoping.can(user, Transfer, "add") and scoping.can(user, Member, "change")):
        raise WorkflowError(_("您没有发起组织关系转接的权限。"))
    kind = Kind.WITHIN if destination is not None else Kind.OUT
    external_organization = (external_organization or "").strip()
    letter_number, valid_until = _check_letter(letter_number, issued_on)
    with transaction.atomic():
        try:
            member = (
                scoping.restrict(Member.objects.select_for_update(of=("self",)), user, "change")
                .select_related("organization__region")
                .get(pk=member.pk)
            )
        except Member.DoesNotExist:
            raise WorkflowError({"member": [_("该党员不存在或不在您的管辖范围内。")]}) from None
        if member.status != Member.Status.NORMAL:
            raise WorkflowError(
                {
                    "member": [
                        _("党籍状态为“%(s)s”的党员不能转接。") % {"s": member.get_status_display()}
                    ]
                }
            )
        pending = member.transfers.filter(state__in=Transfer.PENDING_STATES).first()
        if pending is not None:
            raise WorkflowError(
                {
                    "member": [
                        _("该党员已有正在办理的组织关系转接（介绍信 %(letter)s），不能再发起。")
                        % {"letter": pending.letter_number}
                    ]
                }
            )
        if member.transferred_out:
            raise WorkflowError({"member": [_("该党员的组织关系已转出本区。")]})
        if kind == Kind.WITHIN:
            if destination.kind not in Organization.BRANCH_KINDS or destination.is_dissolved:
                raise WorkflowError(
                    {"destination": [_("转入组织应为未撤销的党支部（含联合、临时党支部）。")]}
                )
            if destination.pk == member.organization_id:
                raise WorkflowError({"destination": [_("转入党支部与所在党支部相同。")]})
            external_organization = ""
        elif not external_organization:
            raise WorkflowError({"external_organization": [_("转出本区时请填写接收党组织名称。")]})
        transfer = Transfer(
            kind=kind,
            state=State.PENDING_APPROVAL,
            member=member,
            source_organization=member.organization,
            destination_organization=destination,
            external_organization=external_organization,
            letter_number=letter_number,
            issued_on=issued_on,
            valid_until=valid_until,
            dues_paid_until=dues_paid_until,
            reason=reason or "",
            initiated_by=user,
        )
        transfer.full_clean()
        try:
            with transaction.atomic():
                transfer.save()
        except IntegrityError:
            raise WorkflowError(
                {"member": [_("该党员已有正在办理的组织关系转接，不能再发起。")]}
            ) from None
        TransferStep.objects.create(
            transfer=transfer,
            action="initiate",
            to_state=transfer.state,
            on=issued_on,
            actor=user,
            note=reason or "",
        )
    return transfer


@transaction.atomic
def approve(transfer, user, *, on, note=""):
    """The source's superior approves: a transfer within the platform waits for the
    destination; one out of the district is complete (the member is marked transferred out)."""
    transfer = _begin_transfer(transfer, user, "approve", on)
    if transfer.kind == Kind.OUT:
        transfer.completed_on = on
        return _record_transfer(
            transfer, user, "approve", on, note, to_state=State.COMPLETED, fields=["completed_on"]
        )
    return _record_transfer(transfer, user, "approve", on, note, to_state=State.PENDING_ACCEPTANCE)


@transaction.atomic
def accept(transfer, user, *, on, note=""):
    """The destination accepts before the letter expires: the member moves to the destination
    branch (the member's audit event carries the transfer in its context)."""
    transfer = _begin_transfer(transfer, user, "accept", on)
    if on > transfer.valid_until:
        raise WorkflowError(
            {
                "on": [
                    _("介绍信已于 %(date)s 过期，请退回后重新开具。")
                    % {"date": transfer.valid_until}
                ]
            }
        )
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    transfer.completed_on = on
    _record_transfer(
        transfer, user, "accept", on, note, to_state=State.COMPLETED, fields=["completed_on"]
    )
    member.organization = transfer.destination_organization
    member.validating_user = user
    try:
        member.full_clean()
    except ValidationError as exc:
        raise WorkflowError([f"{_('党员档案')}：{m}" for m in exc.messages]) from None
    with pghistory.context(
        transfer=transfer.pk,
        transfer_letter=transfer.letter_number,
        step=str(_("组织关系转接（%(letter)s）") % {"letter": transfer.letter_number}),
    ):
        member.save(update_fields=["organization", "updated_at"])
    Applicant.objects.filter(member=member).update(
        organization=transfer.destination_organization, updated_at=timezone.now()
    )
    return transfer


@transaction.atomic
def reject(transfer, user, *, on, note=""):
    """Sent back, with the reason, by the side whose turn it is."""
    transfer = _begin_transfer(transfer, user, "reject", on)
    note = _require_text(note, "note", _("请填写退回原因。"))
    transfer.refusal = note
    return _record_transfer(
        transfer, user, "reject", on, note, to_state=State.REJECTED, fields=["refusal"]
    )


@transaction.atomic
def revoke(transfer, user, *, on, note=""):
    """Withdrawn by its initiator before it is accepted."""
    transfer = _begin_transfer(transfer, user, "revoke", on)
    transfer.refusal = note or ""
    return _record_transfer(
        transfer, user, "revoke", on, note, to_state=State.REVOKED, fields=["refusal"]
    )


def receive(
    user,
    *,
    destination,
    member_data,
    id_number,
    external_organization,
    letter_number,
    issued_on,
    dues_paid_until=None,
    on=None,
    note="",
):
    """A member's relationship transferred in from outside the district: the destination
    records the letter and the member is created in ``destination`` (complete at once)."""
    if not (scoping.can(user, Transfer, "add") and scoping.can(user, Member, "add")):
        raise WorkflowError(_("您没有登记转入的权限。"))
    on = on or _today()
    if destination is None or not _covers(user, destination):
        raise WorkflowError({"destination": [_("该党支部不存在或不在您的管辖范围内。")]})
    external_organization = _require_text(
        external_organization, "external_organization", _("请填写原党组织名称。")
    )
    letter_number, valid_until = _check_letter(letter_number, issued_on)
    _check_date(on, after=issued_on, after_label=_("介绍信开具日期"))
    if on > valid_until:
        raise WorkflowError({"on": [_("介绍信已于 %(date)s 过期。") % {"date": valid_until}]})
    with transaction.atomic():
        member = Member(organization=destination, **member_data)
        member.validating_user = user
        member.set_id_number(id_number)
        member.full_clean()
        transfer = Transfer(
            kind=Kind.IN,
            state=State.COMPLETED,
            destination_organization=destination,
            external_organization=external_organization,
            letter_number=letter_number,
            issued_on=issued_on,
            valid_until=valid_until,
            dues_paid_until=dues_paid_until,
            reason=note or "",
            initiated_by=user,
            completed_on=on,
        )
        with pghistory.context(
            transfer_letter=letter_number,
            step=str(_("组织关系转入（%(letter)s）") % {"letter": letter_number}),
        ):
            member.save()
        transfer.member = member
        transfer.full_clean()
        transfer.save()
        TransferStep.objects.create(
            transfer=transfer,
            action="receive",
            to_state=transfer.state,
            on=on,
            actor=user,
            note=note or "",
        )
    return transfer


TRANSFER_ACTIONS = {"approve": approve, "accept": accept, "reject": reject, "revoke": revoke}
