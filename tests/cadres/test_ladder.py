"""The ladder (三档十八级): legal promotions, each illegal one refused with a field error and
nothing written, scope and role, and the eligibility report."""

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cadres import services
from cadres.models import Certificate, CommunityWorker, GradeChange, LadderRule
from tests.cadres.conftest import make_worker

TODAY = date(2026, 7, 15)


def promote_url(worker):
    return f"/api/v1/community-workers/{worker.pk}/promote/"


def unchanged(worker):
    fresh = CommunityWorker.objects.get(pk=worker.pk)
    return (fresh.tier, fresh.grade, fresh.current_since) == (
        worker.tier,
        worker.grade,
        worker.current_since,
    ) and not GradeChange.objects.filter(worker=worker).exists()


def test_one_step_up(users, api_for, workers):
    chen = workers["chen"]
    response = api_for(users["operator_a"]).post(
        promote_url(chen),
        {"to_tier": 3, "to_grade": 7, "effective_on": "2026-07-01", "reason": "考核合格"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["from_grade"], body["to_grade"], body["approved_by"]) == (6, 7, "operator_a")
    chen.refresh_from_db()
    assert (chen.tier, chen.grade, chen.current_since) == (3, 7, date(2026, 7, 1))
    # The next step must wait two years at grade 7.
    with pytest.raises(ValidationError) as error:
        services.promote(chen, 3, 8, TODAY, "", users["operator_a"])
    assert "effective_on" in error.value.message_dict


@pytest.mark.parametrize(
    ("worker_key", "data", "field", "words"),
    [
        ("chen", {"to_tier": 3, "to_grade": 8}, "to_grade", "每次只能晋升一级"),
        ("liu", {"to_tier": 3, "to_grade": 7}, "effective_on", "任现级须满 2 年"),
        ("sun", {"to_tier": 3, "to_grade": 7}, "to_grade", "助理社会工作师"),
        ("chen", {"to_tier": 1, "to_grade": 7}, "to_tier", "不属于一档"),
        ("chen", {"to_tier": 3, "to_grade": 13}, "to_grade", "1–12"),
        ("chen", {"to_tier": 3, "to_grade": 5}, "reason", "降级须说明事由"),
        ("chen", {"to_tier": 3, "to_grade": 6}, "to_grade", "无需调整"),
        (
            "chen",
            {"to_tier": 3, "to_grade": 7, "effective_on": "2026-08-01"},
            "effective_on",
            "晚于今天",
        ),
        (
            "chen",
            {"to_tier": 3, "to_grade": 7, "effective_on": "2022-12-31"},
            "effective_on",
            "早于现级起始",
        ),
        (
            "chen",
            {"to_tier": 3, "to_grade": 8, "exception": "commendation"},
            "reason",
            "例外情形须说明事由",
        ),
        ("chen", {"to_tier": 4, "to_grade": 7}, "to_tier", "没有晋级规则"),
    ],
)
def test_illegal_promotions(users, api_for, workers, worker_key, data, field, words):
    worker = workers[worker_key]
    payload = {"effective_on": "2026-07-01", **data}
    response = api_for(users["operator_a"]).post(promote_url(worker), payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert unchanged(worker)


def test_skip_with_documented_exception(users, workers):
    chen = workers["chen"]
    change = services.promote(
        chen,
        3,
        8,
        date(2026, 7, 1),
        "获评全国优秀社区工作者",
        users["operator_a"],
        exception=GradeChange.ExceptionReason.COMMENDATION,
    )
    assert (change.from_grade, change.to_grade, change.exception) == (6, 8, "commendation")
    chen.refresh_from_db()
    assert chen.grade == 8


def test_demotion_with_reason_and_tier_change(users, workers):
    chen, wu = workers["chen"], workers["wu"]
    services.promote(chen, 3, 5, date(2026, 7, 1), "年度考核不称职", users["operator_a"])
    chen.refresh_from_db()
    assert chen.grade == 5
    # A deputy secretary registered in 三档 moves to 二档 at the same grade.
    change = services.promote(wu, 2, 6, date(2026, 7, 1), "任副书记", users["operator_a"])
    assert (change.from_tier, change.to_tier, str(change.direction)) == (3, 2, "调档")


def test_certificate_allows_the_grade(users, workers):
    sun = workers["sun"]
    CommunityWorker.objects.filter(pk=sun.pk).update(certificate=Certificate.ASSISTANT)
    sun.refresh_from_db()
    services.promote(sun, 3, 7, date(2026, 7, 1), "", users["operator_a"])
    assert GradeChange.objects.filter(worker=sun).count() == 1


def test_rules_are_data(users, workers):
    """A district admin shortening the years lets 刘洋 step up."""
    LadderRule.objects.filter(tier=3).update(min_years=1)
    liu = workers["liu"]
    services.promote(liu, 3, 7, date(2026, 7, 1), "", users["admin"])
    liu.refresh_from_db()
    assert liu.grade == 7


def test_wrong_scope_is_404(users, api_for, client_for, workers):
    zheng = workers["zheng"]  # street B
    body = {"to_tier": 3, "to_grade": 7, "effective_on": "2026-07-01"}
    assert (
        api_for(users["operator_a"]).post(promote_url(zheng), body, format="json").status_code
        == 404
    )
    client = client_for(users["operator_a"])
    url = reverse("cadres:communityworker_promote", args=[zheng.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, body).status_code == 404
    with pytest.raises(PermissionDenied):
        services.promote(zheng, 3, 7, date(2026, 7, 1), "", users["operator_a"])
    assert unchanged(zheng)


@pytest.mark.parametrize("role", ["worker_a", "auditor"])
def test_wrong_role_is_403(users, api_for, client_for, workers, role):
    chen = workers["chen"]
    body = {"to_tier": 3, "to_grade": 7, "effective_on": "2026-07-01"}
    assert api_for(users[role]).post(promote_url(chen), body, format="json").status_code == 403
    url = reverse("cadres:communityworker_promote", args=[chen.pk])
    assert client_for(users[role]).post(url, body).status_code == 403
    assert unchanged(chen)


def test_promotion_page(users, client_for, workers):
    chen = workers["chen"]
    client = client_for(users["operator_a"])
    url = reverse("cadres:communityworker_promote", args=[chen.pk])
    response = client.post(url, {"to_tier": 3, "to_grade": 8, "effective_on": "2026-07-01"})
    assert response.status_code == 400
    assert "每次只能晋升一级" in response.content.decode()
    assert unchanged(chen)
    response = client.post(url, {"to_tier": 3, "to_grade": 7, "effective_on": "2026-07-01"})
    assert response.status_code == 302
    detail = client.get(chen.get_absolute_url()).content.decode()
    assert "3档6级 → 3档7级" in detail


def test_ladder_fields_read_only_after_registration(users, api_for, client_for, workers):
    chen = workers["chen"]
    api = api_for(users["operator_a"])
    response = api.patch(
        f"/api/v1/community-workers/{chen.pk}/", {"grade": 12, "note": "备注"}, format="json"
    )
    assert response.status_code == 200
    chen.refresh_from_db()
    assert (chen.grade, chen.note) == (6, "备注")


def test_registration_checks_the_ladder(users, api_for, district, frozen):
    api = api_for(users["operator_a"])
    base = {
        "name": "新社工",
        "gender": "female",
        "birth_date": "1995-01-01",
        "community": district["a1"].pk,
        "post": "social_worker",
        "hired_on": "2026-01-01",
        "education": 4,
        "current_since": "2026-01-01",
    }
    response = api.post(
        "/api/v1/community-workers/", {**base, "tier": 1, "grade": 7}, format="json"
    )
    assert response.status_code == 400 and "tier" in response.json()
    response = api.post(
        "/api/v1/community-workers/", {**base, "tier": 3, "grade": 15}, format="json"
    )
    assert response.status_code == 400 and "grade" in response.json()
    response = api.post(
        "/api/v1/community-workers/",
        {**base, "community": district["a"].pk, "tier": 3, "grade": 1},
        format="json",
    )
    assert response.status_code == 400 and "community" in response.json()
    response = api.post(
        "/api/v1/community-workers/", {**base, "tier": 3, "grade": 1}, format="json"
    )
    assert response.status_code == 201, response.json()


# --- eligibility ---------------------------------------------------------------------------


def report(client, query=""):
    response = client.get(reverse("cadres:eligibility") + f"?export=csv&{query}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["姓名"]: row for row in csv.DictReader(io.StringIO(body))}


def test_eligibility_report(users, client_for, workers):
    rows = report(client_for(users["operator_a"]))
    assert set(rows) == {"陈晓", "刘洋", "孙丽", "周强", "吴敏"}  # not B's 郑华
    assert {name for name, row in rows.items() if row["符合晋级条件"] == "是"} == {"陈晓"}
    assert rows["刘洋"]["不符合的原因"] == "任现级不满 2 年（2027-06-01 满）。"
    assert rows["孙丽"]["不符合的原因"] == "第 7 级须持助理社会工作师及以上证书。"
    assert rows["周强"]["不符合的原因"] == "已是三档最高级（12 级）。"
    assert "不属于三档" in rows["吴敏"]["不符合的原因"]
    assert rows["陈晓"]["不符合的原因"] == ""
    not_eligible = report(client_for(users["operator_a"]), "eligible=false")
    assert set(not_eligible) == {"刘洋", "孙丽", "周强", "吴敏"}
    # As of 2027-06-01 刘洋 has served two years.
    later = report(client_for(users["operator_a"]), "as_of=2027-06-01&eligible=true")
    assert set(later) == {"陈晓", "刘洋"}


def test_eligibility_api(users, api_for, workers):
    response = api_for(users["operator_b"]).get("/api/v1/community-workers/eligibility/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["name"], r["eligible"], r["reasons"]) for r in results] == [("郑华", True, [])]
    response = api_for(users["operator_a"]).get(
        "/api/v1/community-workers/eligibility/?eligible=false"
    )
    reasons = {r["name"]: r["reasons"] for r in response.json()["results"]}
    assert reasons["孙丽"] == ["第 7 级须持助理社会工作师及以上证书。"]


def test_eligibility_constant_queries(
    users, client_for, workers, district, django_assert_num_queries
):
    client = client_for(users["operator_a"])
    client.get(reverse("cadres:eligibility"))
    with django_assert_num_queries(8):
        assert client.get(reverse("cadres:eligibility") + "?per_page=100").status_code == 200
    for i in range(20):
        make_worker(district["a1"], f"工作者{i}")
    with django_assert_num_queries(8):
        assert client.get(reverse("cadres:eligibility") + "?per_page=100").status_code == 200


def test_worker_with_history_is_not_deleted(users, client_for, workers):
    chen = workers["chen"]
    services.promote(chen, 3, 7, date(2026, 7, 1), "", users["operator_a"])
    client = client_for(users["operator_a"])
    response = client.post(reverse("cadres:communityworker_delete", args=[chen.pk]))
    assert response.status_code == 302
    assert CommunityWorker.objects.filter(pk=chen.pk).exists()
    assert GradeChange.objects.filter(worker=chen).count() == 1
