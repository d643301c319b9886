"""The scope rules of joint meetings and resident units (regional.models' scope filters,
applied by portal.scoping for the UI, the API and admin)."""

import pytest

from portal import scoping
from regional.models import JointMeeting, JointMeetingMembership, ResidentUnit


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


@pytest.mark.django_db
def test_street_sees_own_meetings_its_communities_and_the_districts(regional, users):
    seen = scoping.restrict(JointMeeting.objects.all(), users["operator_a"])
    assert codes(seen) == ["JM-A", "JM-A1", "JM-D"]
    seen_b = scoping.restrict(JointMeeting.objects.all(), users["operator_b"])
    assert codes(seen_b) == ["JM-B", "JM-D"]
    assert codes(scoping.restrict(JointMeeting.objects.all(), users["admin"])) == [
        "JM-A",
        "JM-A1",
        "JM-B",
        "JM-C",
        "JM-D",
    ]
    # A community worker sees their community's, their street's and the district's meeting.
    assert codes(scoping.restrict(JointMeeting.objects.all(), users["worker_a"])) == [
        "JM-A",
        "JM-A1",
        "JM-D",
    ]


@pytest.mark.django_db
def test_only_the_own_scope_changes_a_meeting(regional, users):
    changeable = scoping.restrict(JointMeeting.objects.all(), users["operator_a"], "change")
    assert codes(changeable) == ["JM-A", "JM-A1"]


@pytest.mark.django_db
def test_a_unit_in_two_streets_meetings_is_one_record_seen_by_both_not_a_third(regional, users):
    for user, expected in (
        (users["operator_a"], ["H001", "S001"]),
        (users["operator_b"], ["H001", "P001"]),
        (regional["operator_c"], ["G001"]),
    ):
        assert codes(scoping.restrict(ResidentUnit.objects.all(), user)) == expected
    assert ResidentUnit.objects.filter(code="H001").count() == 1
    # B sees the shared unit but may not change it: it sits in A.
    assert not scoping.in_scope(regional["shared"], users["operator_b"], "change")
    assert scoping.in_scope(regional["shared"], users["operator_a"], "change")


@pytest.mark.django_db
def test_memberships_follow_the_meeting(regional, users):
    seen = scoping.restrict(JointMeetingMembership.objects.all(), users["operator_b"])
    assert sorted(seen.values_list("meeting__code", "unit__code")) == [
        ("JM-B", "H001"),
        ("JM-B", "P001"),
    ]


@pytest.mark.django_db
def test_ui_pages_answer_404_across_streets(regional, users, client_for):
    client = client_for(users["operator_b"])
    assert client.get(regional["meeting_d"].get_absolute_url()).status_code == 200
    assert client.get(regional["meeting_b"].get_absolute_url()).status_code == 200
    assert client.get(regional["meeting_a"].get_absolute_url()).status_code == 404
    assert client.get(regional["shared"].get_absolute_url()).status_code == 200
    assert client.get(regional["unit_a"].get_absolute_url()).status_code == 404
    assert client.get(regional["unit_c"].get_absolute_url()).status_code == 404
    page = client.get("/regional/resident-units/").content.decode()
    assert "第六人民医院" in page and "湖南路派出所" in page
    assert "天平路小学" not in page and "枫林街道办" not in page
    c = client_for(regional["operator_c"])
    assert c.get(regional["shared"].get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_b_cannot_edit_the_shared_unit_it_sees(regional, users, client_for, api_for):
    shared = regional["shared"]
    response = client_for(users["operator_b"]).post(
        f"/regional/resident-units/{shared.pk}/edit/",
        {
            "code": "H001",
            "name": "改名",
            "kind": "hospital",
            "region": regional["shared"].region_id,
        },
    )
    assert response.status_code == 400
    api = api_for(users["operator_b"])
    assert (
        api.patch(
            f"/api/v1/resident-units/{shared.pk}/", {"name": "改名"}, format="json"
        ).status_code
        == 403
    )
    shared.refresh_from_db()
    assert shared.name == "第六人民医院"
    ok = api_for(users["operator_a"]).patch(
        f"/api/v1/resident-units/{shared.pk}/", {"name": "第六人民医院（东院）"}, format="json"
    )
    assert ok.status_code == 200, ok.content


@pytest.mark.django_db
def test_api_lists_are_scoped(regional, users, api_for):
    api = api_for(users["operator_b"])
    meetings = api.get("/api/v1/joint-meetings/").json()
    assert sorted(m["code"] for m in meetings["results"]) == ["JM-B", "JM-D"]
    units = api.get("/api/v1/resident-units/").json()
    assert sorted(u["code"] for u in units["results"]) == ["H001", "P001"]
    assert api.get(f"/api/v1/joint-meetings/{regional['meeting_a'].pk}/").status_code == 404
    assert api.get(f"/api/v1/resident-units/{regional['unit_c'].pk}/").status_code == 404
