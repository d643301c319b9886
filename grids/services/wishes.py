"""Micro-wish (微心愿) transitions: the only code that changes a wish's state.

submitted -> published | rejected (review) -> claimed (a member or a resident unit) ->
fulfilled (a proof note, optionally a photo) -> confirmed; submitted, published and claimed
wishes may be withdrawn; a claim not fulfilled within ``WISH_CLAIM_DAYS`` (setting, 14 days
by default) is released back to published by ``release_expired_claims`` (a Celery beat task,
grids/work_tasks.py).

Who may do what (every transition also needs ``grids.change_wish`` and the wish in the
user's scope; a wish out of scope is 404, as everywhere):

- submit: a user with ``grids.add_wish`` for a grid in scope, optionally naming the member who
  brought the wish (``submitted_by_member``).
- review: not the submitting user (four eyes: a wish goes public only when a second person,
  a colleague of the community or the street, has read it). A rejection needs a reason.
- claim: never by the submitter, neither the submitting user nor the submitting member; the
  claiming member must be one the user may see.
- fulfil: anyone in scope (the claimant, or the grid worker recording it for them); a proof
  note is required, a photo optional (PNG/JPEG/WebP by magic bytes, at most 5 MB).
- confirm: a grid worker or the submitter, but not the user who claimed the wish or recorded
  its fulfilment (nobody confirms their own delivery).
- withdraw: anyone in scope, from submitted, published or claimed (the claimant is told).

Each transition locks the row (``select_for_update``), checks the state (``TransitionError``
with a clear message; nothing changes), writes a ``WishStep`` and notifies whoever should
know (the submitter when the wish is reviewed, claimed or fulfilled; the claimant when it is
confirmed, withdrawn or released).
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Wish, WishStep
from grids.services import TransitionError
from portal import scoping
from portal.inbox import services as inbox

DEFAULT_CLAIM_DAYS = 14
PHOTO_MAX_BYTES = 5 * 1024 * 1024

State = Wish.State


def claim_days():
    return getattr(settings, "WISH_CLAIM_DAYS", DEFAULT_CLAIM_DAYS)


# --- checks ------------------------------------------------------------------------------


def check_photo(upload):
    """(content type, extension) of an uploaded proof photo, judged by its first bytes (not
    its name or the browser's claim) as case photos are; a clear error for anything else or
    anything larger than 5 MB."""
    from grids.services.cases import sniff_image

    if upload.size > PHOTO_MAX_BYTES:
        raise TransitionError({"photo": [_("照片不能超过 5 MB。")]})
    upload.seek(0)
    kind = sniff_image(upload.read(12))
    upload.seek(0)
    if kind is None:
        raise TransitionError({"photo": [_("照片应为 PNG、JPEG 或 WebP 图片。")]})
    return kind


def clean_photo(upload):
    """``(file, content type, extension)``: the checked photo re-encoded by Pillow (no EXIF,
    GPS or trailing bytes kept; ``portal.uploads.reencode_image``)."""
    from portal.uploads import UploadError, reencode_image

    check_photo(upload)
    try:
        return reencode_image(upload, max_bytes=PHOTO_MAX_BYTES)
    except UploadError as exc:
        raise TransitionError({"photo": [str(exc)]}) from None


def _require_state(wish, allowed, message):
    if wish.state not in allowed:
        raise TransitionError(message % {"state": wish.get_state_display()})


def _in_scope_or_error(obj, user, field, label):
    if obj is not None and not scoping.in_scope(obj, user):
        raise TransitionError(
            {
                field: [
                    _("%(label)s“%(object)s”不存在或不在您的管辖范围内。")
                    % {
                        "label": label,
                        "object": obj,
                    }
                ]
            }
        )


def _locked(wish, user):
    """The wish re-read under a row lock, if ``user`` may act on it: 404 when it is out of
    their scope, 403 when their roles do not let them handle wishes at all."""
    if not scoping.can(user, Wish, "change"):
        raise PermissionDenied(_("您没有办理微心愿的权限。"))
    rows = scoping.restrict(Wish.objects.select_for_update(of=("self",)), user, "change")
    locked = rows.filter(pk=wish.pk).first()
    if locked is None:
        raise Http404
    return locked


def _notify(wish, recipients, kind, text, actor):
    """One inbox message per recipient (users; None and the actor themself are skipped)."""
    users = [u for u in recipients if u is not None and u != getattr(actor, "pk", None)]
    inbox.notify(users, kind, text, url=wish.get_absolute_url(), source=wish)


def _step(wish, user, action, from_state, note=""):
    return WishStep.objects.create(
        wish=wish,
        action=action,
        from_state=from_state,
        to_state=wish.state,
        actor=user if user is not None and user.is_authenticated else None,
        note=note,
    )


def _move(wish, user, action, to_state, note="", **fields):
    from_state = wish.state
    wish.state = to_state
    for name, value in fields.items():
        setattr(wish, name, value)
    wish.save()
    _step(wish, user, action, from_state, note)
    return wish


def _number(pk, today):
    return f"W{today:%Y%m}{pk:07d}"


def reserve_ids(count):
    """``count`` fresh primary keys of the wish table (its identity sequence), so a wish's
    number (derived from its pk) is written with the row in one INSERT."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Wish._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


# --- transitions ---------------------------------------------------------------------------


@transaction.atomic
def submit(
    user,
    *,
    grid,
    title,
    beneficiary_name,
    description="",
    beneficiary_contact="",
    submitted_by_member=None,
    note="",
):
    """A new wish, waiting for review."""
    if not scoping.can(user, Wish, "add"):
        raise PermissionDenied(_("您没有登记微心愿的权限。"))
    _in_scope_or_error(grid, user, "grid", _("网格"))
    _in_scope_or_error(submitted_by_member, user, "submitted_by_member", _("党员"))
    wish = Wish(
        grid=grid,
        title=title,
        description=description,
        beneficiary_name=beneficiary_name,
        beneficiary_contact=beneficiary_contact,
        submitted_by=user,
        submitted_by_member=submitted_by_member,
    )
    wish.full_clean(exclude=["number"])
    wish.pk = reserve_ids(1)[0]
    wish.number = _number(wish.pk, timezone.localdate())
    wish.save(force_insert=True)
    scoping.ensure_in_scope(wish, user, "add")
    _step(wish, user, "submit", "", note)
    return wish


@transaction.atomic
def review(wish, user, *, approve, note=""):
    """Publish the wish on the board, or reject it (with a reason)."""
    wish = _locked(wish, user)
    _require_state(wish, {State.SUBMITTED}, _("只有待审核的心愿可以审核（当前：%(state)s）。"))
    if wish.submitted_by_id == user.pk:
        raise TransitionError(_("心愿须由提交人以外的人员审核。"))
    note = (note or "").strip()
    if approve:
        _move(wish, user, "publish", State.PUBLISHED, note)
        text = _("您提交的微心愿“%(title)s”已审核发布。")
    else:
        if not note:
            raise TransitionError({"note": [_("请说明不予发布的理由。")]})
        _move(wish, user, "reject", State.REJECTED, note)
        text = _("您提交的微心愿“%(title)s”未通过审核：%(note)s")
    _notify(
        wish,
        [wish.submitted_by_id],
        "wish_reviewed",
        text % {"title": wish.title, "note": note},
        user,
    )
    return wish


@transaction.atomic
def claim(wish, user, *, member=None, unit="", note="", now=None):
    """A member (``member``) or a resident unit (``unit``, its name) takes the wish on; the
    claim holds for ``claim_days()`` days."""
    wish = _locked(wish, user)
    _require_state(wish, {State.PUBLISHED}, _("只有已发布的心愿可以认领（当前：%(state)s）。"))
    unit = (unit or "").strip()
    if (member is None) == (not unit):
        raise TransitionError({"member": [_("请选择认领党员或填写认领单位（二选一）。")]})
    _in_scope_or_error(member, user, "member", _("党员"))
    if wish.submitted_by_id == user.pk or (
        member is not None and member.pk == wish.submitted_by_member_id
    ):
        raise TransitionError(_("不能认领自己提交的心愿。"))
    now = now or timezone.now()
    _move(
        wish,
        user,
        "claim",
        State.CLAIMED,
        note,
        claimed_by_member=member,
        claimed_by_unit=unit,
        claimed_by_user=user,
        claimed_at=now,
        claim_expires_at=now + timedelta(days=claim_days()),
    )
    who = member.name if member is not None else unit
    text = _("您提交的微心愿“%(title)s”已由%(who)s认领。") % {"title": wish.title, "who": who}
    _notify(wish, [wish.submitted_by_id], "wish_claimed", text, user)
    return wish


@transaction.atomic
def fulfil(wish, user, *, note, photo=None):
    """The claimant delivered: a proof note (required) and optionally a photo."""
    wish = _locked(wish, user)
    _require_state(wish, {State.CLAIMED}, _("只有已认领的心愿可以登记实现（当前：%(state)s）。"))
    note = (note or "").strip()
    if not note:
        raise TransitionError({"note": [_("请填写心愿实现情况。")]})
    fields = {"fulfilled_at": timezone.now(), "proof_note": note}
    if photo:
        photo, _content_type, extension = clean_photo(photo)
        wish.proof_photo.save(f"{wish.number}-proof.{extension}", photo, save=False)
    _move(wish, user, "fulfil", State.FULFILLED, note, **fields)
    text = _("您提交的微心愿“%(title)s”已实现，请确认。") % {"title": wish.title}
    _notify(wish, [wish.submitted_by_id], "wish_fulfilled", text, user)
    return wish


@transaction.atomic
def confirm(wish, user, *, note=""):
    """The grid (or the submitter) confirms the delivery."""
    wish = _locked(wish, user)
    _require_state(wish, {State.FULFILLED}, _("只有已实现的心愿可以确认（当前：%(state)s）。"))
    fulfilled_by = (
        wish.steps.filter(action="fulfil")
        .order_by("-created_at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )
    if user.pk in (wish.claimed_by_user_id, fulfilled_by):
        raise TransitionError(_("认领人或登记实现的人员不能确认自己的心愿实现情况。"))
    _move(wish, user, "confirm", State.CONFIRMED, note, confirmed_at=timezone.now())
    text = _("您认领的微心愿“%(title)s”已确认实现，谢谢！") % {"title": wish.title}
    _notify(wish, [wish.claimed_by_user_id], "wish_confirmed", text, user)
    return wish


@transaction.atomic
def withdraw(wish, user, *, note=""):
    wish = _locked(wish, user)
    _require_state(
        wish,
        {State.SUBMITTED, State.PUBLISHED, State.CLAIMED},
        _("心愿当前为“%(state)s”，不能撤回。"),
    )
    claimant = wish.claimed_by_user_id if wish.state == State.CLAIMED else None
    _move(wish, user, "withdraw", State.WITHDRAWN, note, claim_expires_at=None)
    text = _("您认领的微心愿“%(title)s”已撤回。") % {"title": wish.title}
    _notify(wish, [claimant], "wish_withdrawn", text, user)
    return wish


def release_expired_claims(now=None):
    """Claims not fulfilled by their expiry go back to the board (published), each with a
    step and a note to the claimant. Rows locked by a transition in flight are skipped (the
    next run takes them). Returns how many were released."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = list(
            Wish.objects.select_for_update(skip_locked=True)
            .filter(state=State.CLAIMED, claim_expires_at__lt=now)
            .values_list("pk", "title", "claimed_by_user_id")
        )
        if not expired:
            return 0
        Wish.objects.filter(pk__in=[pk for pk, _t, _u in expired]).update(
            state=State.PUBLISHED,
            claimed_by_member=None,
            claimed_by_unit="",
            claimed_by_user=None,
            claimed_at=None,
            claim_expires_at=None,
            updated_at=timezone.now(),
        )
        note = _("认领超过 %(days)s 天未实现，自动释放，重新发布。") % {"days": claim_days()}
        WishStep.objects.bulk_create(
            WishStep(
                wish_id=pk,
                action="release",
                from_state=State.CLAIMED,
                to_state=State.PUBLISHED,
                note=note,
            )
            for pk, _t, _u in expired
        )
        inbox.deliver(
            inbox.item(
                user_id,
                "wish_released",
                _("您认领的微心愿“%(title)s”超期未实现，已释放。") % {"title": title},
                url=reverse("grids:wish_detail", args=[pk]),
                source=(Wish, pk),
            )
            for pk, title, user_id in expired
            if user_id is not None
        )
    return len(expired)


def apply(transition, wish, user, data):
    """Run ``transition`` (its name) with the cleaned data of a form or serializer."""
    note = data.get("note", "")
    if transition == "review":
        return review(wish, user, approve=data["approve"], note=note)
    if transition == "claim":
        return claim(wish, user, member=data.get("member"), unit=data.get("unit", ""), note=note)
    if transition == "fulfil":
        return fulfil(wish, user, note=note, photo=data.get("photo"))
    if transition == "confirm":
        return confirm(wish, user, note=note)
    if transition == "withdraw":
        return withdraw(wish, user, note=note)
    raise ValueError(f"unknown wish transition {transition!r}")


#: The actions a user may take on a wish in its state (pages and API show these buttons).
ACTIONS = {
    State.SUBMITTED: ("review", "withdraw"),
    State.PUBLISHED: ("claim", "withdraw"),
    State.CLAIMED: ("fulfil", "withdraw"),
    State.FULFILLED: ("confirm",),
}


def available_actions(wish, user):
    """The transitions ``user`` may try on ``wish`` now (the services still decide)."""
    if not scoping.can(user, Wish, "change"):
        return []
    actions = list(ACTIONS.get(wish.state, ()))
    if "review" in actions and wish.submitted_by_id == user.pk:
        actions.remove("review")
    if "claim" in actions and wish.submitted_by_id == user.pk:
        actions.remove("claim")
    if "confirm" in actions and wish.claimed_by_user_id == user.pk:
        actions.remove("confirm")
    return actions
