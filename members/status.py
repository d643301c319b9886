"""Status changes and flags of members (issue 6 point 6): the only code of the pages and the
API that stops or restores membership (停止党籍/恢复党籍), flags a member as lost (失联) or found
again, as flowing (流动党员) or back, or records a death.

Each change runs in one transaction on the locked member row, checks the member's current
state, the actor's ``change_member`` permission and scope and the date (given, not in the
future, not before the member joined, not before the state it ends), and raises
``StatusError`` (a ``ValidationError``) naming what is wrong, changing nothing. The member's
audit event carries ``status_change=<action>`` and the reason in its pghistory context; a dated
line is appended to the member's note so the history tab shows what happened and why.
Every other door (form, API, import, admin) is refused a change of these fields by
``Member.clean``; the saves here run inside ``member.allow_status_change()``.

    正常 --stop--> 停止党籍 --restore--> 正常
    not 死亡 --death--> 死亡
    not lost --lose_contact (reason code)--> 失联 --found--> not lost
    正常, not flowing --flow_out (destination, contact org)--> 流动 --flow_back--> not flowing
"""

from dataclasses import dataclass

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Member
from portal import scoping

Status = Member.Status

#: Standard reason codes of a lost contact (失联原因).
LOST_CONTACT_REASONS = (
    ("migrant_work", gettext_lazy("外出务工经商")),
    ("whereabouts_unknown", gettext_lazy("下落不明")),
    ("no_organisational_life", gettext_lazy("长期不参加组织生活")),
    ("other", gettext_lazy("其他")),
)


class StatusError(ValidationError):
    """A status change that may not happen now, not by this user, or not with these data."""


@dataclass(frozen=True)
class Change:
    label: str


CHANGES = {
    "stop": Change(gettext_lazy("停止党籍")),
    "restore": Change(gettext_lazy("恢复党籍")),
    "lose_contact": Change(gettext_lazy("标记为失联党员")),
    "found": Change(gettext_lazy("恢复联系")),
    "flow_out": Change(gettext_lazy("登记为流动党员")),
    "flow_back": Change(gettext_lazy("流动党员返回")),
    "death": Change(gettext_lazy("登记死亡")),
}


def _today():
    return timezone.localdate()


def reach_refusal(member, user):
    """Why ``user`` may not change ``member`` at all (permission, scope), or None."""
    if not scoping.can(user, Member, "change") or not scoping.in_scope(member, user, "change"):
        return _("您没有修改该党员信息的权限，或该党员不在您的管辖范围内。")
    return None


def refusal(member, user, action):
    """Why ``user`` may not take ``action`` on ``member`` now, or None."""
    return reach_refusal(member, user) or state_refusal(member, action)


def state_refusal(member, action):
    """Why ``action`` may not happen to ``member`` in its current state, or None."""
    status, label = member.status, CHANGES[action].label
    if status == Status.DECEASED:
        return _("该党员已登记死亡（%(date)s），不能%(action)s。") % {
            "date": member.status_on,
            "action": label,
        }
    state_needed = {"stop": Status.NORMAL, "restore": Status.SUSPENDED, "flow_out": Status.NORMAL}
    needed = state_needed.get(action)
    if needed is not None and status != needed:
        return _("党籍状态为“%(status)s”，不能%(action)s（须为“%(needed)s”）。") % {
            "status": member.get_status_display(),
            "action": label,
            "needed": Status(needed).label,
        }
    if action == "lose_contact" and member.lost_contact:
        return _("该党员已于 %(date)s 标记为失联。") % {"date": member.lost_contact_on}
    if action == "found" and not member.lost_contact:
        return _("该党员未标记为失联，无需恢复联系。")
    if action == "flow_out" and member.flowing:
        return _("该党员已是流动党员（流向：%(to)s）。") % {"to": member.flowing_destination}
    if action == "flow_back" and not member.flowing:
        return _("该党员不是流动党员。")
    return None


def available(member, user):
    """The changes ``user`` may make to ``member`` now, in display order."""
    if reach_refusal(member, user):
        return []
    return [action for action in CHANGES if state_refusal(member, action) is None]


def _check_date(member, on, *, after=None, after_label=""):
    if on is None:
        raise StatusError({"on": [_("请填写日期。")]})
    if on > _today():
        raise StatusError({"on": [_("日期 %(date)s 不能晚于今天。") % {"date": on}]})
    if member.joined_on and on < member.joined_on:
        raise StatusError(
            {
                "on": [
                    _("日期 %(date)s 不能早于入党日期（%(joined)s）。")
                    % {
                        "date": on,
                        "joined": member.joined_on,
                    }
                ]
            }
        )
    if after is not None and on < after:
        raise StatusError(
            {
                "on": [
                    _("日期 %(date)s 不能早于%(what)s（%(after)s）。")
                    % {
                        "date": on,
                        "what": after_label,
                        "after": after,
                    }
                ]
            }
        )


def _require(value, field, message):
    value = (value or "").strip()
    if not value:
        raise StatusError({field: [message]})
    return value


