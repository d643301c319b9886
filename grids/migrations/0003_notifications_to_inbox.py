"""The grids' own message table folds into the users' inbox (portal.inbox): every message is
copied as an inbox item (same user, kind, text, times; the case or wish as its source and
link), then the table goes.

The copy is one INSERT ... SELECT. Links are written as the pages' paths were when this
migration was written (/grids/cases/<id>/, /grids/wishes/<id>/), not reversed from today's
URLconf, so the migration keeps meaning the same thing later. Kinds the inbox does not know
(none were written by the code, but rows entered by hand may carry any) become "message".
"""

from django.db import migrations

KINDS = (
    "case_reported",
    "case_dispatched",
    "case_resolved",
    "case_escalated",
    "case_overdue",
    "wish_reviewed",
    "wish_claimed",
    "wish_fulfilled",
    "wish_confirmed",
    "wish_withdrawn",
    "wish_released",
)

COPY_SQL = """
INSERT INTO inbox_inboxitem (user_id, kind, title, body, url, due_on, content_type_id,
                             object_id, key, generated, created_at, read_at, done_at)
SELECT n.user_id,
       CASE WHEN n.kind = ANY(%(kinds)s) THEN n.kind ELSE 'message' END,
       n.text, '',
       CASE WHEN n.case_id IS NOT NULL THEN '/grids/cases/' || n.case_id || '/'
            WHEN n.wish_id IS NOT NULL THEN '/grids/wishes/' || n.wish_id || '/'
            ELSE '' END,
       NULL,
       CASE WHEN n.case_id IS NOT NULL THEN %(case_ct)s
            WHEN n.wish_id IS NOT NULL THEN %(wish_ct)s END,
       COALESCE(n.case_id, n.wish_id),
       NULL, FALSE, n.created_at, n.read_at, NULL
FROM grids_notification n
ORDER BY n.id
"""


def copy_to_inbox(apps, schema_editor):
    Notification = apps.get_model("grids", "Notification")
    if not Notification.objects.exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    case_ct, _created = ContentType.objects.get_or_create(app_label="grids", model="case")
    wish_ct, _created = ContentType.objects.get_or_create(app_label="grids", model="wish")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            COPY_SQL, {"kinds": list(KINDS), "case_ct": case_ct.pk, "wish_ct": wish_ct.pk}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0002_case_category_audit"),
        ("inbox", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_to_inbox, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="Notification"),
    ]
