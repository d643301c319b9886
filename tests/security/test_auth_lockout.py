"""Lockout (django-axes, database handler): 5 failures lock the username for 30 minutes,
counted across client addresses; the lock lives in the database, so clearing the cache
(a Redis restart) lifts nothing; API tokens are not affected."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from portal.accounts.models import AuthEvent
from tests.conftest import PASSWORD
from tests.security.conftest import post_login

WRONG = "not-the-password"


def fail(client, username, ip, times):
    return [post_login(client, username, WRONG, ip) for _i in range(times)]


def test_five_failures_lock_the_username_from_every_address(users):
    client = Client()
    responses = fail(client, "operator_a", "10.0.0.1", 4)
    assert [r.status_code for r in responses] == [200] * 4
    fifth = post_login(client, "operator_a", WRONG, "10.0.0.1")
    assert fifth.status_code == 429
    text = fifth.content.decode()
    assert "账号已临时锁定" in text and "30 分钟" in text
    # The right password from the same address, and from another one: still locked.
    assert post_login(Client(), "operator_a", PASSWORD, "10.0.0.1").status_code == 429
    other = post_login(Client(), "operator_a", PASSWORD, "192.168.5.5")
    assert other.status_code == 429
    # Another user signing in from the attacked address is not locked out.
    assert post_login(Client(), "operator_b", PASSWORD, "10.0.0.1").status_code == 302
    # The lockout and the failures are in the auth event log, with the address.
    assert AuthEvent.objects.filter(event="lockout", username="operator_a").count() >= 1
    failures = AuthEvent.objects.filter(event="failure", username="operator_a")
    assert failures.count() >= 5
    assert set(failures.values_list("ip", flat=True)) >= {"10.0.0.1", "192.168.5.5"}


def test_failures_from_several_addresses_add_up(users):
    for ip, times in (("10.1.1.1", 2), ("10.2.2.2", 2)):
        assert all(r.status_code == 200 for r in fail(Client(), "worker_a", ip, times))
    last = post_login(Client(), "worker_a", WRONG, "10.3.3.3")
    assert last.status_code == 429
    assert post_login(Client(), "worker_a", PASSWORD, "10.4.4.4").status_code == 429


def test_the_lock_is_in_the_database_and_survives_a_cache_flush(users):
    fail(Client(), "operator_a", "10.0.0.9", 5)
    attempts = AccessAttempt.objects.filter(username="operator_a")
    assert sum(a.failures_since_start for a in attempts) >= 5
    cache.clear()  # what a Redis restart does to anything kept in the cache
    assert post_login(Client(), "operator_a", PASSWORD, "10.0.0.9").status_code == 429


def test_the_lock_ends_after_30_minutes(users):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        fail(Client(), "operator_a", "10.0.0.7", 5)
        traveller.shift(timedelta(minutes=29))
        assert post_login(Client(), "operator_a", PASSWORD, "10.0.0.7").status_code == 429
        traveller.shift(timedelta(minutes=2))
        assert post_login(Client(), "operator_a", PASSWORD, "10.0.0.7").status_code == 302


def test_a_success_resets_the_count(users):
    fail(Client(), "operator_a", "10.0.0.3", 4)
    assert post_login(Client(), "operator_a", PASSWORD, "10.0.0.3").status_code == 302
    fail(Client(), "operator_a", "10.0.0.3", 4)
    assert post_login(Client(), "operator_a", PASSWORD, "10.0.0.3").status_code == 302


def test_api_tokens_are_not_affected_by_a_lock(users, api_for):
    api = api_for(users["sync_a"])
    fail(Client(), "sync_a", "10.0.0.5", 5)
    assert post_login(Client(), "sync_a", PASSWORD, "10.0.0.5").status_code == 429
    assert api.get("/api/v1/buildings/").status_code == 200


def test_forwarded_for_is_ignored_unless_a_proxy_is_configured(users, settings):
    # Without TRUSTED_PROXY_COUNT, a client cannot dodge the lock with a forged header ...
    client = Client()
    for i in range(5):
        post_login(client, "operator_a", WRONG, "10.9.9.9", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}")
    assert set(
        AuthEvent.objects.filter(username="operator_a", event="failure").values_list(
            "ip", flat=True
        )
    ) == {"10.9.9.9"}
    # ... and behind one proxy (nginx), the address nginx appended is the client's.
    settings.TRUSTED_PROXY_COUNT = 1
    post_login(Client(), "operator_b", WRONG, "127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 8.8.4.4")
    assert AuthEvent.objects.get(username="operator_b", event="failure").ip == "8.8.4.4"


@pytest.mark.parametrize("count", [5])
def test_security_admin_unlocks_with_axes_reset(users, count):
    from django.core.management import call_command

    fail(Client(), "operator_a", "10.0.0.8", count)
    call_command("axes_reset_username", "operator_a")
    assert post_login(Client(), "operator_a", PASSWORD, "10.0.0.8").status_code == 302