def _begin(member, user, action, on):
    """The locked member row, after the permission, scope, state and date checks."""
    if not scoping.can(user, Member, "change"):
        raise StatusError(_("您没有修改党员信息的权限。"))
    try:
        locked = scoping.restrict(
            Member.objects.select_for_update(of=("self",)), user, "change"
        ).get(pk=member.pk)
    except Member.DoesNotExist:
        raise StatusError(_("该党员不存在或不在您的管辖范围内。")) from None
    reason = state_refusal(locked, action)  # the scope was checked by the query
    if reason:
        raise StatusError(reason)
    _check_date(locked, on)
    return locked


def _save(member, action, on, reason, fields, **context):
    """Append the dated line to the note and save ``fields`` under the audit context."""
    line = f"[{on:%Y-%m-%d} {CHANGES[action].label}] {reason}".rstrip()
    member.note = f"{member.note.rstrip()}\n{line}".strip()
    step = str(CHANGES[action].label)
    with (
        member.allow_status_change(),
        pghistory.context(
            status_change=action, step=step, status_on=str(on), reason=reason, **context
        ),
    ):
        member.save(update_fields=[*fields, "note", "updated_at"])
    return member


@transaction.atomic
def stop(member, user, *, on, reason):
    """停止党籍, with the reason."""
    member = _begin(member, user, "stop", on)
    reason = _require(reason, "reason", _("请填写停止党籍的原因。"))
    member.status, member.status_on = Status.SUSPENDED, on
    return _save(member, "stop", on, reason, ["status", "status_on"])


@transaction.atomic
def restore(member, user, *, on, reason=""):
    """恢复党籍: only from 停止党籍, not dated before the stop."""
    member = _begin(member, user, "restore", on)
    _check_date(member, on, after=member.status_on, after_label=_("停止党籍日期"))
    member.status, member.status_on = Status.NORMAL, on
    return _save(member, "restore", on, (reason or "").strip(), ["status", "status_on"])


@transaction.atomic
def lose_contact(member, user, *, on, reason_code, reason=""):
    """失联, with one of the standard reason codes (``LOST_CONTACT_REASONS``)."""
    member = _begin(member, user, "lose_contact", on)
    codes = dict(LOST_CONTACT_REASONS)
    if reason_code not in codes:
        raise StatusError({"reason_code": [_("请选择失联原因。")]})
    if reason_code == "other":
        reason = _require(reason, "reason", _("失联原因为“其他”时请填写说明。"))
    member.lost_contact, member.lost_contact_on = True, on
    text = f"{codes[reason_code]}：{reason.strip()}" if reason.strip() else str(codes[reason_code])
    return _save(
        member,
        "lose_contact",
        on,
        text,
        ["lost_contact", "lost_contact_on"],
        reason_code=reason_code,
    )


@transaction.atomic
def found(member, user, *, on, reason=""):
    """恢复联系: not dated before the member was lost."""
    member = _begin(member, user, "found", on)
    _check_date(member, on, after=member.lost_contact_on, after_label=_("失联日期"))
    member.lost_contact, member.lost_contact_on = False, None
    return _save(member, "found", on, (reason or "").strip(), ["lost_contact", "lost_contact_on"])


@transaction.atomic
def flow_out(member, user, *, on, destination, contact_organization, reason=""):
    """流动党员: where the member went (流向地) and the Party organisation keeping contact
    there (流入地联系党组织)."""
    member = _begin(member, user, "flow_out", on)
    destination = _require(destination, "destination", _("请填写流向地。"))
    contact = _require(contact_organization, "contact_organization", _("请填写流入地联系党组织。"))
    if len(destination) > Member._meta.get_field("flowing_destination").max_length:
        raise StatusError({"destination": [_("流向地过长。")]})
    member.flowing, member.flowing_destination = True, destination
    text = _("流向 %(to)s，联系党组织：%(org)s") % {"to": destination, "org": contact}
    if (reason or "").strip():
        text = f"{text}；{reason.strip()}"
    return _save(
        member,
        "flow_out",
        on,
        text,
        ["flowing", "flowing_destination"],
        destination=destination,
        contact_organization=contact,
    )


@transaction.atomic
def flow_back(member, user, *, on, reason=""):
    """The flowing member has come back: the flag and destination are cleared."""
    member = _begin(member, user, "flow_back", on)
    came_from = member.flowing_destination
    member.flowing, member.flowing_destination = False, ""
    text = _("自 %(place)s 返回") % {"place": came_from}
    if (reason or "").strip():
        text = f"{text}；{reason.strip()}"
    return _save(member, "flow_back", on, text, ["flowing", "flowing_destination"])


@transaction.atomic
def death(member, user, *, on, reason=""):
    """死亡, dated: the status becomes 死亡 (final) and the flags are cleared."""
    member = _begin(member, user, "death", on)
    member.status, member.status_on = Status.DECEASED, on
    member.lost_contact, member.lost_contact_on = False, None
    member.flowing, member.flowing_destination = False, ""
    return _save(
        member,
        "death",
        on,
        (reason or "").strip(),
        list(Member.STATUS_FIELDS),
    )


ACTIONS = {
    "stop": stop,
    "restore": restore,
    "lose_contact": lose_contact,
    "found": found,
    "flow_out": flow_out,
    "flow_back": flow_back,
    "death": death,
}
