"""Admins issue, list and revoke integration tokens in the UI; the key is shown once."""

import re

from portal.accounts.models import ApiToken


def test_district_admin_issues_a_token_shown_once_and_revokes_it(client_for, users, client):
    admin = client_for(users["admin"])
    response = admin.post(
        "/accounts/tokens/", {"user": users["sync_a"].pk, "name": "天平路夜间同步", "days": 30}
    )
    assert response.status_code == 200
    page = response.content.decode()
    key = re.search(r'<code class="fs-6 user-select-all">([^<]+)</code>', page).group(1)
    token = ApiToken.objects.get(name="天平路夜间同步")
    assert token.user == users["sync_a"] and token.created_by == users["admin"]
    assert key.startswith(token.key_prefix) and key not in token.key_hash
    # The key works on the API with the integration account's scope ...
    api = client_for(users["sync_a"])  # (re-login is irrelevant: the token decides)
    api.logout()
    listing = api.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Token {key}")
    assert listing.status_code == 200
    assert {r["code"] for r in listing.json()["results"]} == {
        "S003",
        "S003C001",
        "S003C001B01",
        "S003C001B01G1",
    }
    token.refresh_from_db()
    assert token.last_used_at is not None
    # ... is never shown again ...
    admin = client_for(users["admin"])
    assert key not in admin.get("/accounts/tokens/").content.decode()
    # ... and stops working once revoked.
    assert admin.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api.logout()
    denied = api.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Token {key}")
    assert denied.status_code == 401


def test_token_form_offers_only_integration_accounts_in_scope(client_for, users):
    admin = client_for(users["admin"])
    response = admin.post(
        "/accounts/tokens/", {"user": users["operator_a"].pk, "name": "x", "days": 30}
    )
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_street_operator_cannot_manage_tokens(client_for, users):
    operator = client_for(users["operator_a"])
    assert operator.get("/accounts/tokens/").status_code == 403
    token, _key = ApiToken.issue(users["sync_a"], name="t")
    assert operator.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
