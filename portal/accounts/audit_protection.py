"""Database-level protection of every audit table.

The audit tables are every django-pghistory event table (found at run time, so a new app's
events are covered on its first ``migrate``), ``portal.SensitiveAccess`` and
``accounts.AuthEvent``. One PL/pgSQL trigger function guards them all:

- UPDATE: always refused.
- TRUNCATE: refused, except to a database superuser (who could drop the trigger anyway; the
  test suite's flush between transactional tests runs as one). The application must connect
  as an ordinary role (docs/deploy.md).
- DELETE: refused unless the archive routine switched ``partyportal.archiving`` on in its
  transaction AND the row is older than the retention period (AUDIT_RETENTION_DAYS, at least
  180, fixed into the trigger when it is installed): nobody can delete a recent row.

Installed after every ``migrate`` (post_migrate) with plain SQL, so no migration of any app
changes and ``makemigrations --check`` stays clean.
"""

from django.apps import apps
from django.conf import settings
from django.db import connections

FUNCTION = "partyportal_audit_protect"
TRIGGER_PREFIX = "partyportal_audit_protect"
MINIMUM_RETENTION_DAYS = 180

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    stamp timestamptz;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit table % is append-only: UPDATE refused', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit table % is append-only: TRUNCATE refused', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_OP = 'DELETE' THEN
        IF coalesce(current_setting('partyportal.archiving', true), '') <> 'on' THEN
            RAISE EXCEPTION 'audit table % is append-only: DELETE refused', TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        stamp := (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz;
        IF stamp IS NULL OR stamp >= now() - make_interval(days => TG_ARGV[1]::int) THEN
            RAISE EXCEPTION 'audit table %: row % is within the retention period',
                TG_TABLE_NAME, OLD
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    RETURN NULL;
END;
$$;
"""  # noqa: S608


def retention_days():
    return max(int(getattr(settings, "AUDIT_RETENTION_DAYS", 180)), MINIMUM_RETENTION_DAYS)


def audit_models():
    """(model, time field) of every audit table: pghistory's event models, then ours."""
    import pghistory.models

    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.abstract:
            continue
        if issubclass(model, pghistory.models.Event):
            found.append((model, "pgh_created_at"))
    found.sort(key=lambda pair: pair[0]._meta.db_table)
    found.append((apps.get_model("portal", "SensitiveAccess"), "at"))
    found.append((apps.get_model("accounts", "AuthEvent"), "at"))
    return found


def install(using="default"):
    """(Re)create the function and one row trigger + one statement trigger per table."""
    days = retention_days()
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for model, field in audit_models():
            table = model._meta.db_table
            if table not in existing:
                continue
            column = model._meta.get_field(field).column
            quoted = connection.ops.quote_name(table)
            row_trigger = connection.ops.quote_name(f"{TRIGGER_PREFIX}_row")
            statement_trigger = connection.ops.quote_name(f"{TRIGGER_PREFIX}_truncate")
            cursor.execute(f"DROP TRIGGER IF EXISTS {row_trigger} ON {quoted}")
            cursor.execute(
                f"CREATE TRIGGER {row_trigger} BEFORE UPDATE OR DELETE ON {quoted} "
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}('{column}', '{days}')"
            )
            cursor.execute(f"DROP TRIGGER IF EXISTS {statement_trigger} ON {quoted}")
            cursor.execute(
                f"CREATE TRIGGER {statement_trigger} BEFORE TRUNCATE ON {quoted} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )


def protected_tables(using="default"):
    """Names of the tables that carry both triggers (what the tests compare against)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE t.tgname IN (%s, %s) AND NOT t.tgisinternal AND t.tgenabled <> 'D'
            GROUP BY c.relname HAVING count(*) = 2
            """,
            [f"{TRIGGER_PREFIX}_row", f"{TRIGGER_PREFIX}_truncate"],
        )
        return {row[0] for row in cursor.fetchall()}
