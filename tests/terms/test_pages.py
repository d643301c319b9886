"""The pages: record an election (form + results formset), election list/detail/history,
the term page, the organisation page's term panel, term fields read-only after an election."""

from datetime import date

import pytest
from django.urls import reverse

from organizations.models import Election, ElectionResult, LeadershipPosition, Organization
from tests.terms.conftest import O, P, S, election_data, results_for
from tests.terms.test_services import record, snapshot


def post_data(members, rows, **overrides):
    data = {
        f"election-{k}": ("" if v is None else v) for k, v in election_data(**overrides).items()
    }
    data.update({"results-TOTAL_FORMS": 7, "results-INITIAL_FORMS": 0, "results-MIN_NUM_FORMS": 1})
    data["results-MAX_NUM_FORMS"] = 40
    for i, (title, name, votes, elected) in enumerate(rows):
        data[f"results-{i}-title"] = title
        data[f"results-{i}-candidate"] = members[name].pk
        data[f"results-{i}-votes"] = votes
        if elected:
            data[f"results-{i}-elected"] = "on"
    return data


def record_url(org):
    return reverse("organizations:election_record", args=[org.pk])


def test_record_an_election_through_the_page(world, users, client_for):
    client = client_for(users["operator_a"])
    page = client.get(record_url(world["a_branch"]))
    assert page.status_code == 200
    assert "超过应到人数的 4/5" in page.content.decode()
    rows = [(S, "张甲", 40, True), (O, "张乙", 30, True), (P, "张丙", 20, False)]
    response = client.post(record_url(world["a_branch"]), post_data(world["members"], rows))
    election = Election.objects.get()
    assert response.status_code == 302
    assert response["Location"] == election.get_absolute_url()
    assert election.results.count() == 3
    detail = client.get(election.get_absolute_url()).content.decode()
    assert "张甲" in detail and "当选" in detail and "天委组〔2026〕12号" in detail
    assert [f["value"] for f in response_fields(client, election) if f["label"] == "届次"] == [4]
    history = client.get(reverse("organizations:election_history", args=[election.pk]))
    assert "换届选举（2026-06-01）" in history.content.decode()
    org = Organization.objects.get(pk=world["a_branch"].pk)
    assert org.term_number == 4


