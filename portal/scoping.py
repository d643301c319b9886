"""Who may see and change which rows: the one place that turns (user, action) into a filter.

UI views, API viewsets, admin, exports, search, autocomplete and imports all call
``restrict``. A user sees the rows whose region lies in their scope region's subtree, and
only for models their roles grant the action on. Superusers see everything.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from portal.search import scope_token

ACTIONS = ("view", "add", "change", "delete")


def perm_name(model, action):
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def can(user, model, action):
    """Does any of the user's roles grant ``action`` on ``model``?"""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.has_perm(perm_name(model, action))
    )


def scope_prefix(user):
    """The path prefix of the user's scope, '' for everything, None for nothing."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    region = user.scope_region
    return region.path if region is not None else None


def district_wide(user):
    """Whether the user's scope is the whole district (or more): who may change the
    district's reference tables (dues rates, case categories, ladder rules ...), beside the
    role's permission to change them."""
    prefix = scope_prefix(user)
    if prefix == "":
        return True
    if prefix is None:
        return False
    from portal.models import Region

    return Region.TIER[user.scope_region.level] <= Region.TIER["district"]


def restrict(queryset, user, action="view"):
    """The rows of ``queryset`` that ``user`` may ``action``."""
    model = queryset.model
    if not can(user, model, action):
        return queryset.none()
    prefix = scope_prefix(user)
    if prefix is None:
        return queryset.none()
    if prefix == "":
        return queryset
    # A model whose rows are seen across region lines (a district joint meeting seen by its
    # streets) says so with ``scope_filter(prefix, action)``, returning a Q.
    scope_filter = getattr(model, "scope_filter", None)
    if scope_filter is not None:
        return queryset.filter(scope_filter(prefix, action))
    return queryset.filter(**{f"{model.scope_path}__startswith": prefix})


def token_condition(model, user):
    """An index hint for searches over a large register whose rows carry scope tokens
    (``model.scope_tokens_field``, portal/search.py): "in the user's region" as a condition
    the register's GIN index answers together with the name grams. It only ever narrows
    what ``restrict`` already allows, so it is added beside it, never instead of it; for
    users who see everything, and models without tokens, it is no condition at all."""
    field = getattr(model, "scope_tokens_field", None)
    prefix = scope_prefix(user)
    if not field or not prefix:
        return Q()
    return Q(**{f"{field}__contains": [scope_token(prefix)]})


def choices(queryset, user, current=None):
    """The rows ``user`` may pick for a relation: the rows in scope, plus ``current``, the pk
    the relation already holds. Keeping a link unchanged is not a move, so a row whose
    parent sits above the user's scope (a street's working committee under the district
    committee, the street under the district) can be saved as it is: it neither loses that
    parent nor is refused. Any other row out of scope stays "not a valid choice"."""
    allowed = restrict(queryset, user, "view")
    if current is not None:
        allowed = allowed | queryset.filter(pk=current)
    return allowed


def in_scope(obj, user, action="view"):
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def ensure_in_scope(obj, user, action):
    """Called after a write, inside its transaction: the written row must still be the
    writer's to ``action``. Raising here rolls the write back."""
    if not in_scope(obj, user, action):
        raise PermissionDenied(_("该对象不在您的管辖范围内。"))
