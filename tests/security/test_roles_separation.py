"""三员分立: system admin, security admin and auditor are three people; the auditor reads all
audit data and changes nothing anywhere (UI, API, admin)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from portal.accounts import audit_protection
from portal.accounts.roles import AUDITOR, SECURITY_ADMIN, SYSTEM_ADMIN
from portal.routers import router
from tests.conftest import make_user


@pytest.fixture
def trio(district, users):
    return {
        "system": make_user("sysadmin", SYSTEM_ADMIN, district["district"], is_staff=True),
        "security": make_user("secadmin", SECURITY_ADMIN, district["district"], is_staff=True),
    }


@pytest.mark.parametrize("second", [SECURITY_ADMIN, AUDITOR])
def test_a_user_cannot_hold_two_separated_roles(trio, second):
    with pytest.raises(ValidationError, match="三员分立"), transaction.atomic():
        trio["system"].groups.add(Group.objects.get(name=second))
    with pytest.raises(ValidationError), transaction.atomic():
        Group.objects.get(name=second).user_set.add(trio["system"])
    assert list(trio["system"].groups.values_list("name", flat=True)) == [SYSTEM_ADMIN]


def test_the_database_refuses_it_too(trio):
    through = trio["system"].groups.through._meta.db_table
    with (
        pytest.raises(DatabaseError, match="separation of duties"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f'INSERT INTO "{through}" (user_id, group_id) VALUES (%s, %s)',  # noqa: S608
            [trio["system"].pk, Group.objects.get(name=AUDITOR).pk],
        )


def test_admin_form_names_the_conflict(client, trio):
    client.force_login(trio["security"])
    user = trio["system"]
    groups = Group.objects.filter(name__in=[SYSTEM_ADMIN, AUDITOR])
    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": user.username,
            "scope_region": user.scope_region_id,
            "groups": [g.pk for g in groups],
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert "三员分立" in str(response.context["adminform"].form.errors["groups"])


def test_system_admin_manages_accounts_but_not_roles_or_audit(client_for, trio):
    client = client_for(trio["system"])
    page = client.get(f"/admin/accounts/user/{trio['security'].pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "groups" not in form.fields  # read-only: roles are the security admin's
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/sensitive/").status_code == 403
    assert client.get("/accounts/auth-events/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_security_admin_assigns_roles_but_sees_no_domain_data(client_for, trio):
    client = client_for(trio["security"])
    page = client.get(f"/admin/accounts/user/{trio['system'].pk}/change/")
    assert "groups" in page.context["adminform"].form.fields
    assert client.get("/admin/auth/group/").status_code == 200
    assert client.get("/members/").status_code == 403
    assert client.get("/admin/axes/accessattempt/").status_code == 200


def audit_rows():
    total = 0
    with connection.cursor() as cursor:
        for model, _field in audit_protection.audit_models():
            cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')  # noqa: S608
            total += cursor.fetchone()[0]
    return total


def test_auditor_reads_every_audit_source(client_for, users):
    client = client_for(users["auditor"])
    for path in ("/audit/", "/audit/sensitive/", "/accounts/auth-events/"):
        assert client.get(path).status_code == 200, path


def test_auditor_cannot_write_through_the_api(users, api_for, district):
    api = api_for(users["auditor"])
    before = audit_rows()
    checked = 0
    for prefix, _viewset, _basename in router.registry:
        url = f"/api/v1/{prefix}/"
        assert api.post(url, {}, format="json").status_code in (403, 404, 405), url
        for method in (api.put, api.patch, api.delete):
            status = method(f"{url}1/", {}, format="json").status_code
            assert status in (403, 404, 405), (url, method.__name__, status)
        checked += 1
    assert checked > 20
    # Nothing was written: no audit row appeared.
    assert audit_rows() == before


def test_auditor_cannot_write_through_admin_or_ui(client, users, district):
    auditor = users["auditor"]
    auditor.is_staff = True
    auditor.save()
    client.force_login(auditor)
    before = audit_rows()
    for model in admin.site._registry:
        meta = model._meta
        obj = model._default_manager.first()
        urls = [reverse(f"admin:{meta.app_label}_{meta.model_name}_add")]
        if obj is not None:
            urls += [
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]),
                reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk]),
            ]
        for url in urls:
            assert client.post(url, {}).status_code in (403, 404), url
    for url in (
        "/regions/add/",
        f"/regions/{district['a'].pk}/edit/",
        f"/regions/{district['a'].pk}/delete/",
        "/organizations/add/",
        f"/organizations/{district['a_branch'].pk}/edit/",
        "/accounts/tokens/",
    ):
        assert client.post(url, {"name": "x"}).status_code in (403, 404, 405), url
    assert audit_rows() == before
