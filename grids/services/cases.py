"""The case (需求/问题) workflow: the only code that changes a case's state, level or assignee.

States::

    reported -> accepted | rejected
    accepted -> dispatched (again: re-dispatch to another assignee)
    dispatched -> in_progress -> resolved      (dispatched -> resolved directly too)
    resolved -> verified -> closed | in_progress (reopen)

``escalate`` moves an open, unresolved case up one level (community -> street -> district)
without changing its state.

Who may act (each transition checks all of these, in one transaction, on the locked row):

- the role permission ``grids.change_case`` (reporting needs ``grids.add_case``);
- scope: the case's grid's community lies in the user's scope region (DESIGN.md 5);
- reach: a case at community level may be handled by anyone in scope; once escalated to the
  street only users whose scope region is a street (or above) may act on it, and at district
  level only district users. A community worker keeps seeing an escalated case of their
  community but can no longer move it;
- verify: not by the user who resolved the case (the actor of its latest ``resolve`` step):
  the reporter, another worker of the grid, or a street/district user checks the work.
  Everything else (accept, reject, dispatch, start, resolve, close, reopen, escalate) may be
  done by anyone with reach; reject, resolve and reopen need a note saying why.

Deadlines (``due_at``, from the case's category): ``accept_hours`` after the report,
``dispatch_hours`` after acceptance, ``resolve_hours`` after dispatch, start and reopen,
``verify_hours`` after resolution; none once verified (it waits only to be closed), closed
or rejected. Escalation restarts the current stage's deadline for the new level. Every
transition clears ``overdue`` and writes a ``CaseStep`` (who, what, from/to, note, next due).

Notifications (inbox messages through ``portal.inbox.services.notify``): a new case goes to
the grid's community workers (the users whose scope region is the grid's community, with the
community worker role), except its reporter; a dispatch goes to the assignee user, or without
one to the grid's community workers; an escalation goes to the street operators or district
admins of the new level; a resolution to the reporter, asking them to verify.

An illegal transition raises ``TransitionError`` naming the current state and the action,
and changes nothing.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.models import Case, CasePhoto, CaseStep, Grid
from grids.services import TransitionError
from portal import scoping, validators
from portal.accounts.roles import COMMUNITY_WORKER, DISTRICT_ADMIN, STREET_OPERATOR
from portal.inbox.services import notify
from portal.models import Region

State, Level = Case.State, Case.Level

#: Largest photo accepted (bytes); ``CASE_PHOTO_MAX_BYTES`` in settings overrides it.
PHOTO_MAX_BYTES = 5 * 1024 * 1024
#: Most photos one report or resolution may carry.
PHOTO_MAX_COUNT = 9


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple
    target: str | None  # None: the state stays (escalate)
    note_required: bool = False


UNRESOLVED = (State.REPORTED, State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS)

TRANSITIONS = {
    "accept": Transition(gettext_lazy("受理"), (State.REPORTED,), State.ACCEPTED),
    "reject": Transition(gettext_lazy("不予受理"), (State.REPORTED,), State.REJECTED, True),
    "dispatch": Transition(
        gettext_lazy("派单"), (State.ACCEPTED, State.DISPATCHED), State.DISPATCHED
    ),
    "start": Transition(gettext_lazy("开始办理"), (State.DISPATCHED,), State.IN_PROGRESS),
    "resolve": Transition(
        gettext_lazy("办结"), (State.DISPATCHED, State.IN_PROGRESS), State.RESOLVED, True
    ),
    "verify": Transition(gettext_lazy("核实"), (State.RESOLVED,), State.VERIFIED),
    "close": Transition(gettext_lazy("关闭"), (State.VERIFIED,), State.CLOSED),
    "reopen": Transition(gettext_lazy("重新办理"), (State.VERIFIED,), State.IN_PROGRESS, True),
    "escalate": Transition(gettext_lazy("上报上级"), UNRESOLVED, None),
}
#: The timeline label of the step that opens a case.
REPORT_LABEL = gettext_lazy("上报")
ACTION_LABELS = {"report": REPORT_LABEL, **{k: t.label for k, t in TRANSITIONS.items()}}

#: The tier (Region.TIER) a user's scope region must reach to act on a case at each level.
LEVEL_TIER = {Level.COMMUNITY: 4, Level.STREET: 3, Level.DISTRICT: 2}
NEXT_LEVEL = {Level.COMMUNITY: Level.STREET, Level.STREET: Level.DISTRICT}


def stage_due(category, state, now):
    """The deadline of the stage a case enters: from the category's hours, None at the end."""
    hours = {
        State.REPORTED: category.accept_hours,
        State.ACCEPTED: category.dispatch_hours,
        State.DISPATCHED: category.resolve_hours,
        State.IN_PROGRESS: category.resolve_hours,
        State.RESOLVED: category.verify_hours,
    }.get(state)
    return now + timedelta(hours=hours) if hours is not None else None


