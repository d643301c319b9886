"""TOTP two-factor sign-in: required for superusers and district admins (nothing but set-up
and verification until done, admin included), optional for others, API tokens unaffected."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import AuthEvent, User
from tests.conftest import PASSWORD
from tests.security.conftest import post_login


@pytest.fixture(autouse=True)
def _otp_on(settings):
    settings.OTP_ENFORCED = True


def code_for(user):
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol(client, user):
    page = client.get("/accounts/otp/setup/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<svg" in text and 'data-testid="otp-key"' in text
    response = client.post("/accounts/otp/setup/", {"code": code_for(user)})
    assert response.status_code == 302
    return response


def test_district_admin_must_enrol_before_anything_else(users):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = Client()
        assert post_login(client, "district_admin").status_code == 302
        for path in ("/", "/members/", "/admin/", "/audit/", "/accounts/tokens/"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith("/accounts/otp/setup/"), path
        # htmx and the session-authenticated API are refused too.
        assert client.get("/members/", HTTP_HX_REQUEST="true")["HX-Redirect"] == (
            "/accounts/otp/setup/"
        )
        assert client.get("/api/v1/buildings/").status_code == 403
        # Wrong code: refused and logged.
        client.get("/accounts/otp/setup/")
        bad = client.post("/accounts/otp/setup/", {"code": "000000"})
        assert bad.status_code == 200 and "动态口令不正确" in bad.content.decode()
        assert AuthEvent.objects.filter(event="otp_failure", username="district_admin").exists()
        traveller.shift(timedelta(seconds=5))  # django-otp throttles after a wrong code
        enrol(client, users["admin"])
        assert client.get("/").status_code == 200
        assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.get(user=users["admin"]).confirmed
    assert AuthEvent.objects.filter(event="otp_enrolled", username="district_admin").exists()


def test_enrolled_admin_gives_a_code_after_the_password(users):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        first = Client()
        post_login(first, "district_admin")
        enrol(first, users["admin"])
        traveller.shift(timedelta(minutes=1))
        client = Client()
        post_login(client, "district_admin")
        response = client.get("/members/")
        assert response["Location"].startswith("/accounts/otp/verify/?next=%2Fmembers%2F")
        assert client.get("/accounts/otp/setup/")["Location"].startswith("/accounts/otp/verify/")
        bad = client.post("/accounts/otp/verify/", {"code": "123456", "next": "/members/"})
        assert bad.status_code == 200
        traveller.shift(timedelta(seconds=5))
        good = client.post(
            "/accounts/otp/verify/", {"code": code_for(users["admin"]), "next": "/members/"}
        )
        assert good.status_code == 302 and good["Location"] == "/members/"
        assert client.get("/members/").status_code == 200
        # The same code cannot be replayed in another session.
        third = Client()
        post_login(third, "district_admin")
        replay = third.post("/accounts/otp/verify/", {"code": code_for(users["admin"])})
        assert replay.status_code == 200
    kinds = list(
        AuthEvent.objects.filter(username="district_admin").values_list("event", flat=True)
    )
    assert kinds.count("otp_failure") == 2 and "otp_verified" in kinds


def test_superusers_need_two_factors_too(district):
    User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    post_login(client, "root")
    assert client.get("/admin/")["Location"].startswith("/accounts/otp/setup/")


def test_others_may_enrol_from_the_user_menu(users):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = Client()
        post_login(client, "operator_a")
        home = client.get("/")
        assert home.status_code == 200  # not required for a street operator
        assert 'href="/accounts/security/"' in home.content.decode()
        assert "未启用" in client.get("/accounts/security/").content.decode()
        enrol(client, users["operator_a"])
        # Backup codes, shown once; one signs in instead of the app.
        page = client.post("/accounts/security/", {"action": "backup"})
        codes = re.findall(r"<li>([a-z0-9]{8})</li>", page.content.decode())
        assert len(codes) == 10
        traveller.shift(timedelta(minutes=1))
        again = Client()
        post_login(again, "operator_a")
        assert again.get("/")["Location"].startswith("/accounts/otp/verify/")
        assert again.post("/accounts/otp/verify/", {"code": codes[0]}).status_code == 302
        assert again.get("/").status_code == 200
        assert StaticDevice.objects.get(user=users["operator_a"]).token_set.count() == 9
        # Optional: the user may switch it off again.
        again.post("/accounts/security/", {"action": "disable"})
        assert not TOTPDevice.objects.filter(user=users["operator_a"]).exists()


def test_required_users_cannot_switch_it_off(users):
    with time_machine.travel(timezone.now(), tick=False):
        client = Client()
        post_login(client, "district_admin")
        enrol(client, users["admin"])
        client.post("/accounts/security/", {"action": "disable"})
    assert TOTPDevice.objects.filter(user=users["admin"]).exists()


def test_api_tokens_do_not_need_a_second_factor(users, api_for):
    assert api_for(users["admin"]).get("/api/v1/buildings/").status_code == 200


def test_security_admin_resets_a_lost_device(users):
    with time_machine.travel(timezone.now(), tick=False):
        client = Client()
        post_login(client, "district_admin")
        enrol(client, users["admin"])
    call_command("reset_otp", "district_admin", by="security_admin")
    assert not TOTPDevice.objects.filter(user=users["admin"]).exists()
    assert AuthEvent.objects.filter(event="otp_reset", username="district_admin").exists()
    client = Client()
    post_login(client, "district_admin")
    assert client.get("/")["Location"].startswith("/accounts/otp/setup/")


def test_enforcement_can_be_switched_off(users, settings):
    settings.OTP_ENFORCED = False
    client = Client()
    post_login(client, "district_admin")
    assert client.get("/").status_code == 200
