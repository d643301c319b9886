"""Shared fixtures: a small two-street district, users of every role, API clients.

Tests run on real PostgreSQL (DATABASE_URL, or the embedded server when it is unset).
Celery runs eagerly here unless a test starts a real worker (tests/portal/test_imports.py).
"""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from organizations.models import LeadershipPosition, Organization
from portal.accounts.models import ApiToken, User
from portal.accounts.roles import (
    AUDITOR,
    COMMUNITY_WORKER,
    DISTRICT_ADMIN,
    INTEGRATION,
    STREET_OPERATOR,
    sync_roles,
)
from portal.models import Region

PASSWORD = "Correct-Horse-9"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Tests hash passwords with a fast hasher; production keeps Django's PBKDF2 default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Two-factor sign-in is required of admins in production; tests/security turns it on.
    settings.OTP_ENFORCED = False
    # Uploads of each test go to its own folder: no file is left behind or collides.
    settings.MEDIA_ROOT = tmp_path / "media"
    from portal.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


#: Reference rows written by data migrations: (model, migration module, function).
REFERENCE_ROWS = (
    ("members.DuesRate", "members.migrations.0007_dues", "seed_rates"),
    ("members.MeetingFrequency", "members.migrations.0009_organisational_life", "seed_frequencies"),
    (
        "organizations.TermRule",
        "organizations.migrations.0005_terms_elections",
        "default_term_rules",
    ),
    ("cadres.LadderRule", "cadres.migrations.0002_ladder_rules", "seed"),
)


@pytest.fixture(autouse=True)
def _reference_rows(request):
    """A transactional test (a browser or live-server test) ends with a flush that empties
    every table, the data migrations' reference rows too; tests after it on the same worker
    would then run without dues rates, meeting frequencies, term or ladder rules. Before a
    database test, put back what is missing, as the migration wrote it."""
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from importlib import import_module

    from django.apps import apps

    for label, module, function in REFERENCE_ROWS:
        if not apps.get_model(label).objects.exists():
            getattr(import_module(module), function)(apps, None)


@pytest.fixture
def district(db):
    """徐汇区 with two streets (A: 天平路街道, B: 湖南路街道), a community in each, and a
    small organisation tree: 区委 > 街道党工委 > 居民区党总支 > 党支部 > 党小组 per street."""
    sync_roles()
    d = Region.objects.create(code="310104", name="徐汇区", level=Region.Level.DISTRICT)
    a = Region.objects.create(
        code="310104003", name="天平路街道", level=Region.Level.STREET, parent=d
    )
    b = Region.objects.create(
        code="310104004", name="湖南路街道", level=Region.Level.STREET, parent=d
    )
    a1 = Region.objects.create(
        code="310104003001", name="上海新村居委会", level=Region.Level.COMMUNITY, parent=a
    )
    b1 = Region.objects.create(
        code="310104004001", name="武康居委会", level=Region.Level.COMMUNITY, parent=b
    )
    root = Organization.objects.create(
        code="D310104",
        name="中共上海市徐汇区委员会",
        kind=Organization.Kind.COMMITTEE,
        sector=Organization.Sector.GOVERNMENT,
        region=d,
    )
    orgs = {"root": root}
    for key, street, community in (("a", a, a1), ("b", b, b1)):
        top = Organization.objects.create(
            code=f"S{street.code[-3:]}",
            name=f"{street.name}党工委",
            kind=Organization.Kind.WORKING_COMMITTEE,
            sector=Organization.Sector.GOVERNMENT,
            parent=root,
            region=street,
        )
        general = Organization.objects.create(
            code=f"S{street.code[-3:]}C001",
            name=f"{community.name[:-3]}居民区党总支",
            kind=Organization.Kind.GENERAL_BRANCH,
            sector=Organization.Sector.COMMUNITY,
            parent=top,
            region=community,
            term_end=date(2027, 1, 1),
        )
        branch = Organization.objects.create(
            code=f"S{street.code[-3:]}C001B01",
            name=f"{community.name[:-3]}居民区第一党支部",
            kind=Organization.Kind.BRANCH,
            sector=Organization.Sector.COMMUNITY,
            parent=general,
            region=community,
        )
        group = Organization.objects.create(
            code=f"S{street.code[-3:]}C001B01G1",
            name=f"{community.name[:-3]}居民区第一党小组",
            kind=Organization.Kind.GROUP,
            sector=Organization.Sector.COMMUNITY,
            parent=branch,
            region=community,
        )
        LeadershipPosition.objects.create(
            organization=branch,
            title=LeadershipPosition.Title.SECRETARY,
            holder_name=f"{key.upper()}书记",
            started_on=date(2024, 1, 1),
        )
        orgs.update(
            {
                f"{key}_top": top,
                f"{key}_general": general,
                f"{key}_branch": branch,
                f"{key}_group": group,
            }
        )
    return {"district": d, "a": a, "b": b, "a1": a1, "b1": b1, **orgs}


def add_branches(parent, count, code_prefix, name_prefix):
    """``count`` 党支部 under ``parent`` in one bulk insert (paths computed here)."""
    return Organization.objects.bulk_create(
        Organization(
            code=f"{code_prefix}{i:04d}",
            name=f"{name_prefix}第{i}党支部",
            kind=Organization.Kind.BRANCH,
            sector=Organization.Sector.COMMUNITY,
            parent=parent,
            region=parent.region,
            path=f"{parent.path}{code_prefix}{i:04d}/",
            depth=parent.depth + 1,
        )
        for i in range(count)
    )


def make_user(username, role, region, **extra):
    user = User.objects.create_user(
        username=username, password=PASSWORD, scope_region=region, **extra
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def users(district):
    """One user per role; ``operator_a``/``operator_b`` are street operators of A and B."""
    return {
        "admin": make_user("district_admin", DISTRICT_ADMIN, district["district"], is_staff=True),
        "operator_a": make_user("operator_a", STREET_OPERATOR, district["a"]),
        "operator_b": make_user("operator_b", STREET_OPERATOR, district["b"]),
        "worker_a": make_user("worker_a", COMMUNITY_WORKER, district["a1"]),
        "auditor": make_user("auditor", AUDITOR, district["district"]),
        "sync_a": make_user("sync_a", INTEGRATION, district["a"]),
    }


@pytest.fixture
def client_for(client):
    """``client_for(user)``: Django's test client, signed in as ``user``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_for():
    """``api_for(user)``: DRF's APIClient authenticated with a real API token of ``user``."""

    def make(user):
        _token, key = ApiToken.issue(user, name=f"test token of {user.username}")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api

    return make


# One definition of the browser fixtures for every folder: a second definition (a module
# importing them) would start a second Playwright in the same worker.
from tests.browser.fixtures import browser, new_page, screenshot_path  # noqa: E402, F401