# --- who may act ---------------------------------------------------------------------------


def user_tier(user):
    """How high the user's scope sits: 0 for superusers, else Region.TIER of their region."""
    if user.is_superuser:
        return 0
    region = user.scope_region
    return Region.TIER.get(region.level, 99) if region is not None else 99


def reach_refusal(case, user):
    """Why ``user`` may not act on ``case`` at all (permission, scope, level), or None."""
    if not scoping.can(user, Case, "change"):
        return _("您没有办理需求/问题的权限。")
    prefix = scoping.scope_prefix(user)
    if prefix is None or not case.grid.region.path.startswith(prefix):
        return _("该需求/问题不在您的管辖范围内。")
    if user_tier(user) > LEVEL_TIER[case.level]:
        return _("该需求/问题已上报至%(level)s层级，只能由%(level)s及以上的用户办理。") % {
            "level": case.get_level_display()
        }
    return None


def refusal(case, user, action):
    """Why ``user`` may not make ``action`` on ``case`` now, or None if they may."""
    transition = TRANSITIONS[action]
    if case.state not in transition.sources:
        return _("需求/问题当前状态为“%(state)s”，不能%(action)s。") % {
            "state": case.get_state_display(),
            "action": transition.label,
        }
    reason = reach_refusal(case, user)
    if reason:
        return reason
    if action == "escalate" and case.level not in NEXT_LEVEL:
        return _("需求/问题已在区级办理，不能再上报。")
    if action == "verify" and last_resolver_id(case) == user.pk:
        return _("办结人不能核实自己办结的需求/问题，请由上报人或其他工作人员核实。")
    return None


def last_resolver_id(case):
    return (
        case.steps.filter(action="resolve").order_by("-id").values_list("actor_id", flat=True)
    ).first()


def available_actions(case, user):
    """The transitions ``user`` may make on ``case`` now, in workflow order."""
    if reach_refusal(case, user):
        return []
    return [action for action in TRANSITIONS if refusal(case, user, action) is None]


# --- the reporter's contact ----------------------------------------------------------------

_PHONE = re.compile(r"\d{7,}")
_EMAIL = re.compile(r"([\w.+-])[\w.+-]*@")


def mask_contact(text):
    """A reporter's contact as lists show it: phone numbers ``138****0000``, e-mail local
    parts ``w***@example.com`` (DESIGN.md 5: phones are masked by default)."""
    text = _PHONE.sub(lambda m: validators.mask_mobile(m.group()), text or "")
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@", text)


# --- photos --------------------------------------------------------------------------------

#: Magic bytes of the image types accepted, checked on the content, not the name.
IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def sniff_image(head):
    """(content type, extension) of PNG, JPEG or WebP bytes, else None."""
    for signature, content_type, extension in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def check_photos(photos, field="photos"):
    """Each upload's type (by content) and size; raises ValidationError naming ``field``.
    Returns [(re-encoded file, content type, extension)]: decoded and written anew by Pillow
    (``portal.uploads.reencode_image``), so no EXIF/GPS or trailing bytes are stored."""
    from portal.uploads import UploadError, reencode_image

    photos = [p for p in photos if p]
    limit = getattr(settings, "CASE_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES)
    errors, checked = [], []
    if len(photos) > PHOTO_MAX_COUNT:
        errors.append(_("最多上传 %(count)d 张照片。") % {"count": PHOTO_MAX_COUNT})
    for upload in photos:
        name = getattr(upload, "name", "") or _("照片")
        if upload.size > limit:
            errors.append(
                _("照片“%(name)s”超过 %(size)s MB。")
                % {"name": name, "size": f"{limit / 1024 / 1024:g}"}
            )
            continue
        upload.seek(0)
        kind = sniff_image(upload.read(12))
        upload.seek(0)
        if kind is None:
            errors.append(_("“%(name)s”不是 PNG、JPEG 或 WebP 图片。") % {"name": name})
            continue
        try:
            checked.append(reencode_image(upload, max_bytes=limit))
        except UploadError as exc:
            errors.append(str(exc))
    if errors:
        raise ValidationError({field: errors})
    return checked


def _save_photos(case, user, checked):
    for upload, content_type, extension in checked:
        photo = CasePhoto(case=case, content_type=content_type, size=upload.size, uploaded_by=user)
        photo.image.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
        photo.save()


# --- notifications -----------------------------------------------------------------------


def region_role_users(region_ids, role):
    """Active users whose scope region is one of ``region_ids`` and who hold ``role``."""
    from portal.accounts.models import User

    return User.objects.filter(
        is_active=True, scope_region_id__in=region_ids, groups__name=role
    ).distinct()


def community_workers(grid):
    return region_role_users([grid.region_id], COMMUNITY_WORKER)


def _notify(users, case, kind, text, exclude=None):
    """An inbox message about ``case`` to each of ``users`` but ``exclude`` (the actor)."""
    notify(
        [u for u in users if exclude is None or u.pk != exclude.pk],
        kind,
        text,
        url=case.get_absolute_url(),
        source=case,
    )


def _notify_assignee(case, kind, text, exclude=None):
    users = [case.assignee_user] if case.assignee_user_id else community_workers(case.grid)
    _notify(users, case, kind, text, exclude=exclude)


# --- reporting -----------------------------------------------------------------------------


def _next_case_id():
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Case._meta.db_table])
        return cursor.fetchone()[0]


