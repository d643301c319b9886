"""Add the start-of-name gram (``^<first character>``, portal/search.py ``name_grams``) to
every enterprise's ``name_grams``, so the search box's "starts with" tier is a GIN lookup."""

from django.db import migrations

FILL = r"""
UPDATE buildings_enterprise e SET name_grams = array_append(e.name_grams, s.gram)
FROM (
    SELECT id, ('^' || NULLIF(left(lower(regexp_replace(name, '[[:space:]]+', '', 'g')), 1), ''))::varchar(4) AS gram
    FROM buildings_enterprise
) s
WHERE s.id = e.id AND s.gram IS NOT NULL AND NOT s.gram = ANY(e.name_grams);
"""

UNFILL = r"""
UPDATE buildings_enterprise SET name_grams = ARRAY(
    SELECT g FROM unnest(name_grams) AS g WHERE g NOT LIKE '^%'
)::varchar(4)[];
"""


class Migration(migrations.Migration):
    dependencies = [("buildings", "0004_coverage_grid")]

    operations = [migrations.RunSQL(FILL, UNFILL)]
