"""The auth event log: sign-in, sign-out, failures with address, browser and request id;
browsable by auditors with filters, scoped by street, in a constant number of queries."""

from django.test import Client

from portal.accounts.models import AuthEvent
from portal.accounts.roles import AUDITOR
from tests.conftest import PASSWORD, make_user
from tests.security.conftest import post_login


def test_sign_in_out_and_failure_are_recorded_without_the_password(users):
    client = Client()
    post_login(client, "operator_a", "Wrong-Password-1", "10.0.0.1")
    post_login(client, "nobody-by-this-name", "Wrong-Password-2", "10.0.0.2")
    response = post_login(client, "operator_a", PASSWORD, "10.0.0.3", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 302
    client.post("/accounts/logout/", REMOTE_ADDR="10.0.0.3")
    rows = list(AuthEvent.objects.order_by("at", "pk"))
    assert [(r.event, r.username, r.ip) for r in rows] == [
        ("failure", "operator_a", "10.0.0.1"),
        ("failure", "nobody-by-this-name", "10.0.0.2"),
        ("login", "operator_a", "10.0.0.3"),
        ("logout", "operator_a", "10.0.0.3"),
    ]
    assert rows[2].request_id == "req-42" and rows[2].user_agent == "pytest-browser/1.0"
    assert rows[0].user == users["operator_a"] and rows[1].user is None
    dump = repr(list(AuthEvent.objects.values()))
    assert PASSWORD not in dump and "Wrong-Password" not in dump


def test_auditor_filters_the_log(client_for, users):
    post_login(Client(), "operator_a", "bad-password-1", "10.0.0.1")
    post_login(Client(), "operator_b", PASSWORD, "10.0.0.2")
    client = client_for(users["auditor"])
    page = client.get("/accounts/auth-events/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "operator_a" in text and "operator_b" in text and "登录失败" in text
    only_failures = client.get("/accounts/auth-events/?event=failure").content.decode()
    assert "operator_a" in only_failures and "operator_b" not in only_failures
    by_user = client.get("/accounts/auth-events/?q=operator_b").content.decode()
    assert "operator_b" in by_user and ">operator_a<" not in by_user


def test_street_filter_and_street_scope(client_for, users, district):
    post_login(Client(), "operator_a", PASSWORD, "10.0.0.1")
    post_login(Client(), "operator_b", PASSWORD, "10.0.0.2")
    client = client_for(users["auditor"])
    street_a = client.get(f"/accounts/auth-events/?street={district['a'].pk}").content.decode()
    assert "operator_a" in street_a and "operator_b" not in street_a
    # An auditor of street A never sees street B's events, not even by asking for them.
    auditor_a = make_user("auditor_a", AUDITOR, district["a"])
    client = client_for(auditor_a)
    text = client.get("/accounts/auth-events/").content.decode()
    assert "operator_a" in text and "operator_b" not in text
    text = client.get(f"/accounts/auth-events/?street={district['b'].pk}").content.decode()
    assert "operator_b" not in text
    export = client.get("/accounts/auth-events/?export=csv")
    assert "operator_b" not in b"".join(export.streaming_content).decode()


def test_others_cannot_read_the_log(client_for, users):
    assert client_for(users["operator_a"]).get("/accounts/auth-events/").status_code == 403


def test_the_list_runs_constant_queries(client_for, users, django_assert_max_num_queries):
    client = client_for(users["auditor"])
    for i in range(30):
        post_login(Client(), "operator_a", f"bad-{i}-password", f"10.0.1.{i}")
    with django_assert_max_num_queries(12):
        client.get("/accounts/auth-events/?per_page=5")
    with django_assert_max_num_queries(12):
        client.get("/accounts/auth-events/?per_page=100")
