"""Template filters about people shown on pages."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def actor_name(user):
    """Who did a step: the account's full name, else its username; "系统" for a step with
    no account (a scheduled task, a seed, a deleted user)."""
    if user is None:
        return _("系统")
    return user.get_full_name() or user.username
