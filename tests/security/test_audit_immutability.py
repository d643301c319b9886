"""Every audit table is append-only in the database: as the application's (non-superuser)
role, UPDATE, DELETE and TRUNCATE are refused; DELETE only works for the archive routine and
only on rows older than the retention period."""

import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from portal.accounts import audit_protection
from portal.accounts.models import AuthEvent
from portal.models import Region, SensitiveAccess
from tests.security.conftest import post_login


@pytest.fixture
def app_role(db):
    """A login-less ordinary role with the application's table rights, dropped with the test's
    transaction. ``SET LOCAL ROLE`` to it is what the production role sees."""
    name = f"h6_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} NOLOGIN NOSUPERUSER")
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {name}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {name}")
    return name


def refused(sql, role=None, params=None, archiving=False):
    """Run ``sql`` in a savepoint (as ``role``); True when the database refused it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Fire the test's deferred foreign-key checks now, or TRUNCATE is refused for
            # "pending trigger events" before our trigger is even asked.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if role:
                cursor.execute(f"SET LOCAL ROLE {role}")
            if archiving:
                cursor.execute("SET LOCAL partyportal.archiving = 'on'")
            cursor.execute(sql, params)
    except DatabaseError as error:
        assert "append-only" in str(error) or "retention period" in str(error), error
        return True
    return False


@pytest.fixture
def audit_rows(users, client, district):
    """At least one row in several audit tables: region and user events, an access row, a
    sign-in event."""
    Region.objects.filter(pk=district["a"].pk).update(name="天平路街道（改）")
    post_login(client, "operator_a")
    from django.test import RequestFactory

    request = RequestFactory().get("/members/")
    request.user, request.id = users["admin"], "req-x"
    SensitiveAccess.record(request, Region, [district["a"].pk], ["name"], "ui")


def event_tables():
    return [model._meta.db_table for model, _field in audit_protection.audit_models()]


def tables_with_rows():
    found = []
    with connection.cursor() as cursor:
        for table in event_tables():
            cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608
            if cursor.fetchone():
                found.append(table)
    return found


def test_every_audit_table_is_protected(db):
    tables = set(event_tables())
    assert {"portal_sensitiveaccess", "accounts_authevent"} <= tables
    # Independent of our list: every table holding pghistory's event columns.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_name = c.table_name AND t.table_schema = c.table_schema
            WHERE c.column_name = 'pgh_created_at' AND t.table_type = 'BASE TABLE'
              AND c.table_schema = 'public'
            """
        )
        pghistory_tables = {row[0] for row in cursor.fetchall()}
    assert len(pghistory_tables) > 10
    assert pghistory_tables <= tables
    assert tables <= audit_protection.protected_tables()


def test_the_app_role_cannot_update_delete_or_truncate(audit_rows, app_role):
    tables = tables_with_rows()
    assert {"portal_sensitiveaccess", "accounts_authevent", "portal_regionevent"} <= set(tables)
    for table in tables:
        assert refused(f'UPDATE "{table}" SET {pk(table)} = {pk(table)}', app_role), table  # noqa: S608
        assert refused(f'DELETE FROM "{table}"', app_role), table  # noqa: S608
        assert refused(f'TRUNCATE "{table}"', app_role), table
        # Even with the archive switch on, recent rows stay.
        assert refused(f'DELETE FROM "{table}"', app_role, archiving=True), table  # noqa: S608


def test_even_a_superuser_connection_cannot_update_or_delete(audit_rows):
    for table in tables_with_rows():
        assert refused(f'UPDATE "{table}" SET {pk(table)} = {pk(table)}'), table  # noqa: S608
        assert refused(f'DELETE FROM "{table}"'), table  # noqa: S608


def test_the_orm_cannot_change_an_auth_event(audit_rows):
    event = AuthEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuthEvent.objects.filter(pk=event.pk).update(username="someone-else")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    assert AuthEvent.objects.filter(pk=event.pk, username=event.username).exists()


def pk(table):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = %s::regclass AND i.indisprimary
            """,
            [f'"{table}"'],
        )
        return f'"{cursor.fetchone()[0]}"'
