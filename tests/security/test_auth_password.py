"""Password policy: at least 10 characters (PASSWORD_MIN_LENGTH), not common, not numeric,
not like the username; enforced on the password page, in admin and in create_account."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from portal.accounts.models import AuthEvent, User
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "password",
    ["Short-9a", "password123", "1234567890123", "district_admin1"],
)
def test_weak_passwords_are_refused(users, password):
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, users["admin"])


def test_a_good_password_passes(users):
    password_validation.validate_password("Zhong-Shan-Road-88", users["admin"])


def test_minimum_length_comes_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print([v.get('OPTIONS', {}).get('min_length') for v in settings.AUTH_PASSWORD_VALIDATORS"
        " if v['NAME'].endswith('MinimumLengthValidator')][0])"
    )
    env = {**os.environ, "PASSWORD_MIN_LENGTH": "14", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "14"
    # Never below 10, whatever the environment says.
    env["PASSWORD_MIN_LENGTH"] = "6"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "10"


def test_password_page_applies_the_policy_and_logs_the_change(client_for, users):
    client = client_for(users["operator_a"])
    weak = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "abc12345", "new_password2": "abc12345"},
    )
    assert weak.status_code == 200
    assert "new_password2" in weak.context["form"].errors
    assert not AuthEvent.objects.filter(event="password_change").exists()
    good = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Wu-Kang-Road-1937",
            "new_password2": "Wu-Kang-Road-1937",
        },
    )
    assert good.status_code == 302
    event = AuthEvent.objects.get(event="password_change")
    assert event.user == users["operator_a"] and event.username == "operator_a"
    # The password itself appears nowhere in the row.
    assert "Wu-Kang" not in repr(list(AuthEvent.objects.values()))


def test_admin_user_creation_applies_the_policy(client, district):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newbie",
            "scope_region": district["a"].pk,
            "password1": "12345678",
            "password2": "12345678",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()
    errors = str(response.context["adminform"].form.errors)
    assert "password2" in errors or "password1" in errors


def test_create_account_applies_the_policy(district, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "qwerty12")
    with pytest.raises(CommandError, match="password"):
        call_command(
            "create_account",
            "weakling",
            role=["street_operator"],
            scope=district["a"].code,
            password_env="NEW_PASSWORD",
        )
    assert not User.objects.filter(username="weakling").exists()
    monkeypatch.setenv("NEW_PASSWORD", "Tian-Ping-Road-2024")
    call_command(
        "create_account",
        "strong",
        role=["street_operator"],
        scope=district["a"].code,
        password_env="NEW_PASSWORD",
    )
    assert User.objects.get(username="strong").check_password("Tian-Ping-Road-2024")
    # The first password of a new account is not a "password change".
    assert not AuthEvent.objects.filter(username="strong", event="password_change").exists()
