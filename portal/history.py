"""Reading the audit trail (django-pghistory events) for history tabs and the audit log."""

from django.apps import apps
from django.contrib.auth import get_user_model
from pghistory.models import Events

from portal import scoping

LABELS = {"insert": "新增", "update": "修改", "delete": "删除"}
CHANNELS = {"ui": "网页", "api": "接口", "admin": "后台", "import": "导入", "command": "命令"}


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # a field since removed: show its raw name and value
        return None


SKIPPED = {"id", "created_at", "updated_at", "path", "depth", "password"}


def _raw_changes(event, model):
    """(field, old, new) triples of an event: all set fields of an insert, the diff of an
    update, nothing for a delete."""
    if event.pgh_label == "insert":
        data = event.pgh_data or {}
        return [
            (name, None, value)
            for name, value in data.items()
            if not name.startswith("pgh_") and name not in SKIPPED and value not in (None, "")
        ]
    return [
        (name, old, new)
        for name, (old, new) in (event.pgh_diff or {}).items()
        if name not in SKIPPED
    ]


def _related_names(pending):
    """Names of the rows foreign keys point to: one query per related model."""
    names = {}
    for related, pks in pending.items():
        found = related._default_manager.filter(pk__in=pks)
        names[related] = {obj.pk: str(obj) for obj in found}
    return names


def _display(field, value, names):
    from django.utils import formats
    from django.utils.dateparse import parse_datetime
    from django.utils.timezone import localtime

    if value is None or value == "":
        return None
    if field is None:
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.many_to_one or field.one_to_one:
        name = names.get(field.related_model, {}).get(value)
        return name or f"#{value}（已删除）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.get_internal_type() == "DateTimeField" and isinstance(value, str):
        parsed = parse_datetime(value)
        return formats.date_format(localtime(parsed), "Y-m-d H:i:s") if parsed else value
    return value


def _describe(events, model=None):
    """Attach actor names, channel and readable changes (choice labels, related rows' names)
    to events: one query for the actors, one per related model for the names."""
    events = list(events)
    user_ids = {(e.pgh_context or {}).get("user") for e in events} - {None}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)}
    prepared, pending = [], {}
    for event in events:
        event_model = model or _tracked_model(event.pgh_obj_model)
        changes = []
        for name, old, new in _raw_changes(event, event_model):
            field = _field(event_model, name)
            if field is not None and (field.many_to_one or field.one_to_one):
                pending.setdefault(field.related_model, set()).update({old, new} - {None})
            changes.append((field, name, old, new))
        prepared.append((event, event_model, changes))
    names = _related_names(pending)
    described = []
    for event, event_model, changes in prepared:
        context = event.pgh_context or {}
        user = users.get(context.get("user"))
        data = event.pgh_data or {}
        described.append(
            {
                "when": event.pgh_created_at,
                # A workflow names its step in the context (``step``): "修改 · 停止党籍".
                "label": " · ".join(
                    str(part)
                    for part in (LABELS.get(event.pgh_label, event.pgh_label), context.get("step"))
                    if part
                ),
                "action": event.pgh_label,
                "user": user,
                "actor": _actor(user, context),
                "channel": CHANNELS.get(context.get("channel"), context.get("channel") or ""),
                "request_id": context.get("request_id") or "",
                "ip": context.get("ip") or "",
                "changes": [
                    (
                        str(field.verbose_name) if field is not None else name,
                        _display(field, old, names),
                        _display(field, new, names),
                    )
                    for field, name, old, new in changes
                ],
                "object_model": event_model._meta.verbose_name
                if event_model
                else event.pgh_obj_model,
                "object_id": event.pgh_obj_id,
                "object_repr": data.get("name") or data.get("username") or event.pgh_obj_id,
            }
        )
    return described


def _actor(user, context):
    name = user.get_username() if user else ""
    if context.get("token_name"):
        name = f"{name}（令牌：{context['token_name']}）"
    if context.get("command"):
        name = f"{name or '系统'}（命令：{context['command']}）"
    if context.get("import_job"):
        name = f"{name}（导入任务 #{context['import_job']}）"
    return name or "系统"


def _tracked_model(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def events_for(obj):
    events = Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")
    return _describe(events, type(obj))


def audited_models(user=None):
    """Tracked models whose events the audit log shows: those with a region scope, and the
    district's reference tables (no region: dues rates, meeting frequencies, term and
    ladder rules ...), which only district-wide users (``scoping.district_wide``) see.
    With ``user``, only the models whose events that user may read."""
    from pghistory.models import Event

    result = []
    for model in apps.get_models():
        if issubclass(model, Event) and getattr(model, "pgh_tracked_model", None) is not None:
            tracked = model.pgh_tracked_model
            if user is not None and not _may_read_events(user, tracked):
                continue
            result.append((model, tracked))
    return result


def _may_read_events(user, tracked):
    if scoping.scope_prefix(user) is None or not scoping.can(user, tracked, "view"):
        return False
    return hasattr(tracked, "scope_path") or scoping.district_wide(user)


def scoped_event_querysets(user):
    """Per event model, the events the user may read: those whose snapshot lies in the
    user's scope. Snapshots keep the region even after the row is deleted."""
    prefix = scoping.scope_prefix(user)
    for event_model, tracked in audited_models(user):
        queryset = event_model.objects.all()
        if prefix and hasattr(tracked, "scope_path"):
            queryset = queryset.filter(**_snapshot_scope(event_model, tracked, prefix))
        yield event_model, tracked, queryset


def _snapshot_scope(event_model, tracked, prefix):
    """Translate ``tracked.scope_path`` to the event snapshot: the first hop of the lookup is
    a column the snapshot copies."""
    path = tracked.scope_path
    if path == "path":
        return {"path__startswith": prefix}
    first, rest = path.split("__", 1)
    related = tracked._meta.get_field(first).related_model
    ids = related.objects.filter(**{f"{rest}__startswith": prefix}).values("pk")
    return {f"{first}_id__in": ids}


def audit_log(user, *, model_label="", action="", username="", date_from=None, date_to=None):
    """A lazily evaluated list of (created_at, event id, event model label) rows across all
    audited tables the user may read, newest first; ``describe_page`` renders a page of it."""
    from django.db.models import CharField, Value

    parts = []
    for event_model, tracked, queryset in scoped_event_querysets(user):
        if model_label and tracked._meta.label_lower != model_label:
            continue
        if action:
            queryset = queryset.filter(pgh_label=action)
        if username:
            ids = list(
                get_user_model().objects.filter(username=username).values_list("pk", flat=True)
            )
            queryset = queryset.filter(pgh_context__metadata__user__in=ids)
        if date_from:
            queryset = queryset.filter(pgh_created_at__date__gte=date_from)
        if date_to:
            queryset = queryset.filter(pgh_created_at__date__lte=date_to)
        parts.append(
            queryset.annotate(event_label=Value(event_model._meta.label, CharField())).values_list(
                "pgh_created_at", "pgh_id", "event_label"
            )
        )
    if not parts:
        return []
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return union.order_by("-pgh_created_at", "-pgh_id")


def describe_page(rows):
    rows = list(rows)
    if not rows:
        return []
    labels = {label for _when, _pk, label in rows}
    slugs = [f"{label}:{pk}" for _when, pk, label in rows]
    events = (
        Events.objects.across(*labels)
        .filter(pgh_slug__in=slugs)
        .order_by("-pgh_created_at", "-pgh_id")
    )
    return _describe(events)
