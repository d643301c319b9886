"""Open311 GeoReport v2 (/open311/v2/): an unmodified client sequence (services -> POST
request -> GET request) files a case that lands in the grid's queue; filters, errors in the
Open311 format, and scope (a key reads and files only in its account's scope)."""

import pytest
from django.test import Client

from grids.models import Case
from grids.services import cases as services
from portal.accounts.models import ApiToken
from tests.grids.conftest import report_case

IN_GRID_A = {"lat": "31.2025", "long": "121.4325"}
IN_GRID_B = {"lat": "31.2025", "long": "121.4425"}


@pytest.fixture
def key_a(users):
    """An API key of A's integration account (scope: street A)."""
    return ApiToken.issue(users["sync_a"], name="12345 热线")[1]


def test_a_standard_georeport_sequence_files_a_case_in_the_grids_queue(
    client_for, users, grids, key_a
):
    client = Client()  # a 311 app: no session, no CSRF token
    services_list = client.get("/open311/v2/services.json").json()
    assert services_list == [
        {
            "service_code": "ENV",
            "service_name": "环境卫生",
            "description": "",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "城市管理",
        }
    ]
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key_a,
            "service_code": services_list[0]["service_code"],
            **IN_GRID_A,
            "address_string": "宛平路1号",
            "description": "小区门口垃圾桶满溢\n已持续三天",
            "first_name": "小明",
            "last_name": "王",
            "email": "wang@example.com",
            "phone": "13800000000",
            "media_url": "https://example.com/p.jpg",
        },
    )
    assert response.status_code == 200, response.content
    [answer] = response.json()
    assert answer["account_id"] is None and answer["service_notice"]
    number = answer["service_request_id"]
    case = Case.objects.get(number=number)
    assert (case.grid, case.source, case.state) == (grids["grid_a"], "open311", "reported")
    assert (case.reporter_name, case.reporter_contact) == (
        "王小明",
        "13800000000 / wang@example.com",
    )
    assert case.title == "小区门口垃圾桶满溢" and "https://example.com/p.jpg" in case.description
    assert (case.latitude, case.longitude, case.address) == (31.2025, 121.4325, "宛平路1号")

    [status] = client.get(f"/open311/v2/requests/{number}.json", {"api_key": key_a}).json()
    assert status["service_request_id"] == number
    assert status["status"] == "open" and status["service_code"] == "ENV"
    assert status["service_name"] == "环境卫生"
    assert status["agency_responsible"] == "上海新村居委会"
    assert status["expected_datetime"] and status["requested_datetime"]
    assert (status["lat"], status["long"], status["address"]) == (31.2025, 121.4325, "宛平路1号")

    # The grid's worker finds it in "my grid" and in the case list of the grid.
    worker = client_for(users["worker_a"])
    assert number in worker.get("/grids/mine/").content.decode()
    assert number in worker.get("/grids/cases/", {"grid": grids["grid_a"].pk}).content.decode()

    # Followed up: the latest note becomes status_notes; resolved reads as closed.
    services.accept(case, users["worker_a"], note="已受理，尽快处理")
    [status] = client.get(f"/open311/v2/requests/{number}.json", {"api_key": key_a}).json()
    assert (status["status"], status["status_notes"]) == ("open", "已受理，尽快处理")
    services.dispatch(case, users["worker_a"], unit="物业公司")
    services.resolve(case, users["worker_a"], note="已清运")
    [status] = client.get(f"/open311/v2/requests/{number}.json", {"api_key": key_a}).json()
    assert (status["status"], status["status_notes"]) == ("closed", "已清运")
    assert status["agency_responsible"] == "物业公司"


