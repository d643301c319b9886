"""Scope tokens beside the name grams in one GIN index, and a start-of-name gram.

``Member.scope_tokens`` holds ``@<code>`` for the region of the member's organisation and
every region above it (portal/search.py ``scope_tokens``). The database keeps it:
- ``member_scope_tokens`` (BEFORE INSERT, or UPDATE OF organization_id / scope_tokens, on
  members_member) computes it from the organisation's region path, so every writer - a
  form, the API, an import's COPY, a transfer, raw SQL - gets it right;
- ``organization_member_scope_tokens`` (AFTER UPDATE OF region_id on an organisation) and
  ``region_member_scope_tokens`` (AFTER UPDATE OF path on a region: a move or a re-coding,
  which rewrites the subtree's paths row by row) reset the affected members' tokens, and
  the first trigger recomputes them.

Existing rows are filled here before the index is rebuilt: the organisations' tokens once
into a temporary table, then one UPDATE that also adds the ``^<first character>`` gram to
``name_grams`` (portal/search.py ``name_grams``).
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION member_scope_tokens(org_id bigint) RETURNS varchar(20)[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY(
        SELECT '@' || code
        FROM unnest(string_to_array(trim(both '/' from r.path), '/')) AS code
        WHERE code <> ''
    )::varchar(20)[]
    FROM organizations_organization o JOIN portal_region r ON r.id = o.region_id
    WHERE o.id = org_id
$$;

CREATE OR REPLACE FUNCTION member_scope_tokens_set() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.scope_tokens := COALESCE(member_scope_tokens(NEW.organization_id), '{}');
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION member_scope_tokens_reset_organization() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members_member SET scope_tokens = '{}' WHERE organization_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION member_scope_tokens_reset_region() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members_member SET scope_tokens = '{}'
    WHERE organization_id IN (
        SELECT id FROM organizations_organization WHERE region_id = NEW.id
    );
    RETURN NULL;
END
$$;
"""

FILL = r"""
CREATE TEMPORARY TABLE org_scope_tokens ON COMMIT DROP AS
    SELECT o.id, member_scope_tokens(o.id) AS tokens FROM organizations_organization o;
ALTER TABLE org_scope_tokens ADD PRIMARY KEY (id);

UPDATE members_member m SET
    scope_tokens = COALESCE(
        (SELECT t.tokens FROM org_scope_tokens t WHERE t.id = m.organization_id), '{}'
    ),
    name_grams = CASE
        WHEN s.gram IS NULL OR s.gram = ANY(m.name_grams) THEN m.name_grams
        ELSE array_append(m.name_grams, s.gram)
    END
FROM (
    SELECT id, ('^' || NULLIF(left(lower(regexp_replace(name, '[[:space:]]+', '', 'g')), 1), ''))::varchar(4) AS gram
    FROM members_member
) s
WHERE s.id = m.id;
"""

UNFILL = r"""
UPDATE members_member SET name_grams = ARRAY(
    SELECT g FROM unnest(name_grams) AS g WHERE g NOT LIKE '^%'
)::varchar(4)[];
"""

TRIGGERS = r"""
CREATE TRIGGER member_scope_tokens
    BEFORE INSERT OR UPDATE OF organization_id, scope_tokens ON members_member
    FOR EACH ROW EXECUTE FUNCTION member_scope_tokens_set();
CREATE TRIGGER organization_member_scope_tokens
    AFTER UPDATE OF region_id ON organizations_organization
    FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id)
    EXECUTE FUNCTION member_scope_tokens_reset_organization();
CREATE TRIGGER region_member_scope_tokens
    AFTER UPDATE OF path ON portal_region
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path)
    EXECUTE FUNCTION member_scope_tokens_reset_region();
"""

DROP = r"""
DROP TRIGGER IF EXISTS member_scope_tokens ON members_member;
DROP TRIGGER IF EXISTS organization_member_scope_tokens ON organizations_organization;
DROP TRIGGER IF EXISTS region_member_scope_tokens ON portal_region;
DROP FUNCTION IF EXISTS member_scope_tokens_set();
DROP FUNCTION IF EXISTS member_scope_tokens_reset_organization();
DROP FUNCTION IF EXISTS member_scope_tokens_reset_region();
DROP FUNCTION IF EXISTS member_scope_tokens(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_organisational_life"),
        ("organizations", "0005_terms_elections"),
        ("portal", "0003_import_job_retry"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="member", name="member_name_grams"),
        migrations.AddField(
            model_name="member",
            name="scope_tokens",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=20),
                default=list,
                editable=False,
                size=None,
            ),
        ),
        migrations.RunSQL(FUNCTIONS + FILL, UNFILL + DROP),
        migrations.RunSQL(TRIGGERS, migrations.RunSQL.noop),
        # The index is built once, over the filled rows, with room to sort in memory.
        migrations.RunSQL("SET LOCAL maintenance_work_mem = '512MB'", migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="member",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["name_grams", "scope_tokens"], name="member_name_grams"
            ),
        ),
    ]
