"""Reminders: what each app says is due, turned daily into inbox items.

An app contributes reminders through a module ``<app>/reminders.py`` with a function
``collect(today)`` returning ``Reminder``s; ``providers()`` finds those modules over the
installed apps (as ``portal.routers`` finds ``api`` modules), so the core imports no domain
app. ``generate(today)`` (the ``inbox.tasks.generate_reminders`` Celery task, daily) writes
them in two statements whatever their number:

- an upsert by (user, key): a new reason becomes an unread item, an unchanged one is left
  alone (a second run the same day writes nothing), a changed one (a count in its title,
  a due date) is updated in place, a done one whose reason is back is reopened;
- every generated item still open whose (user, key) was not collected is marked done: its
  reason has gone (the talk was recorded, the transfer approved, the term renewed).

Recipients: ``Audience`` loads the users reminders go to once per run (active, with a scope
region, not superusers nor integration accounts) with their permissions, indexed by scope
path, so "who may act on an object at this region" is a dictionary walk, not a query.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from portal import scoping
from portal.inbox.models import InboxItem
from portal.inbox.services import TITLE_MAX

logger = logging.getLogger(__name__)

#: pg_advisory_xact_lock key of a run ("INBOX" in ASCII): two runs never interleave.
LOCK_KEY = 0x494E424F58


@dataclass
class Reminder:
    """One reason for a reminder, for each of ``users``.

    ``key`` names the reason stably (``talk_due:applicant:123``): the same key on the next
    day is the same item. ``source`` is the object it is about, ``(model, pk)``."""

    users: list
    key: str
    kind: str
    title: str
    body: str = ""
    url: str = ""
    due_on: date | None = None
    source: tuple | None = field(default=None)


def providers():
    """The ``collect`` functions of the installed apps' ``reminders`` modules."""
    found = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.reminders"
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        collect = getattr(module, "collect", None)
        if collect is not None:
            found.append(collect)
    return found


# --- recipients ------------------------------------------------------------------------------


def path_prefixes(path):
    """Every scope path that holds ``path``: ``/D/S/C/`` -> ``/D/``, ``/D/S/``, ``/D/S/C/``."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


class Audience:
    """The users reminders may go to, loaded in three queries.

    Each user's permissions are read for all of them at once and kept on the user object
    (``User.permission_names``, which ``scoping.can`` reads), so the scoping helpers and the
    apps' own "may this user act on this object" functions answer without a query."""

    def __init__(self, users):
        self.users = users
        self.by_prefix = defaultdict(list)
        for user in users:
            prefix = scoping.scope_prefix(user)
            if prefix:
                self.by_prefix[prefix].append(user)
        self._covering = {}

    @classmethod
    def load(cls):
        from portal.accounts.models import User
        from portal.accounts.roles import INTEGRATION

        users = list(
            User.objects.filter(is_active=True, is_superuser=False, scope_region__isnull=False)
            .exclude(groups__name=INTEGRATION)
            .select_related("scope_region")
            .order_by("pk")
        )
        names = defaultdict(set)
        ids = [u.pk for u in users]
        for lookup in ("user", "group__user"):
            rows = (
                Permission.objects.filter(**{f"{lookup}__in": ids})
                .values_list(lookup, "content_type__app_label", "codename")
                .order_by()
                .distinct()
            )
            for user_id, app_label, codename in rows:
                names[user_id].add(f"{app_label}.{codename}")
        for user in users:
            # Fill the cached_property, as the request's own first call would.
            user.__dict__["permission_names"] = frozenset(names[user.pk])
        return cls(users)

    def covering(self, path, model=None, action="view"):
        """The users whose scope holds ``path`` (a region path) and, with ``model``, whose
        roles grant ``action`` on it (``scoping.can``)."""
        cache_key = (path, model, action)
        if cache_key not in self._covering:
            users = [u for p in path_prefixes(path) for u in self.by_prefix.get(p, ())]
            if model is not None:
                users = [u for u in users if scoping.can(u, model, action)]
            self._covering[cache_key] = users
        return self._covering[cache_key]


