"""The micro-wish state machine (issue 5, item 3): each legal path writes its steps and tells
who should know; each illegal transition is refused with a clear message and changes
nothing; unfulfilled claims are released after the claim period (frozen clock)."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from grids.models import Wish
from grids.services import TransitionError, wishes
from grids.work_tasks import release_expired_wish_claims
from portal.inbox.models import InboxItem
from tests.grids.conftest import PNG_BYTES, wish_snapshot

State = Wish.State


def steps(wish):
    return list(wish.steps.order_by("id").values_list("action", "from_state", "to_state"))


def about_wishes(**filters):
    return InboxItem.objects.filter(content_type=ContentType.objects.get_for_model(Wish), **filters)


def inbox(user):
    """(kind, wish id) of the user's inbox messages about wishes, oldest first."""
    return list(about_wishes(user=user).order_by("id").values_list("kind", "object_id"))


def test_the_whole_path_writes_every_step_and_tells_who_should_know(users, grids, work):
    worker_a, worker_a2, operator = users["worker_a"], work["worker_a2"], users["operator_a"]
    wish = wishes.submit(
        worker_a,
        grid=grids["grid_a"],
        title="修一辆轮椅",
        beneficiary_name="张三丰",
        submitted_by_member=grids["leader_a"],
    )
    assert wish.state == State.SUBMITTED
    assert wish.number.startswith("W") and wish.number.endswith(f"{wish.pk:07d}")
    assert wish.submitted_by == worker_a
    assert wish.beneficiary_masked == "张**"

    wish = wishes.review(wish, operator, approve=True, note="情况属实")
    now = timezone.now()
    wish = wishes.claim(wish, worker_a2, member=grids["worker_a"], note="周末送去", now=now)
    assert wish.claimed_by_member == grids["worker_a"]
    assert wish.claimed_by_user == worker_a2
    assert wish.claim_expires_at == now + timedelta(days=14)
    photo = SimpleUploadedFile("proof.png", PNG_BYTES, content_type="image/png")
    wish = wishes.fulfil(wish, worker_a2, note="已送到老人家中", photo=photo)
    assert wish.proof_note == "已送到老人家中"
    assert wish.proof_photo.name.endswith(f"{wish.number}-proof.png")
    wish = wishes.confirm(wish, worker_a, note="老人很满意")
    assert wish.state == State.CONFIRMED and wish.confirmed_at is not None

    assert steps(wish) == [
        ("submit", "", State.SUBMITTED),
        ("publish", State.SUBMITTED, State.PUBLISHED),
        ("claim", State.PUBLISHED, State.CLAIMED),
        ("fulfil", State.CLAIMED, State.FULFILLED),
        ("confirm", State.FULFILLED, State.CONFIRMED),
    ]
    actors = list(wish.steps.order_by("id").values_list("actor__username", "note"))
    assert actors == [
        ("worker_a", ""),
        ("operator_a", "情况属实"),
        ("worker_a2", "周末送去"),
        ("worker_a2", "已送到老人家中"),
        ("worker_a", "老人很满意"),
    ]
    # The submitter hears of the review, the claim and the delivery; the claimant of the
    # confirmation (the fixture's wish_a is the submitter's too).
    assert [k for k, w in inbox(worker_a) if w == wish.pk] == [
        "wish_reviewed",
        "wish_claimed",
        "wish_fulfilled",
    ]
    assert inbox(worker_a2) == [("wish_confirmed", wish.pk)]


def test_rejection_needs_a_reason_and_tells_the_submitter(users, grids, work):
    wish = wishes.submit(
        users["worker_a"], grid=grids["grid_a"], title="要一部手机", beneficiary_name="王五"
    )
    before = wish_snapshot()
    with pytest.raises(TransitionError) as error:
        wishes.review(wish, users["operator_a"], approve=False)
    assert error.value.message_dict == {"note": ["请说明不予发布的理由。"]}
    assert wish_snapshot() == before
    wish = wishes.review(wish, users["operator_a"], approve=False, note="不属于微心愿范围")
    assert wish.state == State.REJECTED
    assert steps(wish)[-1] == ("reject", State.SUBMITTED, State.REJECTED)
    text = about_wishes(user=users["worker_a"], object_id=wish.pk).get().title
    assert "不属于微心愿范围" in text


