"""Pages and API actions of regional Party building through real HTTP: the project's
workflow, the case page's "升级为需求" button, the overview, the pairing report, industry
committee scope, validation messages and imports."""

from datetime import date
from decimal import Decimal

import pytest

from grids.models import Case
from regional.models import (
    IndustryCommittee,
    IndustryIssue,
    Need,
    Pairing,
    Project,
    ProjectAllocation,
    ResidentUnit,
    Resource,
)
from tests.buildings.conftest import make_enterprise, make_uscc
from tests.grids.conftest import grids, make_grid_case  # noqa: F401  (fixture)


@pytest.mark.django_db
def test_project_from_a_need_allocation_and_milestone_in_the_ui(
    regional, district, users, client_for
):
    client = client_for(users["operator_a"])
    need = regional["need_a"]
    form = client.get(f"/regional/projects/add/?needs={need.pk}")
    assert form.status_code == 200 and need.title in form.content.decode()
    response = client.post(
        "/regional/projects/add/",
        {
            "name": "停车共享二期",
            "region": district["a"].pk,
            "owner_organization": district["a_top"].pk,
            "owner_person": "王五",
            "needs": [need.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()
    project = Project.objects.get(name="停车共享二期")
    assert Need.objects.get(pk=need.pk).status == Need.Status.MATCHED
    resource = regional["resource_a"]
    url = f"/regional/projects/{project.pk}/steps/allocate/"
    client.post(url, {"resource": resource.pk, "quantity": "4"})
    assert Resource.objects.get(pk=resource.pk).remaining == Decimal("6")
    page = client.post(url, {"resource": resource.pk, "quantity": "7"}, follow=True)
    assert "仅剩 6个" in page.content.decode()
    assert ProjectAllocation.objects.filter(project=project).count() == 1
    client.post("/regional/milestones/add/", {"project": project.pk, "title": "方案通过"})
    milestone = project.milestones.get()
    page = client.post(
        f"/regional/projects/{project.pk}/steps/complete/", {"milestone": milestone.pk}, follow=True
    )
    body = page.content.decode()
    assert "完成节点：方案通过" in body and "100%" in body
    # B may not act on A's project.
    other = client_for(users["operator_b"])
    assert other.post(url, {"resource": resource.pk, "quantity": "1"}).status_code == 404


@pytest.mark.django_db
def test_project_api_actions(regional, users, api_for):
    api = api_for(users["operator_a"])
    project, resource = regional["project_a"], regional["resource_a"]
    ok = api.post(
        f"/api/v1/projects/{project.pk}/allocate/",
        {"resource": resource.pk, "quantity": "9"},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    too_much = api.post(
        f"/api/v1/projects/{project.pk}/allocate/",
        {"resource": resource.pk, "quantity": "2"},
        format="json",
    )
    assert too_much.status_code == 400
    assert "仅剩 1个" in too_much.json()["quantity"][0]
    assert api.get(f"/api/v1/resources/{resource.pk}/").json()["remaining"] == "1.00"
    milestone = regional["milestones"][0]
    done = api.post(
        f"/api/v1/projects/{project.pk}/complete-milestone/",
        {"milestone": milestone.pk},
        format="json",
    )
    assert done.status_code == 200 and done.json()["done_on"] == date.today().isoformat()
    assert api.get(f"/api/v1/projects/{project.pk}/").json()["progress"] == 50
    closed = api.post(f"/api/v1/projects/{project.pk}/close/", {"note": "完成"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "done"
    other = api_for(users["operator_b"])
    assert other.post(f"/api/v1/projects/{project.pk}/close/", {}, format="json").status_code == 404


@pytest.mark.django_db
def test_project_api_create_with_needs(regional, district, users, api_for):
    api = api_for(users["operator_a"])
    response = api.post(
        "/api/v1/projects/",
        {
            "name": "助老项目",
            "region": district["a"].code,
            "owner_organization": district["a_top"].code,
            "owner_person": "赵六",
            "needs": [regional["need_a"].pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["needs"][0]["id"] == regional["need_a"].pk
    assert Need.objects.get(pk=regional["need_a"].pk).status == Need.Status.MATCHED
    # B's need is out of A's scope: "does not exist".
    bad = api.post(
        "/api/v1/projects/",
        {
            "name": "越界",
            "region": district["a"].code,
            "owner_organization": district["a_top"].code,
            "owner_person": "赵六",
            "needs": [regional["need_b"].pk],
            "end_on": "2020-01-01",
            "start_on": "2021-01-01",
        },
        format="json",
    )
    assert bad.status_code == 400 and "needs" in bad.json()


@pytest.mark.django_db
def test_escalate_button_on_the_case_page(regional, grids, users, client_for, api_for):  # noqa: F811
    case = make_grid_case(grids["grid_a"], grids["category"], "C-9")
    client = client_for(users["operator_a"])
    page = client.get(case.get_absolute_url()).content.decode()
    assert "升级为需求" in page
    response = client.post(f"/regional/cases/{case.pk}/escalate/")
    need = Need.objects.get(source_case=case)
    assert response.status_code == 302 and response["Location"] == need.get_absolute_url()
    assert (
        client_for(users["operator_b"]).post(f"/regional/cases/{case.pk}/escalate/").status_code
        == 404
    )
    # Community workers may add needs (roles), through the API too.
    other = make_grid_case(grids["grid_a"], grids["category"], "C-10")
    worker = api_for(users["worker_a"])
    made = worker.post("/api/v1/needs/escalate/", {"case": other.pk}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["source_case"]["id"] == other.pk
    again = worker.post("/api/v1/needs/escalate/", {"case": other.pk}, format="json")
    assert again.status_code == 400
    auditor = api_for(users["auditor"])
    assert (
        auditor.post("/api/v1/needs/escalate/", {"case": other.pk}, format="json").status_code
        == 403
    )
    assert Case.objects.get(pk=other.pk).state == Case.State.REPORTED


@pytest.mark.django_db
def test_overview_counts_the_scope(regional, users, client_for):
    page = client_for(users["operator_b"]).get("/regional/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "regional-overview.js" in body and "regional-projects-data" in body
    cards = {str(c["label"]): c["count"] for c in page.context["cards"]}
    assert cards["党建联席会议"] == 2 and cards["驻区单位"] == 2 and cards["项目清单"] == 0
    admin = client_for(users["admin"]).get("/regional/")
    assert admin.context["chart"]["values"] == [1, 0, 0, 0]


@pytest.mark.django_db
def test_unpaired_report_rows_and_export(regional, district, users, client_for):
    admin = client_for(users["admin"])
    page = admin.get("/regional/pairings/unpaired/")
    codes = [o.code for o in page.context["rows"]]
    assert codes == ["PA02", "SB01"]  # PA01 is paired; the others are not non-public
    by_street = admin.get("/regional/pairings/unpaired/?street=310104004")
    assert [o.code for o in by_street.context["rows"]] == ["SB01"]
    exported = admin.get("/regional/pairings/unpaired/?street=310104003&export=csv")
    body = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert "PA02" in body and "SB01" not in body and "PA01" not in body
    # An ended pairing no longer counts.
    Pairing.objects.filter(pk=regional["pairing_a"].pk).update(status=Pairing.Status.ENDED)
    assert "PA01" in [o.code for o in admin.get("/regional/pairings/unpaired/").context["rows"]]
    b_page = client_for(users["operator_b"]).get("/regional/pairings/unpaired/")
    assert [o.code for o in b_page.context["rows"]] == ["SB01"]


@pytest.mark.django_db
def test_pairing_evaluation_once_a_year(regional, users, api_for):
    api = api_for(users["operator_a"])
    data = {"pairing": regional["pairing_a"].pk, "year": 2024, "rating": "excellent"}
    assert api.post("/api/v1/pairing-evaluations/", data, format="json").status_code == 201
    again = api.post("/api/v1/pairing-evaluations/", data, format="json")
    assert again.status_code == 400 and "该结对本年度已有评价" in str(again.json())


@pytest.mark.django_db
def test_industry_committee_scope(a_rows, regional, district, users, api_for):
    committee = a_rows["industrycommittee"][0]
    # B's organisation joins A's committee: B now sees the committee, not A's issue.
    from regional.models import IndustryCommitteeMember

    IndustryCommitteeMember.objects.create(
        committee=committee, organization=regional["social_b"], joined_on=date(2024, 1, 1)
    )
    IndustryIssue.objects.create(
        committee=committee,
        title="场地紧张",
        raised_on=date(2025, 2, 1),
        raised_by=regional["social_b"],
    )
    api = api_for(users["operator_b"])
    assert [c["code"] for c in api.get("/api/v1/industry-committees/").json()["results"]] == [
        "IC-A"
    ]
    issues = [i["title"] for i in api.get("/api/v1/industry-issues/").json()["results"]]
    assert issues == ["场地紧张"]
    assert (
        api.patch(
            f"/api/v1/industry-committees/{committee.pk}/", {"name": "改名"}, format="json"
        ).status_code
        == 403
    )
    assert api_for(regional["operator_c"]).get("/api/v1/industry-committees/").json()["count"] == 0
    assert IndustryCommittee.objects.get(pk=committee.pk).name == "商贸行业党总支"


@pytest.mark.django_db
def test_validation_errors_name_fields(regional, district, users, api_for, client_for):
    api = api_for(users["operator_a"])
    bad_unit = api.post(
        "/api/v1/resident-units/",
        {
            "code": "91350100M000100Y44",
            "name": "某公司",
            "kind": "institution",
            "region": district["a"].pk,
        },
        format="json",
    )
    assert bad_unit.status_code == 400 and "code" in bad_unit.json()
    enterprise_kind = api.post(
        "/api/v1/resident-units/",
        {"code": "X001", "name": "某公司", "kind": "enterprise", "region": district["a"].pk},
        format="json",
    )
    assert "enterprise" in enterprise_kind.json()
    meeting = api.post(
        "/api/v1/joint-meetings/",
        {
            "code": "JM-X",
            "name": "错层",
            "level": "district",
            "region": district["a"].pk,
            "convener": district["a_top"].pk,
        },
        format="json",
    )
    assert meeting.status_code == 400 and "region" in meeting.json()
    resource = api.post(
        "/api/v1/resources/",
        {
            "code": "R-Z",
            "name": "场地",
            "kind": "venue",
            "unit": regional["unit_a"].pk,
            "region": district["a"].pk,
            "quantity": "0",
            "unit_of_measure": "场",
        },
        format="json",
    )
    assert resource.status_code == 400 and "quantity" in resource.json()
    dates = api.post(
        "/api/v1/resources/",
        {
            "code": "R-Z",
            "name": "场地",
            "kind": "venue",
            "unit": regional["unit_a"].pk,
            "region": district["a"].pk,
            "quantity": "1",
            "unit_of_measure": "场",
            "available_from": "2025-05-01",
            "available_to": "2025-01-01",
        },
        format="json",
    )
    assert dates.status_code == 400 and "available_to" in dates.json()
    page = client_for(users["operator_a"]).post(
        "/regional/resources/add/", {"code": "R-Z", "name": "", "kind": "venue"}
    )
    assert page.status_code == 400 and page.context["form"].errors.keys() >= {
        "name",
        "unit",
        "quantity",
    }
    # Lowering a resource below what is allocated is refused on the quantity.
    from regional import services

    services.allocate(regional["project_a"], regional["resource_a"], 6, users["operator_a"])
    lowered = api.patch(
        f"/api/v1/resources/{regional['resource_a'].pk}/", {"quantity": "5"}, format="json"
    )
    assert lowered.status_code == 400 and "quantity" in lowered.json()


@pytest.mark.django_db
def test_a_unit_linked_to_an_enterprise_takes_its_uscc(district, users, api_for):
    enterprise = make_enterprise(district["a1"], "天平科技有限公司", 7)
    api = api_for(users["operator_a"])
    made = api.post(
        "/api/v1/resident-units/",
        {
            "code": "",
            "name": "",
            "kind": "enterprise",
            "enterprise": enterprise.pk,
            "region": district["a1"].pk,
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    unit = ResidentUnit.objects.get(enterprise=enterprise)
    assert unit.code == make_uscc(7) and unit.name == "天平科技有限公司"


@pytest.mark.django_db
def test_import_resident_units_and_resources(
    regional, district, users, client_for, django_capture_on_commit_callbacks
):
    client = client_for(users["operator_a"])
    units = (
        "单位代码,单位名称,单位类型,所在区划代码\n"
        f"{make_uscc(31).lower()},徐汇中学,学校,310104003001\n"
        "U-77,天平社区卫生服务中心,医院,310104003\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("units.csv", units.encode("utf-8"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/regional/resident-units/import/", {"file": upload})
    response = client.get(response["Location"])
    assert response.context["job"].status == "done", response.context["job"].errors
    assert ResidentUnit.objects.get(code=make_uscc(31)).name == "徐汇中学"
    resources = (
        "资源编码,资源名称,资源类型,提供单位代码,所在区划代码,数量,计量单位\n"
        "R-I1,礼堂,场地,U-77,310104003,3,场次\n"
        "R-I2,车位,停车位,U-77,310104003,-1,个\n"
    )
    upload = SimpleUploadedFile("resources.csv", resources.encode("utf-8"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/regional/resources/import/", {"file": upload})
    response = client.get(response["Location"])
    job = response.context["job"]
    assert job.status == "invalid"
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "数量")]
    assert not Resource.objects.filter(code__startswith="R-I").exists()
