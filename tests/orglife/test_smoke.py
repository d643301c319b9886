"""Every organisational-life page renders for the district, the navigation links them, the
admin shows them, and the OpenAPI schema documents the three resources."""

from django.urls import reverse


def test_pages_admin_and_schema(users, client_for, district, meeting_a, meeting_b):
    client = client_for(users["admin"])
    home = client.get(reverse("members:meeting_list")).content.decode()
    assert reverse("members:meeting_compliance") in home and "组织生活达标情况" in home
    for url in (
        reverse("members:meeting_add"),
        reverse("members:meeting_add") + f"?organization={district['a_group'].pk}",
        reverse("members:meeting_detail", args=[meeting_b.pk]),
        reverse("members:meeting_history", args=[meeting_a.pk]),
        reverse("members:meeting_compliance") + "?year=2025&noncompliant=on&kind=committee",
        reverse("members:meetingfrequency_list"),
        reverse("admin:members_meeting_changelist"),
        reverse("admin:members_meeting_change", args=[meeting_a.pk]),
        reverse("admin:members_meetingattendance_changelist"),
        reverse("admin:members_meetingfrequency_changelist"),
    ):
        assert client.get(url).status_code == 200, url
    group_form = client.get(
        reverse("members:meeting_add") + f"?organization={district['a_group'].pk}"
    ).content.decode()
    assert "张卫东" in group_form  # a 党小组会 lists its branch's members
    auditor = client_for(users["auditor"])
    log = auditor.get("/audit/")
    assert log.status_code == 200 and "会议出席记录" in log.content.decode()
    client = client_for(users["admin"])
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/meetings/",
        "/api/v1/meeting-frequencies/",
        "/api/v1/meeting-compliance/",
    ):
        assert path in schema


def test_a_street_admin_cannot_see_other_streets_meetings_in_the_admin(
    users, client_for, district, meeting_a, meeting_b
):
    from portal.accounts.roles import STREET_OPERATOR
    from tests.conftest import make_user

    staff = make_user("staff_meet", STREET_OPERATOR, district["a"], is_staff=True)
    client = client_for(staff)
    listing = client.get(reverse("admin:members_meeting_changelist")).content.decode()
    assert "学习二十大精神" in listing and "湖南路主题党日" not in listing
    assert client.get(reverse("admin:members_meeting_change", args=[meeting_b.pk])).status_code in (
        302,
        404,
    )
    freq = client.get(reverse("admin:members_meetingfrequency_changelist"))
    assert freq.status_code == 200
    from members.models import MeetingFrequency

    pk = MeetingFrequency.objects.first().pk
    change = client.post(
        reverse("admin:members_meetingfrequency_change", args=[pk]),
        {"kind": "general_assembly", "period": "year", "required_count": 9},
    )
    assert change.status_code == 403
    assert MeetingFrequency.objects.get(pk=pk).required_count == 1
