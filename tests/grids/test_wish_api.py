"""``/api/v1/wishes/``: create (submitted for review), filters, transitions as POST actions
with the services' errors, the steps, ``updated_after`` + cursor, constant query counts, and
street B's token seeing none of A's wishes (404, nothing changed)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grids.models import Wish
from grids.services import wishes
from tests.grids.conftest import PNG_BYTES, wish_snapshot

URL = "/api/v1/wishes/"
#: token + user, permissions, count, the page (grid and members joined).
LIST_QUERIES = 4


def titles(response):
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def test_create_submits_a_wish_with_the_name_masked_on_read(api_for, users, grids, work):
    api = api_for(users["worker_a"])
    response = api.post(
        URL,
        {
            "grid": grids["grid_a"].code,
            "title": "一副老花镜",
            "beneficiary_name": "司马光",
            "beneficiary_contact": "13900001111",
            "submitted_by_member": grids["leader_a"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "submitted" and data["beneficiary"] == "司**"
    assert "beneficiary_name" not in data and "beneficiary_contact" not in data
    assert "司马光" not in response.content.decode()
    wish = Wish.objects.get(pk=data["id"])
    assert wish.number == data["number"] and wish.submitted_by == users["worker_a"]
    # Sent with a state, it is still submitted: only transitions move a wish.
    response = api.post(
        URL,
        {"grid": grids["grid_a"].pk, "title": "x", "beneficiary_name": "某", "state": "confirmed"},
        format="json",
    )
    assert response.json()["state"] == "submitted"


def test_wishes_are_not_edited_or_deleted_over_the_api(api_for, users, work):
    api = api_for(users["operator_a"])
    wish = work["wish_a"]
    before = wish_snapshot()
    assert api.patch(f"{URL}{wish.pk}/", {"title": "改"}, format="json").status_code == 405
    assert api.delete(f"{URL}{wish.pk}/").status_code == 405
    assert api.post(f"{URL}upsert/", {"number": wish.number}, format="json").status_code in (
        404,
        405,
    )
    assert wish_snapshot() == before


def test_transitions_as_actions(api_for, users, grids, work):
    wish = work["wish_a"]
    claimant = api_for(work["worker_a2"])
    response = claimant.post(
        f"{URL}{wish.pk}/claim/", {"member": grids["worker_a"].pk, "note": "我来"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "claimed"
    assert response.json()["claimed_by_member"]["id"] == grids["worker_a"].pk
    photo = SimpleUploadedFile("p.png", PNG_BYTES, content_type="image/png")
    response = claimant.post(
        f"{URL}{wish.pk}/fulfil/", {"note": "已送达", "photo": photo}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["has_photo"] is True
    response = api_for(users["worker_a"]).post(f"{URL}{wish.pk}/confirm/", {}, format="json")
    assert response.json()["state"] == "confirmed"
    steps = api_for(users["auditor"]).get(f"{URL}{wish.pk}/steps/").json()
    assert [(s["action"], s["actor"]) for s in steps] == [
        ("submit", "worker_a"),
        ("publish", "operator_a"),
        ("claim", "worker_a2"),
        ("fulfil", "worker_a2"),
        ("confirm", "worker_a"),
    ]


def test_review_and_withdraw_actions(api_for, users, grids, work):
    wish = wishes.submit(
        users["worker_a"], grid=grids["grid_a"], title="一把伞", beneficiary_name="某"
    )
    api = api_for(users["operator_a"])
    response = api.post(f"{URL}{wish.pk}/review/", {"approve": False}, format="json")
    assert response.status_code == 400
    assert response.json() == {"note": ["请说明不予发布的理由。"]}
    response = api.post(f"{URL}{wish.pk}/review/", {"approve": True}, format="json")
    assert response.json()["state"] == "published"
    response = api.post(f"{URL}{wish.pk}/withdraw/", {"note": "重复登记"}, format="json")
    assert response.json()["state"] == "withdrawn"


def test_illegal_transitions_answer_400_with_the_reason_and_change_nothing(
    api_for, users, grids, work
):
    wish = work["wish_a"]
    before = wish_snapshot()
    submitter = api_for(users["worker_a"])
    response = submitter.post(f"{URL}{wish.pk}/claim/", {"unit": "某单位"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["不能认领自己提交的心愿。"]}
    response = submitter.post(f"{URL}{wish.pk}/fulfil/", {"note": "x"}, format="json")
    assert response.json() == {
        "non_field_errors": ["只有已认领的心愿可以登记实现（当前：已发布）。"]
    }
    response = submitter.post(f"{URL}{wish.pk}/confirm/", {}, format="json")
    assert response.status_code == 400
    response = api_for(work["worker_a2"]).post(
        f"{URL}{wish.pk}/claim/", {"member": grids["worker_b"].pk}, format="json"
    )
    assert response.status_code == 400 and "member" in response.json()
    # A viewer may read but not act.
    response = api_for(users["auditor"]).post(
        f"{URL}{wish.pk}/claim/", {"unit": "x"}, format="json"
    )
    assert response.status_code == 403
    assert wish_snapshot() == before


@pytest.mark.parametrize("user_key", ["worker_b", "operator_b"])
def test_b_cannot_see_or_act_on_a_wishes(api_for, users, work, user_key):
    api = api_for(work.get(user_key) or users[user_key])
    wish = work["wish_a"]
    assert titles(api.get(URL)) == {"武康路小朋友要一套绘本"}
    assert titles(api.get(URL, {"q": "收音机"})) == set()
    assert titles(api.get(URL, {"region_within": "310104003"})) == set()
    before = wish_snapshot()
    assert api.get(f"{URL}{wish.pk}/").status_code == 404
    assert api.get(f"{URL}{wish.pk}/steps/").status_code == 404
    for name, body in (("claim", {"unit": "x"}), ("withdraw", {}), ("review", {"approve": True})):
        assert api.post(f"{URL}{wish.pk}/{name}/", body, format="json").status_code == 404
    assert wish_snapshot() == before


def test_filters_updated_after_and_cursor(api_for, users, grids, work):
    api = api_for(users["admin"])
    assert titles(api.get(URL, {"state": "published", "grid": grids["grid_b"].pk})) == {
        "武康路小朋友要一套绘本"
    }
    assert titles(api.get(URL, {"grid_code": "GA01"})) == {"给独居老人买一台收音机"}
    stamp = Wish.objects.get(pk=work["wish_b"].pk).updated_at
    wishes.claim(work["wish_a"], work["worker_a2"], unit="某单位")
    assert titles(api.get(URL, {"updated_after": stamp.isoformat()})) == {"给独居老人买一台收音机"}
    first = api.get(URL, {"sync": 1, "limit": 1}).json()
    assert len(first["results"]) == 1 and first["next"]
    second = api.get(first["next"]).json()
    assert {first["results"][0]["title"], second["results"][0]["title"]} == {
        "给独居老人买一台收音机",
        "武康路小朋友要一套绘本",
    }
    assert second["next"] is None


def test_the_list_runs_a_constant_number_of_queries(api_for, users, grids, work):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_for(users["admin"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(URL, {"limit": 100}).status_code == 200
        return len(queries)

    count()
    few = count()
    for i in range(10):
        wish = wishes.submit(
            users["worker_a"],
            grid=grids["grid_a"],
            title=f"心愿{i}",
            beneficiary_name="某人",
            submitted_by_member=grids["leader_a"],
        )
        wish = wishes.review(wish, users["operator_a"], approve=True)
        wishes.claim(wish, work["worker_a2"], member=grids["worker_a"])
    assert count() == few == LIST_QUERIES