# --- the daily run ---------------------------------------------------------------------------

UPSERT_SQL = """
INSERT INTO {table} AS i (user_id, key, kind, title, body, url, due_on, content_type_id,
                          object_id, generated, created_at)
SELECT r.user_id, r.key, r.kind, r.title, r.body, r.url, r.due_on, r.content_type_id,
       r.object_id, TRUE, %(now)s
FROM unnest(%(users)s::bigint[], %(keys)s::text[], %(kinds)s::text[], %(titles)s::text[],
            %(bodies)s::text[], %(urls)s::text[], %(due)s::date[], %(cts)s::integer[],
            %(oids)s::bigint[])
     AS r(user_id, key, kind, title, body, url, due_on, content_type_id, object_id)
ON CONFLICT (user_id, key) DO UPDATE SET
    kind = EXCLUDED.kind, title = EXCLUDED.title, body = EXCLUDED.body, url = EXCLUDED.url,
    due_on = EXCLUDED.due_on, content_type_id = EXCLUDED.content_type_id,
    object_id = EXCLUDED.object_id, generated = TRUE, done_at = NULL
WHERE (i.kind, i.title, i.body, i.url, i.due_on, i.content_type_id, i.object_id, i.generated,
       i.done_at)
      IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.title, EXCLUDED.body, EXCLUDED.url,
       EXCLUDED.due_on, EXCLUDED.content_type_id, EXCLUDED.object_id, TRUE, NULL::timestamptz)
RETURNING (xmax = 0) AS inserted
"""

DONE_SQL = """
UPDATE {table} AS i SET done_at = %(now)s
WHERE i.generated AND i.done_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM unnest(%(users)s::bigint[], %(keys)s::text[]) AS c(user_id, key)
      WHERE c.user_id = i.user_id AND c.key = i.key
  )
"""


def collect(today):
    """Every provider's reminders as one row per (user, key); the last one collected wins."""
    rows = {}
    for provider in providers():
        for reminder in provider(today):
            source = {"content_type": None, "object_id": None}
            if reminder.source is not None:
                model, pk = reminder.source
                source = {
                    "content_type": ContentType.objects.get_for_model(model).pk,
                    "object_id": pk,
                }
            for user in reminder.users:
                user_id = getattr(user, "pk", user)
                rows[(user_id, reminder.key)] = {
                    "kind": str(reminder.kind),
                    "title": str(reminder.title)[:TITLE_MAX],
                    "body": str(reminder.body),
                    "url": reminder.url or "",
                    "due_on": reminder.due_on,
                    **source,
                }
    return rows


def generate(today=None, now=None):
    """Bring every user's reminders in step with what the providers say is due ``today``.
    Returns ``{"reminders", "created", "updated", "done"}``."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    rows = collect(today)
    keys = list(rows)
    params = {
        "now": now,
        "users": [user_id for user_id, _key in keys],
        "keys": [key for _user_id, key in keys],
        "kinds": [rows[k]["kind"] for k in keys],
        "titles": [rows[k]["title"] for k in keys],
        "bodies": [rows[k]["body"] for k in keys],
        "urls": [rows[k]["url"] for k in keys],
        "due": [rows[k]["due_on"] for k in keys],
        "cts": [rows[k]["content_type"] for k in keys],
        "oids": [rows[k]["object_id"] for k in keys],
    }
    table = connection.ops.quote_name(InboxItem._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        created = updated = 0
        if keys:
            cursor.execute(UPSERT_SQL.format(table=table), params)
            for (inserted,) in cursor.fetchall():
                created += inserted
                updated += not inserted
        cursor.execute(DONE_SQL.format(table=table), params)
        done = cursor.rowcount
    result = {"reminders": len(keys), "created": created, "updated": updated, "done": done}
    logger.info("reminders generated for %s: %s", today, result)
    return result
