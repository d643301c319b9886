"""The micro-wish pages: the board (masked names, buttons by state and user, filters,
exports), the detail with its steps, the submit form and the transition pages; street B's
users see none of A's wishes (404 on every page, absent from lists, exports and search)."""

import csv
import io

import pytest

from grids.models import Wish, WishStep
from grids.services import wishes
from tests.grids.conftest import PNG_BYTES, wish_snapshot

#: session, user, the grid choices of the filter, count, page, and the permission checks.
BOARD_QUERIES = 8


def board(client, **params):
    response = client.get("/grids/wishes/", params)
    assert response.status_code == 200
    return response


def card_titles(response):
    return {card["wish"].title for card in response.context["cards"]}


def export_rows(client, **params):
    response = client.get("/grids/wishes/", {**params, "export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def test_the_board_masks_names_and_offers_the_buttons_of_each_state(client_for, users, work):
    html = board(client_for(work["worker_a2"])).content.decode()
    assert "给独居老人买一台收音机" in html
    assert "欧***" in html
    assert "欧阳晓梅" not in html and "13812345678" not in html
    assert 'data-action="claim"' in html
    # The submitter sees the wish but no claim button: nobody claims their own wish.
    html = board(client_for(users["worker_a"])).content.decode()
    assert "给独居老人买一台收音机" in html and 'data-action="claim"' not in html
    # A viewer (auditor) sees the board and no buttons at all.
    html = board(client_for(users["auditor"])).content.decode()
    assert "data-action=" not in html and "欧***" in html


def test_the_board_filters_by_state_and_grid(client_for, users, grids, work):
    client = client_for(users["admin"])
    assert card_titles(board(client)) == {"给独居老人买一台收音机", "武康路小朋友要一套绘本"}
    assert card_titles(board(client, grid=grids["grid_b"].pk)) == {"武康路小朋友要一套绘本"}
    wishes.claim(work["wish_a"], work["worker_a2"], unit="某单位")
    assert card_titles(board(client, state="published")) == {"武康路小朋友要一套绘本"}
    assert card_titles(board(client, state=["claimed", "fulfilled"])) == {"给独居老人买一台收音机"}
    assert card_titles(board(client, q="绘本")) == {"武康路小朋友要一套绘本"}


def test_exports_keep_the_names_masked(client_for, users, work):
    rows = export_rows(client_for(users["admin"]))
    assert rows[0][:4] == ["编号", "心愿", "所在网格", "心愿人"]
    assert {row[3] for row in rows[1:]} == {"欧***", "李**"}
    text = "\n".join(",".join(r) for r in rows)
    assert "欧阳晓梅" not in text and "李小明" not in text and "13812345678" not in text


def test_the_board_runs_a_constant_number_of_queries(client_for, users, grids, work):
    client = client_for(users["admin"])
    board(client)  # warm the session and permission caches

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            board(client)
        return len(queries)

    few = count()
    for i in range(12):
        wish = wishes.submit(
            users["worker_a"], grid=grids["grid_a"], title=f"心愿{i}", beneficiary_name="某人"
        )
        wish = wishes.review(wish, users["operator_a"], approve=True)
        if i % 2:
            wishes.claim(wish, work["worker_a2"], member=grids["worker_a"])
    assert count() == few == BOARD_QUERIES


def test_submit_form_creates_a_wish_waiting_for_review(client_for, users, grids, work):
    client = client_for(users["worker_a"])
    assert client.get("/grids/wishes/add/").status_code == 200
    response = client.post(
        "/grids/wishes/add/",
        {
            "grid": grids["grid_a"].pk,
            "title": "换一个灯泡",
            "beneficiary_name": "孙大娘",
            "beneficiary_contact": "021-64000000",
            "submitted_by_member": grids["leader_a"].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    wish = Wish.objects.get(title="换一个灯泡")
    assert response["Location"] == f"/grids/wishes/{wish.pk}/"
    assert (wish.state, wish.submitted_by, wish.submitted_by_member) == (
        Wish.State.SUBMITTED,
        users["worker_a"],
        grids["leader_a"],
    )
    assert list(wish.steps.values_list("action", flat=True)) == ["submit"]
    # B's grid is not a valid choice for A's worker.
    before = wish_snapshot()
    response = client.post(
        "/grids/wishes/add/",
        {"grid": grids["grid_b"].pk, "title": "x", "beneficiary_name": "某人"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"grid"}
    assert wish_snapshot() == before


def test_detail_shows_the_steps_and_the_actions(client_for, users, work):
    wish = work["wish_a"]
    response = client_for(work["worker_a2"]).get(f"/grids/wishes/{wish.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "欧***" in html and "138****5678" in html and "欧阳晓梅" not in html
    assert [s.label for s in response.context["steps"]] == ["登记", "审核发布"]
    assert [a["name"] for a in response.context["actions"]] == ["claim", "withdraw"]
    assert client_for(users["admin"]).get(f"/grids/wishes/{wish.pk}/history/").status_code == 200


def test_claim_and_fulfil_through_the_pages(client_for, users, grids, work):
    wish = work["wish_a"]
    client = client_for(work["worker_a2"])
    assert client.get(f"/grids/wishes/{wish.pk}/claim/").status_code == 200
    response = client.post(f"/grids/wishes/{wish.pk}/claim/", {"member": grids["worker_a"].pk})
    assert response.status_code == 302
    wish.refresh_from_db()
    assert (wish.state, wish.claimed_by_member) == (Wish.State.CLAIMED, grids["worker_a"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("p.png", PNG_BYTES, content_type="image/png")
    response = client.post(
        f"/grids/wishes/{wish.pk}/fulfil/", {"note": "收音机已送到", "photo": photo}
    )
    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.state == Wish.State.FULFILLED
    photo_page = client.get(f"/grids/wishes/{wish.pk}/photo/")
    assert photo_page.status_code == 200
    assert b"".join(photo_page.streaming_content).startswith(PNG_BYTES[:8])
    response = client_for(users["worker_a"]).post(f"/grids/wishes/{wish.pk}/confirm/", {})
    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.state == Wish.State.CONFIRMED


def test_an_illegal_transition_on_a_page_shows_the_reason_and_changes_nothing(
    client_for, users, work
):
    wish = work["wish_a"]
    before = wish_snapshot()
    client = client_for(users["worker_a"])
    response = client.post(f"/grids/wishes/{wish.pk}/claim/", {"unit": "某单位"})
    assert response.status_code == 400
    assert "不能认领自己提交的心愿。" in response.content.decode()
    response = client.post(f"/grids/wishes/{wish.pk}/fulfil/", {"note": "x"})
    assert response.status_code == 400
    assert "只有已认领的心愿可以登记实现" in response.content.decode()
    assert wish_snapshot() == before


# --- scope -----------------------------------------------------------------------------


@pytest.mark.parametrize("user_key", ["worker_b", "operator_b"])
def test_b_sees_none_of_a_wishes(client_for, users, work, user_key):
    user = work.get(user_key) or users[user_key]
    client = client_for(user)
    wish = work["wish_a"]
    assert card_titles(board(client)) == {"武康路小朋友要一套绘本"}
    assert card_titles(board(client, q="收音机")) == set()
    assert [row[1] for row in export_rows(client)[1:]] == ["武康路小朋友要一套绘本"]
    before = wish_snapshot()
    for page in ("", "history/", "edit/", "delete/", "claim/", "withdraw/", "photo/"):
        assert client.get(f"/grids/wishes/{wish.pk}/{page}").status_code in (403, 404), page
    assert client.get(f"/grids/wishes/{wish.pk}/").status_code == 404
    assert client.post(f"/grids/wishes/{wish.pk}/claim/", {"unit": "某单位"}).status_code == 404
    assert client.post(f"/grids/wishes/{wish.pk}/withdraw/", {}).status_code == 404
    assert client.get("/autocomplete/grids.wish/", {"q": "收音机"}).json()["results"] == []
    assert wish_snapshot() == before
    assert not WishStep.objects.filter(wish=wish, actor=user).exists()
