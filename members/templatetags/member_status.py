"""``{% member_status_actions member as actions %}``: the status changes the requesting user
may make to ``member`` now, each with its small form and URL (templates/members/
status_actions.html, included by the member detail page)."""

from django import template
from django.urls import reverse

from members import status
from members.status_forms import status_form

register = template.Library()


@register.simple_tag(takes_context=True)
def member_status_actions(context, member):
    request = context.get("request")
    if request is None or member is None or not member.pk:
        return []
    return [
        {
            "name": action,
            "label": status.CHANGES[action].label,
            "form": status_form(action, prefix=f"status-{action}"),
            "url": reverse("members:member_status", args=[member.pk, action]),
        }
        for action in status.available(member, request.user)
    ]