def test_a_claimed_wish_withdrawn_tells_the_claimant(users, grids, work):
    wish = wishes.claim(work["wish_a"], work["worker_a2"], unit="徐汇区图书馆")
    assert wish.claimed_by_unit == "徐汇区图书馆" and wish.claimed_by_member is None
    wish = wishes.withdraw(wish, users["worker_a"], note="老人已搬走")
    assert wish.state == State.WITHDRAWN
    assert steps(wish)[-1] == ("withdraw", State.CLAIMED, State.WITHDRAWN)
    assert inbox(work["worker_a2"]) == [("wish_withdrawn", wish.pk)]


# --- illegal transitions: a clear error, nothing changed ------------------------------------


def refused(call, message):
    before = wish_snapshot()
    with pytest.raises(TransitionError) as error:
        call()
    assert message in " ".join(error.value.messages)
    assert wish_snapshot() == before


def test_the_submitting_user_cannot_claim_their_own_wish(users, work):
    refused(
        lambda: wishes.claim(work["wish_a"], users["worker_a"], unit="某单位"),
        "不能认领自己提交的心愿。",
    )


def test_the_submitting_member_cannot_claim_the_wish(grids, work):
    refused(
        lambda: wishes.claim(work["wish_a"], work["worker_a2"], member=grids["leader_a"]),
        "不能认领自己提交的心愿。",
    )


def test_the_submitter_cannot_review_their_own_wish(users, grids, work):
    wish = wishes.submit(
        users["worker_a"], grid=grids["grid_a"], title="一台电扇", beneficiary_name="赵六"
    )
    refused(lambda: wishes.review(wish, users["worker_a"], approve=True), "提交人以外")


def test_an_unclaimed_wish_cannot_be_fulfilled(work):
    refused(
        lambda: wishes.fulfil(work["wish_a"], work["worker_a2"], note="送到了"),
        "只有已认领的心愿可以登记实现（当前：已发布）。",
    )


def test_a_wish_cannot_be_confirmed_before_it_is_fulfilled(users, work):
    wish = wishes.claim(work["wish_a"], work["worker_a2"], unit="某单位")
    refused(
        lambda: wishes.confirm(wish, users["worker_a"]),
        "只有已实现的心愿可以确认（当前：已认领）。",
    )


def test_a_claimed_wish_cannot_be_claimed_again(users, grids, work):
    wish = wishes.claim(work["wish_a"], work["worker_a2"], unit="某单位")
    refused(
        lambda: wishes.claim(wish, users["operator_a"], member=grids["worker_a"]),
        "只有已发布的心愿可以认领（当前：已认领）。",
    )


def test_the_claimant_cannot_confirm_their_own_delivery(users, work):
    wish = wishes.claim(work["wish_a"], work["worker_a2"], unit="某单位")
    wish = wishes.fulfil(wish, users["operator_a"], note="已送达")
    refused(lambda: wishes.confirm(wish, work["worker_a2"]), "不能确认自己")
    refused(lambda: wishes.confirm(wish, users["operator_a"]), "不能确认自己")


def test_fulfilment_needs_a_note_and_a_real_image(work):
    wish = wishes.claim(work["wish_a"], work["worker_a2"], unit="某单位")
    refused(lambda: wishes.fulfil(wish, work["worker_a2"], note="  "), "请填写心愿实现情况。")
    fake = SimpleUploadedFile("proof.png", b"<html>not an image</html>", content_type="image/png")
    refused(
        lambda: wishes.fulfil(wish, work["worker_a2"], note="送到了", photo=fake),
        "照片应为 PNG、JPEG 或 WebP 图片。",
    )
    huge = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024))
    refused(
        lambda: wishes.fulfil(wish, work["worker_a2"], note="送到了", photo=huge),
        "照片不能超过 5 MB。",
    )