def test_json_body_and_grid_code_attribute(grids, key_a):
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key_a,
            "service_code": "ENV",
            "address_string": "建国西路2号",
            "attribute": {"grid_code": "GA01"},
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.grid == grids["grid_a"] and case.title == "环境卫生"
    # Form-encoded attribute[grid_code], as the spec writes it.
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key_a,
            "service_code": "ENV",
            "address_string": "x",
            "attribute[grid_code]": "GA01",
        },
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("data", "code", "fragment"),
    [
        ({}, 400, "service_code"),
        ({"service_code": "NOPE", **IN_GRID_A}, 404, "NOPE"),
        ({"service_code": "ENV"}, 400, "lat 和 long"),
        ({"service_code": "ENV", "lat": "x", "long": "121.4"}, 400, "lat 应为数字"),
        ({"service_code": "ENV", "address_string": "某地"}, 400, "grid_code"),
        ({"service_code": "ENV", **IN_GRID_B}, 400, "不在该账号管辖范围内"),
        ({"service_code": "ENV", "lat": "0", "long": "0"}, 400, "不在该账号管辖范围内"),
        (
            {"service_code": "ENV", "address_string": "x", "attribute[grid_code]": "GB01"},
            400,
            "GB01",
        ),
    ],
)
def test_errors_are_open311_error_lists_and_file_nothing(grids, key_a, data, code, fragment):
    response = Client().post("/open311/v2/requests.json", {"api_key": key_a, **data})
    assert response.status_code == code
    [error] = response.json()
    assert error["code"] == code and fragment in error["description"]
    assert not Case.objects.exists()


def test_keys_are_required_and_scoped(users, case_users, grids, key_a):
    client = Client()
    for response in (
        client.post("/open311/v2/requests.json", {"service_code": "ENV", **IN_GRID_A}),
        client.get("/open311/v2/requests.json"),
        client.get("/open311/v2/requests.json", {"api_key": "wrong"}),
    ):
        assert response.status_code == 401
        assert response.json()[0]["code"] == 401
    b_case = report_case(case_users["cworker_b"], grids["grid_b"], grids["category"])
    response = client.get(f"/open311/v2/requests/{b_case.number}.json", {"api_key": key_a})
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    assert client.get("/open311/v2/services.xml").json()[0]["code"] == 400


def test_request_list_filters(users, case_users, grids, key_a):
    admin_key = ApiToken.issue(users["admin"], name="区热线")[1]
    worker = users["worker_a"]
    first = report_case(worker, grids["grid_a"], grids["category"], title="一")
    second = services.reject(
        report_case(worker, grids["grid_a"], grids["category"]), worker, note="重复"
    )
    b_case = report_case(case_users["cworker_b"], grids["grid_b"], grids["category"])
    client = Client()

    def ids(key, **params):
        response = client.get("/open311/v2/requests.json", {"api_key": key, **params})
        assert response.status_code == 200, response.content
        return {row["service_request_id"] for row in response.json()}

    assert ids(key_a) == {first.number, second.number}
    assert ids(admin_key) == {first.number, second.number, b_case.number}
    assert ids(key_a, status="open") == {first.number}
    assert ids(key_a, status="closed") == {second.number}
    assert ids(admin_key, service_request_id=f"{first.number},{b_case.number}") == {
        first.number,
        b_case.number,
    }
    assert ids(key_a, service_request_id=b_case.number) == set()
    assert ids(key_a, service_code="OTHER") == set()
    assert ids(key_a, start_date="2000-01-01T00:00:00Z", end_date="2000-01-02") == set()
    response = client.get("/open311/v2/requests.json", {"api_key": key_a, "status": "pending"})
    assert response.status_code == 400


def test_a_signed_in_session_cannot_file_without_a_key_and_a_keys_writes_are_attributed(
    client_for, users, grids, key_a
):
    # The endpoint is exempt from CSRF, so a browser session alone must not file a case.
    browser = client_for(users["worker_a"])
    response = browser.post(
        "/open311/v2/requests.json", {"service_code": "ENV", **IN_GRID_A, "description": "x"}
    )
    assert response.status_code == 401
    assert response.json()[0]["code"] == 401
    assert not Case.objects.exists()
    # Reading with the session still works (no side effects).
    assert browser.get("/open311/v2/requests.json").status_code == 200

    response = Client().post(
        "/open311/v2/requests.json",
        {"api_key": key_a, "service_code": "ENV", **IN_GRID_A, "description": "路灯不亮"},
    )
    assert response.status_code == 200, response.content
    token = ApiToken.objects.get(user=users["sync_a"])
    assert token.last_used_at is not None
    from django.apps import apps

    case_events = apps.get_model("grids", "CaseEvent")  # pghistory's audit rows of cases
    event = case_events.objects.select_related("pgh_context").get(pgh_label="insert")
    assert event.pgh_context.metadata["token"] == token.pk
