"""Sessions end after 30 minutes idle and 12 hours after sign-in (frozen clock)."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from portal.accounts.models import AuthEvent
from tests.security.conftest import post_login


def signed_in(client, users, traveller):
    response = post_login(client, "operator_a")
    assert response.status_code == 302
    return client


def test_idle_session_ends_after_30_minutes(client, users):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        signed_in(client, users, traveller)
        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        # 29 minutes after that request: the idle clock restarted, still signed in.
        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/members/", follow=True)
        assert response.redirect_chain[0][0].startswith("/accounts/login/?next=/members/")
        assert "登录已超时，请重新登录。" in response.content.decode()
        # Signed out for good: the next request goes to the login page too.
        assert client.get("/").status_code == 302
    event = AuthEvent.objects.get(event="session_expired")
    assert event.username == "operator_a" and event.detail == "idle"
    assert not AuthEvent.objects.filter(event="logout").exists()


def test_session_ends_12_hours_after_sign_in_however_active(client, users):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        signed_in(client, users, traveller)
        for _step in range(35):  # a request every 20 minutes for 11 h 40 min
            traveller.shift(timedelta(minutes=20))
            assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=21))  # 12 h 01 min after sign-in
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert AuthEvent.objects.get(event="session_expired").detail == "absolute"


def test_htmx_requests_get_401_and_a_redirect_header(client, users):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        signed_in(client, users, traveller)
        traveller.shift(timedelta(minutes=31))
        response = client.get("/members/", HTTP_HX_REQUEST="true")
        assert response.status_code == 401
        assert response["HX-Redirect"] == "/accounts/login/"


def test_limits_come_from_settings(client, users, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        signed_in(client, users, traveller)
        traveller.shift(timedelta(minutes=6))
        assert client.get("/").status_code == 302
