from portal import scoping


def navigation(request):
    """What the navigation bar may offer the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.apps import apps

    Region = apps.get_model("portal", "Region")
    Organization = apps.get_model("organizations", "Organization")
    Member = apps.get_model("members", "Member")
    return {
        "nav": {
            "regions": scoping.can(user, Region, "view"),
            "organizations": scoping.can(user, Organization, "view"),
            "members": scoping.can(user, Member, "view"),
            "audit": user.has_perm("accounts.view_auditlog"),
            "tokens": user.has_perm("accounts.manage_tokens"),
            "admin": user.is_staff,
        }
    }
