"""API protection (issue 9 item 4): throttling per token, expiring tokens, the key only in the
``Authorization`` header, CORS closed by default."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from portal.accounts.models import ApiToken


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def small_rates(settings):
    settings.THROTTLE_RATES = {
        "list": "3/min",
        "export": "2/min",
        "lookup": "2/min",
        "write": "2/min",
    }
    return settings.THROTTLE_RATES


def token_client(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def assert_throttled(response):
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) >= 1
    assert "请求过于频繁" in response.json()["detail"]


def test_list_scope_the_n_plus_first_request_is_429_for_that_token_only(users, small_rates):
    _t, key_one = ApiToken.issue(users["sync_a"], name="one")
    _t, key_two = ApiToken.issue(users["sync_a"], name="two")  # same account, other token
    one, two = token_client(key_one), token_client(key_two)
    for _ in range(3):
        assert one.get("/api/v1/organizations/").status_code == 200
    assert_throttled(one.get("/api/v1/organizations/"))
    assert_throttled(one.get("/api/v1/regions/"))  # the scope, not the endpoint, counts
    assert two.get("/api/v1/organizations/").status_code == 200
    # A write has its own scope: the token's list budget being spent does not block it.
    response = one.post("/api/v1/organizations/upsert/", {}, format="json")
    assert response.status_code in (400, 403)


def test_write_scope_is_counted_apart_from_list(users, small_rates, district):
    _t, key = ApiToken.issue(users["sync_a"], name="w")
    api = token_client(key)
    org = district["a_group"]
    for _ in range(2):
        assert api.patch(f"/api/v1/organizations/{org.pk}/", {}, format="json").status_code == 200
    assert_throttled(api.patch(f"/api/v1/organizations/{org.pk}/", {}, format="json"))
    assert api.get("/api/v1/organizations/").status_code == 200


def test_lookup_scope_covers_id_number_lookup_and_search(users, small_rates):
    api_a = token_client(ApiToken.issue(users["operator_a"], name="a")[1])
    api_b = token_client(ApiToken.issue(users["operator_b"], name="b")[1])
    body = {"id_number": "110101199003070012"}
    assert api_a.post("/api/v1/members/lookup/", body, format="json").status_code in (400, 404)
    assert api_a.get("/api/v1/search/?q=天平").status_code == 200
    assert_throttled(api_a.post("/api/v1/members/lookup/", body, format="json"))
    assert api_b.post("/api/v1/members/lookup/", body, format="json").status_code in (400, 404)
    # Lists are another scope.
    assert api_a.get("/api/v1/organizations/").status_code == 200


def test_pages_exports_and_autocomplete_are_throttled_per_user(users, small_rates, client):
    client.force_login(users["operator_a"])
    for _ in range(2):
        assert client.get("/organizations/?export=csv").status_code == 200
    response = client.get("/organizations/?export=xlsx")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "请求过于频繁" in response.content.decode()
    assert client.get("/organizations/").status_code == 200  # a plain page is not throttled
    for _ in range(2):
        assert client.get("/autocomplete/organizations.organization/?q=天").status_code == 200
    assert client.get("/autocomplete/organizations.organization/?q=天").status_code == 429
    client.force_login(users["operator_b"])
    assert client.get("/organizations/?export=csv").status_code == 200


def test_default_rates_are_generous():
    """The defaults allow at least one request a second per scope (the suite never hits them)."""
    from django.conf import settings
    from rest_framework.throttling import SimpleRateThrottle

    for scope, rate in settings.THROTTLE_RATES.items():
        count, seconds = SimpleRateThrottle.parse_rate(None, rate)
        assert count / seconds >= 1, scope


# --- tokens ---------------------------------------------------------------------------------


def test_a_new_token_expires_after_the_default_lifetime(users, settings):
    settings.API_TOKEN_DEFAULT_DAYS = 90
    token, _key = ApiToken.issue(users["sync_a"], name="default")
    assert abs(token.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    with pytest.raises(ValueError):
        ApiToken.issue(users["sync_a"], name="too long", days=settings.API_TOKEN_MAX_DAYS + 1)


def test_the_admin_form_sets_an_expiry_within_the_maximum(client_for, users, settings):
    admin = client_for(users["admin"])
    too_long = settings.API_TOKEN_MAX_DAYS + 1
    response = admin.post(
        "/accounts/tokens/", {"user": users["sync_a"].pk, "name": "x", "days": too_long}
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    admin.post("/accounts/tokens/", {"user": users["sync_a"].pk, "name": "y", "days": 7})
    token = ApiToken.objects.get(name="y")
    assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)


def test_expired_and_revoked_tokens_get_401_saying_why(users):
    expired, expired_key = ApiToken.issue(users["sync_a"], name="e", days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    revoked, revoked_key = ApiToken.issue(users["sync_a"], name="r", days=1)
    revoked.revoke()
    for key, reason in ((expired_key, "令牌已过期"), (revoked_key, "令牌已吊销")):
        response = token_client(key).get("/api/v1/organizations/")
        assert response.status_code == 401
        assert reason in response.json()["detail"]
        assert response["WWW-Authenticate"] == "Token"


def test_last_used_at_is_written_at_most_once_a_minute(users, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    token, key = ApiToken.issue(users["sync_a"], name="u")
    api = token_client(key)
    api.get("/api/v1/regions/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    time_machine.shift(timedelta(seconds=30))
    api.get("/api/v1/regions/")
    token.refresh_from_db()
    assert token.last_used_at == first
    time_machine.shift(timedelta(seconds=31))
    api.get("/api/v1/regions/")
    token.refresh_from_db()
    assert token.last_used_at > first


@pytest.mark.parametrize("name", ["token", "api_key", "access_token"])
def test_a_key_in_the_query_or_a_form_field_is_refused(users, name):
    _t, key = ApiToken.issue(users["sync_a"], name="q")
    api = APIClient()
    response = api.get(f"/api/v1/organizations/?{name}={key}")
    assert response.status_code == 401
    assert "只能通过请求头" in response.json()["detail"]
    response = api.post("/api/v1/organizations/upsert/", {name: key, "code": "X"})
    assert response.status_code == 401
    assert "只能通过请求头" in response.json()["detail"]
    # The same key in the header works.
    assert token_client(key).get("/api/v1/organizations/").status_code == 200


# --- CORS -------------------------------------------------------------------------------------


def preflight(client, origin):
    return client.options(
        "/api/v1/organizations/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )


def test_cors_is_closed_by_default(client, users):
    response = preflight(client, "https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in response
    _t, key = ApiToken.issue(users["sync_a"], name="c")
    response = client.get(
        "/api/v1/organizations/",
        HTTP_ORIGIN="https://evil.example.com",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_cors_opens_only_to_configured_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://street.example.gov.cn"]
    allowed = preflight(client, "https://street.example.gov.cn")
    assert allowed["Access-Control-Allow-Origin"] == "https://street.example.gov.cn"
    assert "Access-Control-Allow-Credentials" not in allowed
    assert "Access-Control-Allow-Origin" not in preflight(client, "https://evil.example.com")


def test_open311_keeps_its_api_key_parameter_and_is_throttled(users, small_rates, client):
    """Open311 (GeoReport v2) sends ``api_key`` as a parameter by its standard: accepted
    there only, and throttled per client address."""
    _t, key = ApiToken.issue(users["sync_a"], name="311")
    for _ in range(3):
        assert client.get("/open311/v2/requests.json", {"api_key": key}).status_code == 200
    response = client.get("/open311/v2/requests.json", {"api_key": key})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    # The REST API refuses the same key as a parameter.
    assert APIClient().get(f"/api/v1/cases/?api_key={key}").status_code == 401
