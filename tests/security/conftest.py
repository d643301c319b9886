"""Helpers of the security tests: sign in through the real login form from a given address."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD, make_user  # noqa: F401  (re-exported for the tests)


def post_login(client, username, password=PASSWORD, ip="10.0.0.1", **extra):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT="pytest-browser/1.0",
        **extra,
    )


@pytest.fixture
def login_from():
    """``login_from(username, password, ip)``: a fresh client that posted the login form."""

    def login(username, password=PASSWORD, ip="10.0.0.1"):
        client = Client()
        response = post_login(client, username, password, ip)
        return client, response

    return login
