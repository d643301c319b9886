"""The meetings API with its nested attendance writes, the frequency table (district admins
only) and scope: another street's meetings are absent, 404, and cannot be written."""

from datetime import date

from django.urls import reverse

from members.models import Meeting, MeetingFrequency, MeetingKind
from tests.orglife.conftest import meeting

URL = "/api/v1/meetings/"


def _payload(org, **overrides):
    data = {
        "organization": org.pk,
        "kind": "lecture",
        "held_on": "2025-05-20",
        "topic": "党课：党的二十大精神",
        "host": "区委党校王老师",
    }
    data.update(overrides)
    return data


def test_create_with_present_and_absent(users, api_for, district, people):
    api = api_for(users["sync_a"])
    response = api.post(
        URL,
        _payload(
            district["a_branch"],
            present=[people["zhang"].pk, people["wang"].pk],
            absent=[
                {"member": people["li"].pk, "absence_reason": "illness", "absence_note": "住院"}
            ],
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["attendance_rate"] == 66.7
    attendance = {row["member"]["name"]: row for row in body["attendance"]}
    assert attendance["李建国"]["present"] is False
    assert attendance["李建国"]["absence_reason"] == "illness"
    assert attendance["张卫东"]["present"] is True
    m = Meeting.objects.get(pk=body["id"])
    assert m.attendance.count() == 3
    # an update without present/absent keeps the attendance; with them, replaces it
    patched = api.patch(f"{URL}{m.pk}/", {"topic": "改了题目"}, format="json")
    assert patched.status_code == 200 and m.attendance.count() == 3
    replaced = api.patch(f"{URL}{m.pk}/", {"present": [people["li"].pk]}, format="json")
    assert replaced.status_code == 200
    assert list(m.attendance.values_list("member__name", flat=True)) == ["李建国"]


def test_bad_attendance_is_a_400_naming_the_member_and_writes_nothing(
    users, api_for, district, people
):
    api = api_for(users["admin"])  # the district sees B's member: refused as another branch's
    response = api.post(
        URL, _payload(district["a_branch"], present=[people["zhao"].pk]), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "attendance": [
            "党员“赵湖南”不是“上海新村居民区第一党支部”的党员，不能登记为本次会议的参会人员。"
        ]
    }
    both = api.post(
        URL,
        _payload(
            district["a_branch"],
            present=[people["zhang"].pk],
            absent=[{"member": people["zhang"].pk, "absence_reason": "other"}],
        ),
        format="json",
    )
    assert both.status_code == 400
    assert both.json()["attendance"] == ["党员“张卫东”不能既出席又缺席。"]
    wrong_kind = api.post(URL, _payload(district["a_general"]), format="json")
    assert wrong_kind.status_code == 400
    assert "organization" in wrong_kind.json()
    future = api.post(URL, _payload(district["a_branch"], held_on="2999-01-01"), format="json")
    assert future.json() == {"held_on": ["召开日期不能晚于今天。"]}
    assert not Meeting.objects.exists()


def test_a_member_out_of_scope_is_not_found(users, api_for, district, people):
    api = api_for(users["sync_a"])
    response = api.post(
        URL, _payload(district["a_branch"], present=[people["zhao"].pk]), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "attendance": [f"党员 {people['zhao'].pk} 不存在或不在您的管辖范围内。"]
    }


def test_scope_list_detail_write_and_filters(users, api_for, district, meeting_a, meeting_b):
    api = api_for(users["sync_a"])
    ids = [row["id"] for row in api.get(URL).json()["results"]]
    assert ids == [meeting_a.pk]
    assert api.get(f"{URL}{meeting_b.pk}/").status_code == 404
    assert api.patch(f"{URL}{meeting_b.pk}/", {"topic": "x"}, format="json").status_code == 404
    assert api.delete(f"{URL}{meeting_b.pk}/").status_code == 404
    assert api.get(URL, {"q": "湖南路"}).json()["count"] == 0
    refused = api.post(URL, _payload(district["b_branch"]), format="json")
    assert refused.status_code == 400 and "organization" in refused.json()
    admin = api_for(users["admin"])
    assert admin.get(URL, {"kind": "theme_day"}).json()["count"] == 1
    assert admin.get(URL, {"region_within": "310104003"}).json()["count"] == 1


def test_list_query_count_is_constant(users, api_for, district, people, django_assert_num_queries):
    api = api_for(users["sync_a"])
    meeting(district["a_branch"])
    api.get(URL)
    with django_assert_num_queries(API_QUERIES) as first:
        api.get(URL)
    from members import meetings

    for day in range(1, 21):
        meetings.record(
            Meeting(
                organization=district["a_branch"],
                kind=MeetingKind.COMMITTEE,
                held_on=date(2025, 1, day),
                topic=f"支委会{day}",
            ),
            [meetings.Entry(people["zhang"], True), meetings.Entry(people["li"], False, "other")],
        )
    with django_assert_num_queries(len(first.captured_queries)):
        assert api.get(URL).json()["count"] == 21


def test_frequencies_are_read_by_all_and_written_by_the_district(users, api_for):
    url = reverse("api:meetingfrequency-list")
    street = api_for(users["sync_a"])
    rows = street.get(url).json()["results"]
    assert {r["kind"]: (r["period"], r["required_count"]) for r in rows} == {
        "general_assembly": ("quarter", 1),
        "committee": ("month", 1),
        "group": ("month", 1),
        "lecture": ("quarter", 1),
        "theme_day": ("month", 1),
    }
    committee = MeetingFrequency.objects.get(kind="committee")
    detail = reverse("api:meetingfrequency-detail", args=[committee.pk])
    assert street.patch(detail, {"required_count": 3}, format="json").status_code == 403
    admin = api_for(users["admin"])
    assert admin.patch(detail, {"required_count": 2}, format="json").status_code == 200
    committee.refresh_from_db()
    assert committee.required_count == 2


def test_compliance_api_shape(users, api_for, district, meeting_a):
    api = api_for(users["sync_a"])
    body = api.get("/api/v1/meeting-compliance/", {"year": 2025, "kind": "general_assembly"}).json()
    assert body["count"] == 1
    branch = body["results"][0]
    assert branch["organization"]["code"] == "S003C001B01"
    kind = branch["kinds"][0]
    assert (kind["due_periods"], kind["met_periods"], kind["missing_periods"]) == (
        4,
        1,
        ["2025Q2", "2025Q3", "2025Q4"],
    )
    assert kind["periods"][0] == {
        "period": "2025Q1",
        "group": None,
        "required": 1,
        "held": 1,
        "due": True,
        "met": True,
    }
    assert [p["held"] for p in kind["periods"]] == [1, 0, 0, 0]


#: the token with its user and scope, permissions, the count, the page, its attendance:
#: the same for 1 meeting or 21.
API_QUERIES = 5
