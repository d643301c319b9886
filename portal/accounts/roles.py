"""The role groups and what each may do.

Roles are Django groups whose permissions are kept in step with this module after every
``migrate``; admins may still add extra groups by hand. What a user may *see* is their scope
region (``portal.scoping``); what they may *do* there is the permissions of their roles.
"""

from fnmatch import fnmatch

from django.utils.translation import gettext_lazy as _

DISTRICT_ADMIN = "district_admin"
STREET_OPERATOR = "street_operator"
COMMUNITY_WORKER = "community_worker"
AUDITOR = "auditor"
INTEGRATION = "integration"

ROLE_LABELS = {
    DISTRICT_ADMIN: _("区级管理员"),
    STREET_OPERATOR: _("街道操作员"),
    COMMUNITY_WORKER: _("社区工作者"),
    AUDITOR: _("审计员"),
    INTEGRATION: _("接口账号"),
}

#: Domain apps whose models every role reaches through its patterns. A new app adds its
#: label here, and its models fall under the patterns below.
DOMAIN_APPS = [
    "portal",
    "organizations",
    "members",
    "buildings",
    "grids",
    "regional",
    "cadres",
    "dashboard",
    "reports",
]

#: The grid work models community workers create and update.
GRID_WORK = ("case", "casephoto", "wish", "visit")

_ALL_DOMAIN = [f"{app}.*" for app in DOMAIN_APPS]
_VIEW_DOMAIN = [f"{app}.view_*" for app in DOMAIN_APPS]

#: Permission patterns (``app_label.codename`` with shell wildcards) per role.
GRANTS = {
    DISTRICT_ADMIN: [
        *_ALL_DOMAIN,
        "accounts.view_sensitive",
        "accounts.view_auditlog",
        "accounts.manage_tokens",
        "accounts.*_user",
        "accounts.*_apitoken",
    ],
    STREET_OPERATOR: [
        "portal.view_region",
        "portal.add_region",
        "portal.change_region",
        *[f"{app}.*" for app in DOMAIN_APPS if app != "portal"],
    ],
    # Grid workers record and follow the work of their grids (grids.services decides which
    # transitions each may make); the registers stay read-only to them.
    COMMUNITY_WORKER: [
        *_VIEW_DOMAIN,
        *[f"grids.{action}_{model}" for action in ("add", "change") for model in GRID_WORK],
    ],
    AUDITOR: [
        *_VIEW_DOMAIN,
        "accounts.view_auditlog",
        "accounts.view_user",
        "accounts.view_apitoken",
    ],
    INTEGRATION: [
        "portal.view_region",
        "portal.add_region",
        "portal.change_region",
        *[f"{app}.*" for app in DOMAIN_APPS if app != "portal"],
    ],
}

#: The district's dues rate table: district admins keep it, streets only read it.
DUES_RATES = ["members.add_duesrate", "members.change_duesrate", "members.delete_duesrate"]

#: Permissions a role's patterns match but it must not have: accepting a USCC whose check
#: character fails (an early pilot-region code) is the district's call, not a street's.
WITHHELD = {
    STREET_OPERATOR: ["buildings.override_uscc", *DUES_RATES],
    INTEGRATION: ["buildings.override_uscc", *DUES_RATES],
}

#: Roles that may sign in to the browser UI. Integration accounts use the API only.
UI_ROLES = {DISTRICT_ADMIN, STREET_OPERATOR, COMMUNITY_WORKER, AUDITOR}


def permissions_for(role, all_permissions):
    patterns, withheld = GRANTS[role], WITHHELD.get(role, ())
    granted = []
    for perm in all_permissions:
        name = f"{perm.content_type.app_label}.{perm.codename}"
        if any(fnmatch(name, p) for p in patterns) and name not in withheld:
            granted.append(perm)
    return granted


def sync_roles(using="default"):
    """Create the role groups and set their permissions from GRANTS."""
    from django.contrib.auth.models import Group, Permission

    all_permissions = list(Permission.objects.using(using).select_related("content_type"))
    for role in GRANTS:
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set(permissions_for(role, all_permissions))


def sync_roles_after_migrate(sender, using="default", **kwargs):
    """post_migrate comes once per installed app, in INSTALLED_APPS order, and each app's
    permissions are created in its own turn: the roles are synced in the last app's turn,
    when every permission exists (an app added later gets its grants on the next migrate)."""
    from django.apps import apps

    if sender is list(apps.get_app_configs())[-1]:
        sync_roles(using=using)