def test_refused_election_shows_field_and_row_errors_and_writes_nothing(world, users, client_for):
    client = client_for(users["operator_a"])
    before = snapshot(world["a_branch"])
    rows = [(S, "张甲", 22, True), (S, "张乙", 30, True)]
    response = client.post(
        record_url(world["a_branch"]), post_data(world["members"], rows, present=40)
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "会议无效" in text
    assert snapshot(world["a_branch"]) == before
    # Figures fine, a row wrong: the row's error is shown.
    response = client.post(record_url(world["a_branch"]), post_data(world["members"], rows))
    assert response.status_code == 400
    assert "须超过实到有选举权人数" in response.content.decode()
    assert snapshot(world["a_branch"]) == before


def test_another_streets_organisation_is_404_and_nothing_written(world, users, client_for):
    client = client_for(users["operator_b"])
    assert client.get(record_url(world["a_branch"])).status_code == 404
    rows = [(S, "张甲", 40, True)]
    response = client.post(record_url(world["a_branch"]), post_data(world["members"], rows))
    assert response.status_code == 404
    assert not Election.objects.exists()
    candidates = reverse("organizations:election_candidates", args=[world["a_branch"].pk])
    assert client.get(candidates, {"q": "张"}).status_code == 404


@pytest.mark.parametrize("role", ["auditor", "worker_a"])
def test_wrong_role_is_403(world, users, client_for, role):
    client = client_for(users[role])
    rows = [(S, "张甲", 40, True)]
    response = client.post(record_url(world["a_branch"]), post_data(world["members"], rows))
    assert response.status_code == 403
    assert not Election.objects.exists()


def test_candidate_autocomplete_lists_the_organisations_members(world, users, client_for):
    client = client_for(users["operator_a"])
    url = reverse("organizations:election_candidates", args=[world["a_branch"].pk])
    names = [r["text"] for r in client.get(url, {"q": "张"}).json()["results"]]
    assert sorted(names) == ["张丁", "张丙", "张乙", "张戊", "张甲"]
    # The district admin picking for A's general branch sees the branch's members (subtree)
    # but never B's.
    admin = client_for(users["admin"])
    url = reverse("organizations:election_candidates", args=[world["a_branch"].parent_id])
    names = [r["text"] for r in admin.get(url).json()["results"]]
    assert "李己" not in names and len(names) == 5


def test_election_list_filters_scope_and_query_count(
    world, users, client_for, django_assert_num_queries
):
    record(users["operator_a"], world)
    b_rows = results_for(world["members"], (S, "李己", 40, True))
    record(
        users["operator_b"], world, results=b_rows, org=world["b_branch"], held_on=date(2025, 11, 3)
    )
    url = reverse("organizations:election_list")
    admin = client_for(users["admin"])
    page = admin.get(url).content.decode()
    assert "上海新村居民区第一党支部" in page and "武康居民区第一党支部" in page
    page = admin.get(url, {"year": 2025}).content.decode()
    assert "武康居民区第一党支部" in page and "上海新村居民区第一党支部" not in page
    page = admin.get(url, {"region_within": "310104003"}).content.decode()
    assert "上海新村居民区第一党支部" in page and "武康居民区第一党支部" not in page
    page = admin.get(url, {"kind": "by_election"}).content.decode()
    assert "上海新村居民区第一党支部" not in page
    client = client_for(users["operator_a"])
    page = client.get(url).content.decode()
    assert "武康居民区第一党支部" not in page
    b_election = Election.objects.get(organization=world["b_branch"])
    assert client.get(b_election.get_absolute_url()).status_code == 404
    history = reverse("organizations:election_history", args=[b_election.pk])
    assert client.get(history).status_code == 404
    export = client.get(url, {"export": "csv"})
    assert "武康" not in b"".join(export.streaming_content).decode()
    # Constant queries whatever the number of rows.
    for day in range(2, 12):
        Election.objects.create(
            organization=world["a_branch"],
            held_on=date(2026, 6, day),
            kind="by_election",
            eligible_voters=10,
            present=9,
            ballots_issued=9,
            ballots_returned=9,
            valid_ballots=9,
        )
    admin = client_for(users["admin"])
    admin.get(url)
    with django_assert_num_queries(7):  # session, user, groups, perms, scope, count, page
        assert len(admin.get(url).context["rows"]) == 12


@pytest.fixture
def term_orgs(world, district):
    """Terms around TODAY (2026-06-15): A's branch ended 2026-05-10 (overdue), B's branch
    ends 2026-09-01 (due), A's general branch 2027-01-01 (beyond 6 months), A's top ends
    2026-12-15 (exactly 6 months: due), B's general branch ends today, a dissolved branch
    and a group (no term) are left out."""
    Organization.objects.filter(pk=district["a_top"].pk).update(term_end=date(2026, 12, 15))
    Organization.objects.filter(pk=district["b_general"].pk).update(term_end=date(2026, 6, 15))
    Organization.objects.filter(pk=district["b_top"].pk).update(term_end=date(2026, 12, 16))
    Organization.objects.filter(pk=district["a_group"].pk).update(term_end=date(2026, 1, 1))
    Organization.objects.create(
        code="S003X",
        name="已撤销支部",
        kind="branch",
        sector="community",
        parent=district["a_general"],
        region=district["a1"],
        term_end=date(2026, 1, 1),
        dissolved_on=date(2026, 2, 1),
    )
    return district


def listed(response):
    """(name, days left) of the rows of a term page."""
    return [(row["cells"][1][0], row["cells"][-1][0]) for row in response.context["rows"]]


def test_term_page_lists_exactly_the_due_organisations(
    term_orgs, users, client_for, django_assert_num_queries
):
    client = client_for(users["admin"])
    url = reverse("organizations:term_status")
    with django_assert_num_queries(8):  # ... count, page, term rules
        response = client.get(url)
    # Sorted by days left (most overdue first); the group, the dissolved branch and the
    # terms ending after 2026-12-15 are left out.
    expected = [
        ("上海新村居民区第一党支部", "-36"),
        ("武康居民区党总支", "0"),
        ("武康居民区第一党支部", "78"),
        ("天平路街道党工委", "183"),
    ]
    assert listed(response) == expected
    assert listed(client.get(url, {"sort": "-days_left"})) == expected[::-1]
    export = client.get(url, {"export": "csv", "sort": "-days_left"})
    lines = b"".join(export.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert [(line.split(",")[1], line.split(",")[-1]) for line in lines[1:]] == expected[::-1]
    xlsx = client.get(url, {"export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    # Filters by kind, street and overdue; street B sees its own two.
    assert listed(client.get(url, {"kind": "branch", "overdue": "true"})) == expected[:1]
    assert listed(client.get(url, {"region_within": "310104003"})) == [expected[0], expected[3]]
    assert listed(client_for(users["operator_b"]).get(url)) == expected[1:3]


def test_term_fields_read_only_after_an_election(world, users, client_for):
    client = client_for(users["operator_a"])
    org = world["a_branch"]
    edit = reverse("organizations:organization_edit", args=[org.pk])
    form = client.get(edit).context["form"]
    assert not form.fields["term_end"].disabled  # no election yet: editable
    record(users["operator_a"], world)
    form = client.get(edit).context["form"]
    assert all(form.fields[f].disabled for f in ("term_number", "term_started_on", "term_end"))
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(term_number=9, term_end="2040-01-01", name="改名支部")
    response = client.post(edit, data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.term_number, org.term_end) == ("改名支部", 4, date(2029, 6, 1))
    # The detail page's term panel links to the elections and the record form.
    page = client.get(org.get_absolute_url()).content.decode()
    assert reverse("organizations:election_record", args=[org.pk]) in page
    assert f"{reverse('organizations:election_list')}?organization={org.pk}" in page
    assert "距届满 1082 天" in page


def test_admin_shows_term_fields_read_only_after_an_election(world, users, client):
    admin_user = users["admin"]
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    url = reverse("admin:organizations_organization_change", args=[world["a_branch"].pk])
    assert "term_end" in client.get(url).context["adminform"].form.fields
    record(users["operator_a"], world)
    form = client.get(url).context["adminform"].form
    assert "term_end" not in form.fields and "term_number" not in form.fields
    election = Election.objects.get()
    page = client.get(reverse("admin:organizations_election_change", args=[election.pk]))
    assert page.status_code == 200 and "张甲" in page.content.decode()
    assert client.get(reverse("admin:organizations_election_add")).status_code == 403


def test_position_form_and_detail_carry_the_holder(world, users, client_for):
    client = client_for(users["operator_a"])
    member = world["members"]["张丁"]
    response = client.post(
        reverse("organizations:leadershipposition_add"),
        {
            "organization": world["a_branch"].pk,
            "title": P,
            "holder_name": "张丁",
            "holder": member.pk,
            "started_on": "2026-06-02",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    position = LeadershipPosition.objects.get(holder=member)
    page = client.get(position.get_absolute_url()).content.decode()
    assert member.get_absolute_url() in page
    assert ElectionResult.objects.count() == 0


def test_term_panel_of_a_group_and_of_a_street_user_elsewhere(world, district, users, client_for):
    client = client_for(users["operator_a"])
    page = client.get(district["a_group"].get_absolute_url()).content.decode()
    assert "该类别组织不实行任期制" in page and "登记选举" not in page
    page = client.get(world["a_branch"].get_absolute_url()).content.decode()
    assert "已超期 36 天" in page and 'data-testid="record-election"' in page
    # The auditor reads the panel but gets no record link.
    page = client_for(users["auditor"]).get(world["a_branch"].get_absolute_url())
    assert 'data-testid="record-election"' not in page.content.decode()


def response_fields(client, election):
    return client.get(election.get_absolute_url()).context["fields"]
