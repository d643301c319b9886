"""The development pipeline (发展党员, issue 6 point 1): every legal path through
``members.services``, each illegal step refused with a clear message and nothing written, the
pages and the API scoped (street B sees A's applicants as 404), the ID number never in plain.

Dates are fixed in the past (the rules' one-year periods are long over by the test date), so
no clock is frozen: "in the future" is checked with tomorrow.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from members import services
from members.models import Applicant, ApplicantStep, Member
from tests.members.conftest import make_id_number, make_member, member_snapshot

APPLICANT_ID = make_id_number(date(2000, 1, 15), 233)
DATES = {
    "applied": date(2022, 1, 10),
    "talk": date(2022, 2, 1),
    "activist": date(2022, 3, 1),
    "candidate": date(2023, 3, 1),
    "review": date(2023, 5, 1),
    "training": date(2023, 5, 20),
    "admit": date(2023, 7, 1),
    "confirm": date(2024, 7, 1),
}
BAD_CHECK = APPLICANT_ID[:-1] + ("1" if APPLICANT_ID[-1] != "1" else "2")
ORDER = ["talk", "activist", "candidate", "vet", "admit", "confirm"]


@pytest.fixture
def branch_a(district, members):
    """A's community branch with two full members (张卫东 and 陈红) to act as contacts and
    introducers."""
    make_member(district["a_branch"], "陈红", make_id_number(date(1985, 6, 1), 412))
    return district["a_branch"]


def full_members(branch):
    return list(Member.objects.filter(organization=branch, category=Member.Category.FULL))


def register(user, branch, **overrides):
    data = {
        "name": "刘洋",
        "id_number": APPLICANT_ID,
        "organization": branch,
        "applied_on": DATES["applied"],
    }
    data.update(overrides)
    return services.register_applicant(user, **data)


def step(applicant, user, name, **overrides):
    branch = applicant.organization
    kwargs = {
        "talk": {"on": DATES["talk"]},
        "activist": {"on": DATES["activist"], "contacts": full_members(branch)[:1]},
        "candidate": {"on": DATES["candidate"]},
        "vet": {"political_review_on": DATES["review"], "training_on": DATES["training"]},
        "admit": {
            "on": DATES["admit"],
            "introducers": full_members(branch)[:2],
            "pledge_number": "ZY2023-0701",
        },
        "confirm": {"on": DATES["confirm"]},
    }.get(name, {})
    kwargs.update(overrides)
    return services.DEVELOPMENT_ACTIONS[name](applicant, user, **kwargs)


def advance(applicant, user, upto):
    """Take ``applicant`` through ORDER up to and including step ``upto``."""
    for name in ORDER[: ORDER.index(upto) + 1]:
        applicant = step(applicant, user, name)
    return applicant


def snapshot():
    fields = [f.attname for f in Applicant._meta.concrete_fields if f.name != "updated_at"]
    return (
        sorted(Applicant.objects.values_list(*fields)),
        sorted(ApplicantStep.objects.values_list("applicant_id", "action", "on")),
        member_snapshot(),
    )


# --- legal paths ------------------------------------------------------------------------------


def test_applicant_to_full_member(users, branch_a):
    operator = users["operator_a"]
    applicant = register(operator, branch_a)
    assert applicant.stage == Applicant.Stage.APPLICANT
    assert (applicant.gender, applicant.birth_date) == ("male", date(2000, 1, 15))
    assert applicant.id_number_masked == APPLICANT_ID[:6] + "********" + APPLICANT_ID[-4:]
    applicant = advance(applicant, operator, "admit")
    applicant.refresh_from_db()
    assert applicant.stage == Applicant.Stage.PROBATIONARY
    assert {m.name for m in applicant.introducers.all()} == {"张卫东", "陈红"}
    assert [m.name for m in applicant.contacts.all()] == ["张卫东"]
    member = applicant.member
    assert (member.name, member.organization, member.category, member.joined_on) == (
        "刘洋",
        branch_a,
        Member.Category.PROBATIONARY,
        DATES["admit"],
    )
    assert member.id_number == APPLICANT_ID
    assert applicant.probation_ends_on == date(2024, 7, 1)

    applicant = step(applicant, operator, "confirm")
    member.refresh_from_db()
    assert applicant.stage == Applicant.Stage.FULL
    assert (member.category, member.full_member_on) == (Member.Category.FULL, DATES["confirm"])
    timeline = list(applicant.steps.values_list("action", "on", "to_stage"))
    assert timeline == [
        ("apply", DATES["applied"], "applicant"),
        ("talk", DATES["talk"], "applicant"),
        ("activist", DATES["activist"], "activist"),
        ("candidate", DATES["candidate"], "candidate"),
        ("vet", DATES["training"], "candidate"),
        ("admit", DATES["admit"], "probationary"),
        ("confirm", DATES["confirm"], "full"),
    ]
    assert all(actor == operator.pk for actor in applicant.steps.values_list("actor", flat=True))


def test_id_number_is_never_stored_in_plain(users, branch_a):
    from django.db import connection

    register(users["operator_a"], branch_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM members_applicant")
        row = " ".join(str(value) for value in cursor.fetchone())
        cursor.execute("SELECT * FROM members_applicantevent")
        events = " ".join(str(value) for record in cursor.fetchall() for value in record)
    assert APPLICANT_ID not in row and APPLICANT_ID[:14] not in row
    assert APPLICANT_ID not in events and APPLICANT_ID[:14] not in events


def test_extension_once_then_confirmation_after_it(users, branch_a):
    operator = users["operator_a"]
    applicant = advance(register(operator, branch_a), operator, "admit")
    services.extend_probation(applicant, operator, on=date(2024, 6, 20), months=6, note="考察")
    applicant.refresh_from_db()
    assert applicant.probation_ends_on == date(2025, 1, 1)
    assert "extend" not in services.development_actions(applicant, operator)
    with pytest.raises(services.WorkflowError, match="只能延长 1 次"):
        services.extend_probation(applicant, operator, on=date(2024, 7, 1), months=3, note="再")
    with pytest.raises(services.WorkflowError, match="2025-01-01 届满"):
        step(applicant, operator, "confirm")
    applicant = step(applicant, operator, "confirm", on=date(2025, 1, 1))
    assert applicant.member.full_member_on == date(2025, 1, 1)


def test_cancellation_ends_the_probation_and_the_membership(users, branch_a):
    operator = users["operator_a"]
    applicant = advance(register(operator, branch_a), operator, "admit")
    with pytest.raises(services.WorkflowError, match="请填写取消预备党员资格的原因"):
        services.cancel_probation(applicant, operator, on=date(2024, 1, 5), note=" ")
    services.cancel_probation(applicant, operator, on=date(2024, 1, 5), note="不履行党员义务")
    applicant.refresh_from_db()
    member = applicant.member
    assert applicant.stage == Applicant.Stage.ENDED
    assert (applicant.ended_on, applicant.end_reason) == (date(2024, 1, 5), "不履行党员义务")
    assert (member.status, member.status_on) == (Member.Status.EXPELLED, date(2024, 1, 5))
    assert services.development_actions(applicant, operator) == []


def test_stopping_before_admission_and_applying_again(users, branch_a):
    operator = users["operator_a"]
    applicant = advance(register(operator, branch_a), operator, "activist")
    services.stop_development(applicant, operator, on=date(2022, 6, 1), note="本人申请")
    applicant.refresh_from_db()
    assert applicant.stage == Applicant.Stage.ENDED
    assert not Member.objects.filter(name="刘洋").exists()
    again = register(operator, branch_a, applied_on=date(2023, 1, 1))
    assert again.stage == Applicant.Stage.APPLICANT


# --- illegal steps: a clear error, nothing written -----------------------------------------------


def at(stage_step):
    """A setup: register, then advance through ORDER up to ``stage_step`` (None: none)."""

    def setup(users, branch):
        applicant = register(users["operator_a"], branch)
        if stage_step:
            applicant = advance(applicant, users["operator_a"], stage_step)
        return applicant

    return setup


TOMORROW = object()


ILLEGAL = [
    # skipped or out of order
    ("skip to candidate", None, "operator_a", "candidate", {}, "不能确定为发展对象"),
    ("skip to admission", None, "operator_a", "admit", {}, "不能接收为预备党员"),
    ("activist before talk", None, "operator_a", "activist", {}, "请先完成谈话"),
    ("talk twice", "talk", "operator_a", "talk", {"on": date(2022, 2, 2)}, "已于 2022-02-01"),
    ("admit before vetting", "candidate", "operator_a", "admit", {}, "须先完成政治审查和集中培训"),
    ("confirm a candidate", "vet", "operator_a", "confirm", {}, "不能转为正式党员"),
    ("cancel before admission", "vet", "operator_a", "cancel", {"on": date(2023, 6, 1)}, "不能"),
    # the rules
    ("late talk", None, "operator_a", "talk", {"on": date(2022, 2, 11)}, "1 个月内谈话"),
    (
        "activist under a year",
        "activist",
        "operator_a",
        "candidate",
        {"on": date(2023, 2, 28)},
        "1 年以上培养，最早 2023-03-01",
    ),
    (
        "confirm before probation ends",
        "admit",
        "operator_a",
        "confirm",
        {"on": date(2024, 6, 30)},
        "届满后方可转正",
    ),
    (
        "extension too long",
        "admit",
        "operator_a",
        "extend",
        {"on": date(2024, 6, 1), "months": 13, "note": "x"},
        "1 至 12 个月",
    ),
    ("one introducer", "vet", "operator_a", "admit", {"introducers": "one"}, "应为 2 名"),
    ("no contact", "talk", "operator_a", "activist", {"contacts": []}, "应为 1–2 名"),
    (
        "contact of another branch",
        "talk",
        "operator_a",
        "activist",
        {"contacts": "b"},
        "李建国 不是“上海新村居民区第一党支部”的党员",
    ),
    ("no pledge number", "vet", "operator_a", "admit", {"pledge_number": ""}, "志愿书编号"),
    # dates
    ("before applying", None, "operator_a", "talk", {"on": date(2022, 1, 9)}, "不能早于"),
    (
        "before the predecessor",
        "candidate",
        "operator_a",
        "vet",
        {"political_review_on": date(2023, 2, 1)},
        "不能早于",
    ),
    ("in the future", None, "operator_a", "talk", {"on": TOMORROW}, "不能晚于今天"),
    # actor and scope
    ("community worker", None, "worker_a", "talk", {}, "没有办理发展党员的权限"),
    ("auditor", None, "auditor", "talk", {}, "没有办理发展党员的权限"),
    ("other street", None, "operator_b", "talk", {}, "不在您的管辖范围内"),
]


@pytest.mark.parametrize(
    ("setup", "actor", "action", "overrides", "message"),
    [case[1:] for case in ILLEGAL],
    ids=[case[0] for case in ILLEGAL],
)
def test_illegal_step_is_refused_and_writes_nothing(
    users, branch_a, members, setup, actor, action, overrides, message
):
    applicant = at(setup)(users, branch_a)
    if overrides.get("on") is TOMORROW:
        overrides = {**overrides, "on": timezone.localdate() + timedelta(days=1)}
    if overrides.get("introducers") == "one":
        overrides = {**overrides, "introducers": full_members(branch_a)[:1]}
    if overrides.get("contacts") == "b":
        overrides = {**overrides, "contacts": [members["b"]]}
    before = snapshot()
    with pytest.raises(services.WorkflowError) as caught:
        step(applicant, users[actor], action, **overrides)
    assert message in " ".join(caught.value.messages)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": make_id_number(date(2005, 1, 11), 233)}, "年满 18 周岁"),
        ({"id_number": BAD_CHECK}, "校验"),
        ({"applied_on": date(2030, 1, 1)}, "不能晚于今天"),
        ({"organization": "general"}, "应向党支部"),
        ({"organization": "b_branch"}, "不在您的管辖范围内"),
        ({"name": " "}, "请填写姓名"),
    ],
)
def test_illegal_registration_is_refused(users, district, branch_a, overrides, message):
    if overrides.get("organization") == "general":
        overrides["organization"] = district["a_general"]
    elif overrides.get("organization") == "b_branch":
        overrides["organization"] = district["b_branch"]
    before = snapshot()
    with pytest.raises(services.WorkflowError) as caught:
        register(users["operator_a"], branch_a, **overrides)
    assert message in " ".join(caught.value.messages)
    assert snapshot() == before


def test_registration_refuses_members_and_duplicates(users, branch_a, members):
    from tests.members.conftest import PLAIN

    with pytest.raises(services.WorkflowError, match="已登记为党员"):
        register(users["operator_a"], branch_a, id_number=PLAIN["a"]["id"])
    register(users["operator_a"], branch_a)
    with pytest.raises(services.WorkflowError, match="已有正在办理"):
        register(users["operator_a"], branch_a)
    assert Applicant.objects.count() == 1


# --- pages --------------------------------------------------------------------------------------


def test_pages_take_an_applicant_through_every_step(client_for, users, branch_a):
    client = client_for(users["operator_a"])
    response = client.post(
        "/members/development/add/",
        {
            "name": "刘洋",
            "id_number": APPLICANT_ID,
            "organization": branch_a.pk,
            "applied_on": "2022-01-10",
        },
    )
    assert response.status_code == 302, response.content.decode()
    applicant = Applicant.objects.get()
    url = f"/members/development/{applicant.pk}/"
    contacts = [m.pk for m in full_members(branch_a)]
    posts = [
        ("talk", {"talk-on": "2022-02-01"}),
        ("activist", {"activist-on": "2022-03-01", "activist-contacts": contacts[:1]}),
        ("candidate", {"candidate-on": "2023-03-01"}),
        ("vet", {"vet-political_review_on": "2023-05-01", "vet-training_on": "2023-05-20"}),
        (
            "admit",
            {"admit-on": "2023-07-01", "admit-introducers": contacts, "admit-pledge_number": "Z1"},
        ),
    ]
    for action, data in posts:
        page = client.get(url).content.decode()
        assert f'data-testid="action-{action}"' in page
        assert client.post(f"{url}{action}/", data).status_code == 302
    applicant.refresh_from_db()
    assert applicant.stage == Applicant.Stage.PROBATIONARY
    page = client.get(url).content.decode()
    assert "预备党员" in page and APPLICANT_ID not in page and APPLICANT_ID[:14] not in page


def test_a_refused_step_shows_its_reason(client_for, users, branch_a):
    applicant = register(users["operator_a"], branch_a)
    client = client_for(users["operator_a"])
    url = f"/members/development/{applicant.pk}/"
    response = client.post(f"{url}talk/", {"talk-on": "2022-03-01"}, follow=True)
    assert (
        "谈话：应在递交入党申请书后 1 个月内谈话（最迟 2022-02-10）。" in response.content.decode()
    )
    response = client.post(f"{url}candidate/", {"candidate-on": "2022-03-01"}, follow=True)
    assert "不能确定为发展对象" in response.content.decode()
    assert applicant.steps.count() == 1


def test_other_street_gets_404_on_pages(client_for, users, branch_a):
    applicant = register(users["operator_a"], branch_a)
    client = client_for(users["operator_b"])
    url = f"/members/development/{applicant.pk}/"
    assert client.get(url).status_code == 404
    assert client.get(f"{url}history/").status_code == 404
    assert client.post(f"{url}talk/", {"talk-on": "2022-02-01"}).status_code == 404
    history = client_for(users["operator_a"]).get(f"{url}history/")
    assert history.status_code == 200 and "刘洋" in history.content.decode()
    client = client_for(users["operator_b"])
    listing = client.get("/members/development/").content.decode()
    assert "刘洋" not in listing
    assert "刘洋" in client_for(users["operator_a"]).get("/members/development/").content.decode()
    applicant.refresh_from_db()
    assert applicant.talked_on is None


def test_list_filters_by_stage(client_for, users, branch_a):
    operator = users["operator_a"]
    advance(register(operator, branch_a), operator, "activist")
    register(operator, branch_a, name="周丽", id_number=make_id_number(date(1999, 2, 2), 124))
    client = client_for(operator)
    page = client.get("/members/development/", {"stage": "activist"}).content.decode()
    assert "刘洋" in page and "周丽" not in page


def test_list_page_query_count_is_constant(client_for, users, branch_a, django_assert_num_queries):
    operator = users["operator_a"]
    for seq in range(5):
        register(
            operator, branch_a, name=f"申请人{seq}", id_number=make_id_number(date(1990, 1, 1), seq)
        )
    client = client_for(operator)
    client.get("/members/development/")  # warm the session and permission caches
    with django_assert_num_queries(7):
        client.get("/members/development/")
    for seq in range(5, 12):
        register(
            operator, branch_a, name=f"申请人{seq}", id_number=make_id_number(date(1990, 1, 1), seq)
        )
    with django_assert_num_queries(7):
        client.get("/members/development/")


# --- API ----------------------------------------------------------------------------------------


def test_api_registers_and_takes_steps(api_for, users, branch_a):
    api = api_for(users["sync_a"])
    response = api.post(
        "/api/v1/applicants/",
        {
            "name": "刘洋",
            "id_number": APPLICANT_ID,
            "organization": branch_a.pk,
            "applied_on": "2022-01-10",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "id_number" not in body and body["id_number_masked"].endswith(APPLICANT_ID[-4:])
    pk = body["id"]
    response = api.post(f"/api/v1/applicants/{pk}/talk/", {"on": "2022-02-01"}, format="json")
    assert response.status_code == 200 and response.json()["talked_on"] == "2022-02-01"
    contact = full_members(branch_a)[0]
    response = api.post(
        f"/api/v1/applicants/{pk}/activist/",
        {"on": "2022-03-01", "contacts": [contact.pk]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["stage"] == "activist"
    assert [c["name"] for c in response.json()["contacts"]] == [contact.name]
    response = api.post(f"/api/v1/applicants/{pk}/candidate/", {"on": "2022-04-01"}, format="json")
    assert response.status_code == 400
    assert "1 年以上培养" in response.json()["on"][0]
    assert APPLICANT_ID not in str(api.get(f"/api/v1/applicants/{pk}/").json())


def test_api_is_scoped(api_for, users, branch_a, district):
    applicant = register(users["operator_a"], branch_a)
    api = api_for(users["operator_b"])
    assert api.get(f"/api/v1/applicants/{applicant.pk}/").status_code == 404
    assert api.get("/api/v1/applicants/").json()["count"] == 0
    response = api.post(
        f"/api/v1/applicants/{applicant.pk}/talk/", {"on": "2022-02-01"}, format="json"
    )
    assert response.status_code == 404
    response = api.post(
        "/api/v1/applicants/",
        {
            "name": "刘洋",
            "id_number": make_id_number(date(1990, 1, 1), 7),
            "organization": branch_a.pk,
            "applied_on": "2022-01-10",
        },
        format="json",
    )
    assert response.status_code == 400
    assert Applicant.objects.count() == 1