def case_number(pk, when):
    """A readable unique number: C + local report date + the row id, ``C20261130-000123``."""
    return f"C{timezone.localtime(when):%Y%m%d}-{pk:06d}"


def report(
    user,
    *,
    grid,
    category,
    title,
    description,
    source=Case.Source.UI,
    building=None,
    latitude=None,
    longitude=None,
    address="",
    reporter_member=None,
    reporter_name="",
    reporter_contact="",
    photos=(),
):
    """Open a case in ``grid``, reported by ``user`` (a grid worker, a member's account, an
    integration). Validated by ``Case.full_clean()``; photos by content type and size."""
    if not scoping.can(user, Case, "add"):
        raise TransitionError(_("您没有上报需求/问题的权限。"))
    if not scoping.restrict(Grid.objects.filter(pk=grid.pk), user).exists():
        raise TransitionError({"grid": [_("该网格不存在或不在您的管辖范围内。")]})
    if not category.active:
        raise TransitionError({"category": [_("类别“%(name)s”已停用。") % {"name": category}]})
    checked = check_photos(photos)
    now = timezone.now()
    with transaction.atomic():
        pk = _next_case_id()
        case = Case(
            id=pk,
            number=case_number(pk, now),
            grid=grid,
            category=category,
            title=title,
            description=description,
            source=source,
            building=building,
            latitude=latitude,
            longitude=longitude,
            address=address or "",
            reporter_user=user,
            reporter_member=reporter_member,
            reporter_name=reporter_name or "",
            reporter_contact=reporter_contact or "",
            due_at=stage_due(category, State.REPORTED, now),
        )
        case.full_clean(exclude=["number"])
        case.save(force_insert=True)
        CaseStep.objects.create(
            case=case, action="report", to_state=State.REPORTED, actor=user, due_at=case.due_at
        )
        _save_photos(case, user, checked)
        _notify(
            community_workers(grid),
            case,
            "case_reported",
            _("网格“%(grid)s”有新的需求/问题：%(number)s %(title)s")
            % {"grid": grid.name, "number": case.number, "title": title},
            exclude=user,
        )
    return case


# --- transitions ---------------------------------------------------------------------------


def _begin(case, user, action):
    """Lock the case's row, then check the action; returns the locked, fresh case."""
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("grid__region", "category")
        .get(pk=case.pk)
    )
    reason = refusal(locked, user, action)
    if reason:
        raise TransitionError(reason)
    return locked


def _finish(case, user, action, note, *, fields=(), to_state=None):
    """Move ``case`` to ``to_state`` (or keep its state), set the next deadline, clear the
    overdue flag, save and write the timeline step."""
    from_state = case.state
    now = timezone.now()
    if to_state is not None:
        case.state = to_state
    case.due_at = stage_due(case.category, case.state, now)
    case.overdue = False
    if case.state in (State.CLOSED, State.REJECTED):
        case.closed_at = now
    case.save(update_fields=["state", "due_at", "overdue", "closed_at", "updated_at", *fields])
    CaseStep.objects.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=case.state,
        actor=user,
        note=note or "",
        due_at=case.due_at,
    )
    return case


def _require_note(action, note):
    if TRANSITIONS[action].note_required and not (note or "").strip():
        raise TransitionError(
            {"note": [_("请填写%(action)s说明。") % {"action": TRANSITIONS[action].label}]}
        )


@transaction.atomic
def accept(case, user, *, note=""):
    case = _begin(case, user, "accept")
    return _finish(case, user, "accept", note, to_state=State.ACCEPTED)


