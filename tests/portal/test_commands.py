"""Provisioning by script, and the demo district."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from members.models import Member
from organizations.models import LeadershipPosition, Organization
from portal.accounts.models import ApiToken, User, hash_token
from portal.accounts.roles import GRANTS
from portal.models import Region


def run(*args, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def test_create_account_generates_and_prints_a_password(district):
    out, _err = run("create_account", "wang", "--role", "street_operator", "--scope", "310104003")
    user = User.objects.get(username="wang")
    assert user.scope_region == district["a"]
    assert [g.name for g in user.groups.all()] == ["street_operator"]
    password = out.strip().rsplit(" ", 1)[-1]
    assert out.startswith("password for wang: ")
    assert user.check_password(password)


def test_create_account_reads_the_password_from_the_environment(district, monkeypatch):
    monkeypatch.setenv("WANG_PASSWORD", "Sufficiently-Long-9")
    out, _err = run(
        "create_account",
        "wang",
        "--role",
        "auditor",
        "--scope",
        "310104",
        "--password-env",
        "WANG_PASSWORD",
    )
    assert out == ""
    assert User.objects.get(username="wang").check_password("Sufficiently-Long-9")


def test_create_account_refuses_unknown_region_and_empty_password(district, monkeypatch):
    with pytest.raises(CommandError, match="no region"):
        run("create_account", "x", "--role", "auditor", "--scope", "999999")
    monkeypatch.delenv("NOPE", raising=False)
    with pytest.raises(CommandError, match="NOPE"):
        run(
            "create_account",
            "x",
            "--role",
            "auditor",
            "--scope",
            "310104",
            "--password-env",
            "NOPE",
        )
    assert not User.objects.filter(username="x").exists()


def test_integration_account_has_no_password_and_a_token_prints_alone(district):
    out, _err = run("create_account", "sync", "--role", "integration", "--scope", "310104003")
    assert out == ""
    user = User.objects.get(username="sync")
    assert not user.has_usable_password()
    out, err = run("issue_token", "sync", "--days", "30")
    key = out.strip()
    assert out == key + "\n"  # nothing else on stdout
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hash_token(key) and key not in token.key_hash
    assert token.is_active
    assert 29 <= (token.expires_at - token.created_at).days <= 30


def test_issued_token_authenticates_with_the_users_scope(district, client):
    run("create_account", "sync", "--role", "integration", "--scope", "310104003")
    key = run("issue_token", "sync")[0].strip()
    response = client.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert codes == {"S003", "S003C001", "S003C001B01", "S003C001B01G1"}


def test_issue_token_for_unknown_user_fails(db):
    with pytest.raises(CommandError):
        run("issue_token", "nobody")


@pytest.mark.slow
def test_seed_demo_builds_the_demo_district_and_is_idempotent(db):
    out, err = run("seed_demo", "--members", "2000")
    assert Region.objects.count() == 328
    assert Region.objects.filter(level="street").count() == 12
    assert Region.objects.filter(level="community").count() == 313
    assert Region.objects.get(code="310104003").name == "天平路街道"
    assert Region.objects.get(code="310104004").name == "湖南路街道"
    orgs = Organization.objects.count()
    assert 2800 <= orgs <= 3600
    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert kinds >= {"committee", "working_committee", "general_branch", "branch", "group"}
    # every community has its 居民区党总支, every group sits under a branch
    assert Organization.objects.filter(kind="general_branch", sector="community").count() == 313
    assert (
        not Organization.objects.filter(kind="group")
        .exclude(parent__kind__in=["branch", "joint_branch", "temporary_branch"])
        .exists()
    )
    assert LeadershipPosition.objects.count() > orgs
    assert Member.objects.count() == 2000
    assert not Member.objects.exclude(organization__kind__in=Organization.BRANCH_KINDS).exists()
    assert set(User.objects.values_list("username", flat=True)) == {
        "demo_district",
        "demo_street",
        "demo_community",
        "demo_auditor",
        "demo_sync",
    }
    assert "demo_sync" in out and "API token" in out
    # The dashboard's figures are computed by the seed: the first page shows the district.
    from dashboard.models import Figure

    district = Region.objects.get(code="310104")
    members = Figure.objects.filter(region=district, metric="members.total")
    in_good_standing = Member.objects.filter(status=Member.Status.NORMAL).count()
    assert members.order_by("-month").values_list("value", flat=True).first() == in_good_standing
    # The demo district admin's inbox holds today's reminders (overdue terms at least).
    from portal.inbox.models import InboxItem

    inbox = InboxItem.objects.filter(user__username="demo_district")
    assert inbox.filter(kind="term_overdue").exists()
    assert "inbox reminders due today" in err
    # Dues: bases, payments and a few exemptions in the demo street's branches; some
    # members are 6+ months in arrears, so the arrears list has something to show.
    from members import dues
    from members.models import DuesBase, DuesPayment

    payments = DuesPayment.objects.count()
    assert payments > 100 and DuesBase.objects.exists()
    assert not DuesPayment.objects.exclude(
        member__organization__region__path__startswith="/310104/310104003/"
    ).exists()
    overdue = dues.arrears(Member.objects.all(), timezone.localdate(), min_months=6)
    assert overdue and all(row.months_in_arrears >= 6 for row in overdue)
    reminders = sorted(InboxItem.objects.values_list("user_id", "key", "kind", "done_at"))
    out, err = run("seed_demo", "--members", "2000")
    after = sorted(InboxItem.objects.values_list("user_id", "key", "kind", "done_at"))
    assert after == reminders  # terms kept, and the reminder run is idempotent
    assert DuesPayment.objects.count() == payments
    assert Organization.objects.count() == orgs
    assert Member.objects.count() == 2000
    assert "0 created, 0 updated" in err
    assert out == ""  # no new accounts, nothing printed


def test_bootstrap_creates_the_admin_once(db, settings):
    out, _err = run("bootstrap", "--no-demo")
    assert "username: admin" in out
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    out, _err = run("bootstrap", "--no-demo")
    assert "admin" not in out


@pytest.mark.django_db
def test_migrate_grants_the_roles_every_apps_permissions():
    """The roles are synced after migrate once every app's permissions exist: the apps
    listed last (the portal's top) are granted too, without bootstrap or a fixture."""
    from django.contrib.auth.models import Group, Permission

    Group.objects.filter(name__in=GRANTS).delete()
    # As on a database that gains the top apps: their permissions do not exist yet and are
    # created in their own (late) turn of post_migrate.
    Permission.objects.filter(content_type__app_label__in=["dashboard", "reports"]).delete()
    call_command("migrate", verbosity=0)  # nothing to migrate: post_migrate runs all the same
    granted = set(
        Group.objects.get(name="district_admin").permissions.values_list(
            "content_type__app_label", flat=True
        )
    )
    assert {"organizations", "members", "buildings", "grids", "dashboard", "reports"} <= granted
    worker = Group.objects.get(name="community_worker").permissions
    assert worker.filter(content_type__app_label="grids", codename="add_case").exists()
