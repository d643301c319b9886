"""Writing to and reading from users' inboxes: the one place apps put messages in.

``notify`` is what workflow code calls (a case dispatched, a wish claimed); ``deliver``
writes many prepared items in one statement (a periodic task telling the assignees of every
case it flagged). Reminders are written by ``portal.inbox.providers.generate``.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone

from portal.inbox.models import InboxItem

TITLE_MAX = InboxItem._meta.get_field("title").max_length

UNREAD = Q(read_at__isnull=True, done_at__isnull=True)


def _user_id(user):
    return user if isinstance(user, int) else getattr(user, "pk", None)


def source_fields(source):
    """``content_type``/``object_id`` of a source given as a model instance or (model, pk)."""
    if source is None:
        return {"content_type": None, "object_id": None}
    model, pk = source if isinstance(source, tuple) else (type(source), source.pk)
    return {"content_type": ContentType.objects.get_for_model(model), "object_id": pk}


def item(
    user, kind, title, *, url="", body="", key=None, source=None, due_on=None, created_at=None
):
    """An unsaved InboxItem for ``user`` (a User or a user id)."""
    return InboxItem(
        created_at=created_at or timezone.now(),
        user_id=_user_id(user),
        kind=kind,
        title=str(title)[:TITLE_MAX],
        body=str(body),
        url=url or "",
        key=key,
        due_on=due_on,
        **source_fields(source),
    )


def deliver(items):
    """Write prepared items in one statement. An item whose (user, key) exists already is
    left out, so a keyed message reaches a user once. Returns how many were written."""
    items = list(items)
    keyed = [i for i in items if i.key]
    if keyed:
        existing = set(
            InboxItem.objects.filter(
                user_id__in={i.user_id for i in keyed}, key__in={i.key for i in keyed}
            ).values_list("user_id", "key")
        )
        items = [i for i in items if not i.key or (i.user_id, i.key) not in existing]
    if not items:
        return 0
    # ignore_conflicts: a concurrent writer of the same keyed item wins, nothing fails.
    InboxItem.objects.bulk_create(items, ignore_conflicts=bool(keyed))
    return len(items)


def notify(users, kind, title, *, url="", body="", key=None, source=None, due_on=None):
    """One inbox item per user of ``users`` (Users or ids; None and repeats are skipped).

    ``source``: the object the message is about (a model instance, or ``(model, pk)``);
    ``url``: where the item links to; ``key``: a stable name of the reason, so the same
    message is never delivered twice to a user. Returns how many items were written."""
    recipients = sorted({uid for uid in map(_user_id, users) if uid is not None})
    return deliver(
        item(uid, kind, title, url=url, body=body, key=key, source=source, due_on=due_on)
        for uid in recipients
    )


# --- reading -------------------------------------------------------------------------------


def items_of(user):
    """The user's own items; nobody else's, whoever asks (superusers included)."""
    if not user or not user.is_authenticated:
        return InboxItem.objects.none()
    return InboxItem.objects.filter(user=user)


def unread_count(user):
    """Unread items still open (a reminder that is done no longer counts)."""
    return items_of(user).filter(UNREAD).count()


def tab_counts(user):
    """{kind: {"unread", "total", "done"}} of the user's items, in one query."""
    rows = (
        items_of(user)
        .order_by()
        .values("kind")
        .annotate(
            total=Count("pk"),
            unread=Count("pk", filter=UNREAD),
            done=Count("pk", filter=Q(done_at__isnull=False)),
        )
    )
    return {row["kind"]: row for row in rows}


def mark_read(user, ids=None):
    """Mark the user's unread items ``ids`` (all of them with None) read; returns how many."""
    unread = items_of(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