def test_a_claim_names_a_member_or_a_unit(grids, work):
    refused(lambda: wishes.claim(work["wish_a"], work["worker_a2"]), "二选一")
    refused(
        lambda: wishes.claim(
            work["wish_a"], work["worker_a2"], member=grids["worker_a"], unit="某单位"
        ),
        "二选一",
    )


def test_finished_wishes_cannot_be_withdrawn(users, work):
    wish = wishes.claim(work["wish_a"], work["worker_a2"], unit="某单位")
    wish = wishes.fulfil(wish, work["worker_a2"], note="已送达")
    refused(lambda: wishes.withdraw(wish, users["worker_a"]), "心愿当前为“已实现”，不能撤回。")


# --- scope ---------------------------------------------------------------------------------


def test_b_cannot_act_on_a_wish_of_a_and_nothing_changes(users, work):
    before = wish_snapshot()
    for user in (work["worker_b"], users["operator_b"]):
        with pytest.raises(Http404):
            wishes.claim(work["wish_a"], user, unit="湖南路的单位")
        with pytest.raises(Http404):
            wishes.withdraw(work["wish_a"], user)
    assert wish_snapshot() == before


def test_a_cannot_claim_for_a_member_of_b(grids, work):
    refused(
        lambda: wishes.claim(work["wish_a"], work["worker_a2"], member=grids["worker_b"]),
        "不存在或不在您的管辖范围内",
    )


def test_a_viewer_cannot_act_and_cannot_submit(users, grids, work):
    before = wish_snapshot()
    with pytest.raises(PermissionDenied):
        wishes.claim(work["wish_a"], users["auditor"], unit="某单位")
    with pytest.raises(PermissionDenied):
        wishes.submit(users["auditor"], grid=grids["grid_a"], title="x", beneficiary_name="某人")
    assert wish_snapshot() == before


def test_nobody_submits_for_a_grid_out_of_scope(grids, work):
    before = wish_snapshot()
    with pytest.raises(TransitionError) as error:
        wishes.submit(work["worker_b"], grid=grids["grid_a"], title="x", beneficiary_name="某人")
    assert "网格" in error.value.message_dict["grid"][0]
    assert wish_snapshot() == before


# --- release of expired claims (frozen clock) ------------------------------------------------


def test_expired_claims_are_released_exactly(users, grids, work, settings):
    settings.WISH_CLAIM_DAYS = 7
    start = timezone.now() - timedelta(days=30)
    expired = wishes.claim(work["wish_a"], work["worker_a2"], unit="某单位", now=start)
    assert expired.claim_expires_at == start + timedelta(days=7)
    fresh = wishes.claim(
        work["wish_b"], users["operator_b"], unit="某单位", now=start + timedelta(days=3)
    )
    frozen = start + timedelta(days=8)  # past the first claim's expiry, before the second's
    delivered = wishes.submit(
        users["worker_a"], grid=grids["grid_a"], title="书", beneficiary_name="钱七"
    )
    delivered = wishes.review(delivered, users["operator_a"], approve=True)
    delivered = wishes.claim(delivered, work["worker_a2"], unit="某单位", now=start)
    delivered = wishes.fulfil(delivered, work["worker_a2"], note="已送达")

    assert wishes.release_expired_claims(now=frozen) == 1
    expired.refresh_from_db()
    assert expired.state == State.PUBLISHED
    assert (expired.claimed_by_user, expired.claimed_by_unit, expired.claim_expires_at) == (
        None,
        "",
        None,
    )
    assert steps(expired)[-1] == ("release", State.CLAIMED, State.PUBLISHED)
    assert "7 天" in expired.steps.order_by("id").last().note
    fresh.refresh_from_db()
    delivered.refresh_from_db()
    assert (fresh.state, delivered.state) == (State.CLAIMED, State.FULFILLED)
    assert ("wish_released", expired.pk) in inbox(work["worker_a2"])
    # A second run finds nothing; the task (as beat calls it, with an ISO time) agrees.
    assert wishes.release_expired_claims(now=frozen) == 0
    later = (start + timedelta(days=11)).isoformat()
    assert release_expired_wish_claims.delay(later).get() == 1
    fresh.refresh_from_db()
    assert fresh.state == State.PUBLISHED
