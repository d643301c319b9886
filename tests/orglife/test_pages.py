"""The meeting pages: create and edit with attendance through the form, the detail with its
present and absent lists and rate, the history, the list with its pinned query count and
exports; another street's meetings are 404 everywhere."""

from datetime import date

from django.urls import reverse

from members.models import Meeting, MeetingAttendance, MeetingKind
from tests.orglife.conftest import meeting


def _form(org, **overrides):
    data = {
        "organization": org.pk,
        "kind": "committee",
        "held_on": "2025-06-03",
        "topic": "研究发展党员工作",
        "place": "党群服务站",
        "host": "A书记",
        "minutes": "会议决定……",
    }
    data.update(overrides)
    return data


def test_the_form_lists_the_branchs_members_and_records_attendance(
    users, client_for, district, people
):
    client = client_for(users["operator_a"])
    add = reverse("members:meeting_add")
    page = client.get(add, {"organization": district["a_branch"].pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "张卫东" in html and "王秀英" in html and "赵湖南" not in html
    assert f'name="att_{people["zhang"].pk}"' in html
    response = client.post(
        add,
        _form(
            district["a_branch"],
            **{
                f"att_{people['zhang'].pk}": "present",
                f"att_{people['wang'].pk}": "present",
                f"att_{people['li'].pk}": "business",
                f"note_{people['li'].pk}": "外出开会",
            },
        ),
    )
    assert response.status_code == 302
    m = Meeting.objects.get()
    assert response["Location"] == m.get_absolute_url()
    rows = {
        r.member.name: (r.present, r.absence_reason, r.absence_note) for r in m.attendance.all()
    }
    assert rows == {
        "张卫东": (True, "", ""),
        "王秀英": (True, "", ""),
        "李建国": (False, "business", "外出开会"),
    }
    detail = client.get(m.get_absolute_url()).content.decode()
    assert "出席率：66.7%" in detail
    assert "因公" in detail and "外出开会" in detail


def test_the_form_refuses_an_organisation_of_the_wrong_kind_and_a_future_date(
    users, client_for, district, people
):
    client = client_for(users["operator_a"])
    response = client.post(
        reverse("members:meeting_add"),
        _form(district["a_group"], kind="lecture", held_on="2999-01-01"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "“党课”应由党支部（含联合党支部、临时党支部）召开。" in html
    assert "召开日期不能晚于今天。" in html
    assert not Meeting.objects.exists()


def test_a_form_posting_another_branchs_member_records_nobody_from_there(
    users, client_for, district, people
):
    client = client_for(users["operator_a"])
    response = client.post(
        reverse("members:meeting_add"),
        _form(district["a_branch"], **{f"att_{people['zhao'].pk}": "present"}),
    )
    assert response.status_code == 302  # no such line on A's form: ignored, not recorded
    assert not MeetingAttendance.objects.filter(member=people["zhao"]).exists()


def test_editing_changes_the_attendance_and_the_history_shows_it(
    users, client_for, district, people, meeting_a
):
    client = client_for(users["operator_a"])
    edit = reverse("members:meeting_edit", args=[meeting_a.pk])
    form = client.get(edit).content.decode()
    assert 'value="illness" selected' in form  # 李建国's leave as stored
    response = client.post(
        edit,
        _form(
            district["a_branch"],
            kind="general_assembly",
            held_on="2025-03-05",
            **{
                f"att_{people['zhang'].pk}": "present",
                f"att_{people['li'].pk}": "present",
                f"note_{people['li'].pk}": "",
            },
        ),
    )
    assert response.status_code == 302
    rows = dict(meeting_a.attendance.values_list("member__name", "present"))
    assert rows == {"张卫东": True, "李建国": True}
    history = client.get(reverse("members:meeting_history", args=[meeting_a.pk])).content.decode()
    assert "会议出席记录" in history and "删除" in history and "operator_a" in history


def test_both_present_and_absent_in_the_form_is_refused(users, client_for, district, people):
    client = client_for(users["operator_a"])
    response = client.post(
        reverse("members:meeting_add"),
        _form(
            district["a_branch"],
            **{f"att_{people['zhang'].pk}": "present", f"note_{people['zhang'].pk}": "病假"},
        ),
    )
    # a note with "present" is dropped: present wins, nothing contradictory is stored
    assert response.status_code == 302
    row = MeetingAttendance.objects.get()
    assert (row.present, row.absence_note) == (True, "")


def test_list_search_export_and_query_count(
    users, client_for, district, people, meeting_a, meeting_b, django_assert_num_queries
):
    client = client_for(users["operator_a"])
    url = reverse("members:meeting_list")
    html = client.get(url).content.decode()
    assert "学习二十大精神" in html and "湖南路主题党日" not in html
    assert client.get(url, {"q": "湖南路"}).content.decode().count("湖南路主题党日") == 0
    csv = b"".join(client.get(url, {"export": "csv"}).streaming_content).decode("utf-8-sig")
    assert "学习二十大精神" in csv and "66.7" in csv and "湖南路" not in csv
    client.get(url)
    with django_assert_num_queries(LIST_QUERIES) as first:
        client.get(url)
    for day in range(1, 29):
        meeting(
            district["a_branch"], MeetingKind.COMMITTEE, date(2025, 2, day), topic=f"支委会{day}"
        )
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(url, {"per_page": 50}).status_code == 200


def test_another_streets_meeting_is_404_everywhere(
    users, client_for, district, people, meeting_a, meeting_b
):
    client = client_for(users["operator_a"])
    for name in ("detail", "edit", "history", "delete"):
        url = reverse(f"members:meeting_{name}", args=[meeting_b.pk])
        assert client.get(url).status_code == 404, name
    assert client.post(reverse("members:meeting_delete", args=[meeting_b.pk])).status_code == 404
    found = client.get(reverse("autocomplete", args=["members.meeting"]), {"q": "主题党日"})
    assert found.json()["results"] == []
    mine = client.get(reverse("autocomplete", args=["members.meeting"]), {"q": "二十大"})
    assert [r["id"] for r in mine.json()["results"]] == [meeting_a.pk]
    # B's branch cannot be chosen for a new meeting either
    response = client.post(reverse("members:meeting_add"), _form(district["b_branch"]))
    assert response.status_code == 400 and not Meeting.objects.filter(topic="研究发展党员工作")


def test_the_community_worker_reads_but_does_not_write(users, client_for, meeting_a):
    client = client_for(users["worker_a"])
    assert client.get(meeting_a.get_absolute_url()).status_code == 200
    assert client.get(reverse("members:meeting_add")).status_code == 403
    nav = client.get(reverse("members:meeting_list")).content.decode()
    assert reverse("members:meeting_compliance") in nav


def test_a_street_operator_cannot_edit_the_frequencies(users, client_for):
    from members.models import MeetingFrequency

    frequency = MeetingFrequency.objects.get(kind="committee")
    client = client_for(users["operator_a"])
    assert client.get(reverse("members:meetingfrequency_list")).status_code == 200
    edit = reverse("members:meetingfrequency_edit", args=[frequency.pk])
    assert client.get(edit).status_code == 403
    assert (
        client.post(edit, {"kind": "committee", "period": "year", "required_count": 1}).status_code
        == 403
    )
    admin = client_for(users["admin"])
    response = admin.post(
        edit, {"kind": "committee", "period": "quarter", "required_count": 2, "note": "调整"}
    )
    assert response.status_code == 302
    frequency.refresh_from_db()
    assert (frequency.period, frequency.required_count) == ("quarter", 2)


#: session, user, groups, permissions, scope region, the count, the page's meetings with
#: their attendance counts: the same for 2 meetings or 30.
LIST_QUERIES = 7