@transaction.atomic
def reject(case, user, *, note=""):
    case = _begin(case, user, "reject")
    _require_note("reject", note)
    return _finish(case, user, "reject", note, to_state=State.REJECTED)


@transaction.atomic
def dispatch(case, user, *, organization=None, member=None, unit="", assignee_user=None, note=""):
    """Hand the case to an organisation, a member or a resident unit (驻区单位, by name),
    optionally with the user account that will follow it up."""
    case = _begin(case, user, "dispatch")
    unit = (unit or "").strip()
    errors = {}
    if organization is None and member is None and not unit:
        errors["organization"] = [_("请选择承办党组织、承办党员或填写承办驻区单位。")]
    if organization is not None and not scoping.in_scope(organization, user):
        errors["organization"] = [_("该党组织不存在或不在您的管辖范围内。")]
    if member is not None and not scoping.in_scope(member, user):
        errors["member"] = [_("该党员不存在或不在您的管辖范围内。")]
    if assignee_user is not None and (
        not assignee_user.is_active or reach_refusal(case, assignee_user)
    ):
        errors["assignee_user"] = [_("该账号不能办理此需求/问题（权限或管辖范围不符）。")]
    if errors:
        raise TransitionError(errors)
    case.assignee_organization = organization
    case.assignee_member = member
    case.assignee_unit = unit
    case.assignee_user = assignee_user
    fields = ("assignee_organization", "assignee_member", "assignee_unit", "assignee_user")
    _finish(case, user, "dispatch", note, fields=fields, to_state=State.DISPATCHED)
    _notify_assignee(
        case,
        "case_dispatched",
        _("需求/问题已派给您办理：%(number)s %(title)s")
        % {"number": case.number, "title": case.title},
        exclude=user,
    )
    return case


@transaction.atomic
def start(case, user, *, note=""):
    case = _begin(case, user, "start")
    return _finish(case, user, "start", note, to_state=State.IN_PROGRESS)


@transaction.atomic
def resolve(case, user, *, note="", photos=()):
    """Done: a note on what was done, photos as proof."""
    case = _begin(case, user, "resolve")
    _require_note("resolve", note)
    checked = check_photos(photos)
    _finish(case, user, "resolve", note, to_state=State.RESOLVED)
    _save_photos(case, user, checked)
    if case.reporter_user_id and case.reporter_user_id != user.pk:
        _notify(
            [case.reporter_user],
            case,
            "case_resolved",
            _("您上报的需求/问题已办结，请核实：%(number)s %(title)s")
            % {"number": case.number, "title": case.title},
        )
    return case


@transaction.atomic
def verify(case, user, *, note=""):
    case = _begin(case, user, "verify")
    return _finish(case, user, "verify", note, to_state=State.VERIFIED)


@transaction.atomic
def close(case, user, *, note=""):
    case = _begin(case, user, "close")
    return _finish(case, user, "close", note, to_state=State.CLOSED)


@transaction.atomic
def reopen(case, user, *, note=""):
    case = _begin(case, user, "reopen")
    _require_note("reopen", note)
    return _finish(case, user, "reopen", note, to_state=State.IN_PROGRESS)


@transaction.atomic
def escalate(case, user, *, note=""):
    """Up one level (community -> street -> district); the stage's deadline restarts."""
    case = _begin(case, user, "escalate")
    case.level = NEXT_LEVEL[case.level]
    fields = ["level"]
    if case.assignee_user_id and reach_refusal(case, case.assignee_user):
        case.assignee_user = None  # no longer able to act at the new level
        fields.append("assignee_user")
    _finish(case, user, "escalate", note, fields=fields)
    codes = case.grid.region.path.strip("/").split("/")
    if case.level == Level.STREET:
        role, regions = (
            STREET_OPERATOR,
            Region.objects.filter(
                code__in=codes,
                level__in=(Region.Level.STREET, Region.Level.TOWN, Region.Level.DEVELOPMENT_ZONE),
            ),
        )
    else:
        role, regions = (
            DISTRICT_ADMIN,
            Region.objects.filter(code__in=codes, level=Region.Level.DISTRICT),
        )
    _notify(
        region_role_users(regions.values("pk"), role),
        case,
        "case_escalated",
        _("需求/问题已上报至%(level)s：%(number)s %(title)s")
        % {"level": case.get_level_display(), "number": case.number, "title": case.title},
        exclude=user,
    )
    return case


#: The transition functions by action name, for views and API actions.
ACTIONS = {
    "accept": accept,
    "reject": reject,
    "dispatch": dispatch,
    "start": start,
    "resolve": resolve,
    "verify": verify,
    "close": close,
    "reopen": reopen,
    "escalate": escalate,
}
