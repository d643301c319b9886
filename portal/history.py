"""Reading the audit trail (django-pghistory events) for history tabs and the audit log."""

from django.apps import apps
from django.contrib.auth import get_user_model
from pghistory.models import Events

from portal import scoping

LABELS = {"insert": "新增", "update": "修改", "delete": "删除"}
CHANNELS = {"ui": "网页", "api": "接口", "admin": "后台", "import": "导入", "command": "命令"}


def _field_label(model, name):
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field since removed: show its name
        return name


def _describe(events, model=None):
    """Attach actor names, channel and readable diffs to events, with one user query."""
    events = list(events)
    user_ids = {(e.pgh_context or {}).get("user") for e in events} - {None}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)}
    described = []
    for event in events:
        context = event.pgh_context or {}
        event_model = model or _tracked_model(event.pgh_obj_model)
        diff = event.pgh_diff or {}
        if event.pgh_label == "insert" or not diff:
            data = event.pgh_data or {}
            changes = (
                [
                    (_field_label(event_model, k), None, v)
                    for k, v in data.items()
                    if not k.startswith("pgh_")
                    and k not in ("id", "created_at", "path", "depth")
                    and v not in (None, "")
                ]
                if event.pgh_label == "insert"
                else []
            )
        else:
            changes = [(_field_label(event_model, k), old, new) for k, (old, new) in diff.items()]
        user = users.get(context.get("user"))
        described.append(
            {
                "when": event.pgh_created_at,
                "label": LABELS.get(event.pgh_label, event.pgh_label),
                "action": event.pgh_label,
                "user": user,
                "actor": _actor(user, context),
                "channel": CHANNELS.get(context.get("channel"), context.get("channel") or ""),
                "request_id": context.get("request_id") or "",
                "ip": context.get("ip") or "",
                "changes": changes,
                "object_model": event_model._meta.verbose_name
                if event_model
                else event.pgh_obj_model,
                "object_id": event.pgh_obj_id,
                "object_repr": (event.pgh_data or {}).get("name")
                or (event.pgh_data or {}).get("username")
                or event.pgh_obj_id,
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


def audited_models():
    """Tracked models whose events the audit log shows: those with a region scope."""
    from pghistory.models import Event

    result = []
    for model in apps.get_models():
        if issubclass(model, Event) and getattr(model, "pgh_tracked_model", None) is not None:
            tracked = model.pgh_tracked_model
            if hasattr(tracked, "scope_path"):
                result.append((model, tracked))
    return result


def scoped_event_querysets(user):
    """Per event model, the events the user may read: those whose snapshot lies in the
    user's scope. Snapshots keep the region even after the row is deleted."""
    prefix = scoping.scope_prefix(user)
    for event_model, tracked in audited_models():
        if prefix is None or not scoping.can(user, tracked, "view"):
            continue
        queryset = event_model.objects.all()
        if prefix:
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
