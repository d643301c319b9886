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
SYSTEM_ADMIN = "system_admin"
SECURITY_ADMIN = "security_admin"

#: 三员分立: the system administrator, the security administrator and the auditor are three
#: different people. No user may hold two of these roles (``check_separation``; the
#: database refuses it too, ``install_separation_trigger``).
SEPARATED_ROLES = (SYSTEM_ADMIN, SECURITY_ADMIN, AUDITOR)

ROLE_LABELS = {
    DISTRICT_ADMIN: _("区级管理员"),
    STREET_OPERATOR: _("街道操作员"),
    COMMUNITY_WORKER: _("社区工作者"),
    AUDITOR: _("审计员"),
    INTEGRATION: _("接口账号"),
    SYSTEM_ADMIN: _("系统管理员"),
    SECURITY_ADMIN: _("安全管理员"),
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
        "regional.add_need",
    ],
    # Reads every audit source (pghistory events, sensitive-data access, sign-in events,
    # lockout records) and changes nothing.
    AUDITOR: [
        *_VIEW_DOMAIN,
        "accounts.view_auditlog",
        "accounts.view_user",
        "accounts.view_apitoken",
        "accounts.view_authevent",
        "axes.view_*",
    ],
    # Accounts, regions and reference data; no audit data, no roles or permissions (the
    # user form keeps groups read-only without ``assign_roles``).
    SYSTEM_ADMIN: [
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "portal.view_region",
        "portal.add_region",
        "portal.change_region",
        "members.*_duesrate",
    ],
    # Roles and permissions, tokens, unlocking, second-factor resets; no domain data and
    # no audit data deletion (the database refuses it to everyone anyway).
    SECURITY_ADMIN: [
        "accounts.view_user",
        "accounts.change_user",
        "accounts.assign_roles",
        "accounts.manage_security",
        "accounts.manage_tokens",
        "accounts.*_apitoken",
        "auth.*_group",
        "auth.view_permission",
        "axes.view_*",
        "axes.delete_accessattempt",
        "otp_totp.*",
        "otp_static.*",
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
#: The district's organisational-life frequencies (三会一课): likewise the district's to keep.
MEETING_FREQUENCIES = [
    "members.add_meetingfrequency",
    "members.change_meetingfrequency",
    "members.delete_meetingfrequency",
]

#: The community workers' ladder rules (三档十八级): district admins keep them.
LADDER_RULES = ["cadres.add_ladderrule", "cadres.change_ladderrule", "cadres.delete_ladderrule"]

#: Permissions a role's patterns match but it must not have: accepting a USCC whose check
#: character fails (an early pilot-region code) is the district's call, not a street's.
#: The district's term table (任期规则): district admins keep it, streets only read it.
TERM_RULES = [f"organizations.{a}_termrule" for a in ("add", "change", "delete")]

WITHHELD = {
    STREET_OPERATOR: [
        "buildings.override_uscc",
        *DUES_RATES,
        *MEETING_FREQUENCIES,
        *LADDER_RULES,
        *TERM_RULES,
    ],
    INTEGRATION: [
        "buildings.override_uscc",
        *DUES_RATES,
        *MEETING_FREQUENCIES,
        *LADDER_RULES,
        *TERM_RULES,
    ],
}

#: Roles that may sign in to the browser UI. Integration accounts use the API only.
UI_ROLES = {
    DISTRICT_ADMIN,
    STREET_OPERATOR,
    COMMUNITY_WORKER,
    AUDITOR,
    SYSTEM_ADMIN,
    SECURITY_ADMIN,
}


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
    if sender is last_migrated_app():
        sync_roles(using=using)


def last_migrated_app():
    """The last app post_migrate is sent for: Django skips apps with no models module
    (corsheaders), so the last of INSTALLED_APPS may never be the sender."""
    from django.apps import apps

    return [config for config in apps.get_app_configs() if config.models_module][-1]


def separation_conflict(role_names):
    """The separated roles among ``role_names`` when there are two or more, else None."""
    held = sorted(set(role_names) & set(SEPARATED_ROLES))
    return held if len(held) > 1 else None


def separation_message(held):
    from django.utils.translation import gettext

    names = "、".join(str(ROLE_LABELS[name]) for name in held)
    return gettext("三员分立：同一用户不能同时担任%(roles)s。") % {"roles": names}


def check_separation(sender, instance, action, reverse, model, pk_set, **kwargs):
    """m2m_changed of User.groups: refuse a change that leaves a user two separated roles,
    from any path (admin, forms, commands, code), with a clear message."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.exceptions import ValidationError

    if action != "pre_add" or not pk_set:
        return
    if not reverse:
        users = [instance]
        added = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    else:  # group.user_set.add(...)
        users = list(get_user_model().objects.filter(pk__in=pk_set))
        added = {instance.name}
    for user in users:
        held = separation_conflict(set(user.groups.values_list("name", flat=True)) | added)
        if held:
            raise ValidationError(separation_message(held), code="separation_of_duties")


SEPARATION_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION partyportal_role_separation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (
        SELECT count(*) FROM {through} ug JOIN auth_group g ON g.id = ug.group_id
        WHERE ug.user_id = NEW.user_id AND g.name = ANY({roles})
    ) > 1 THEN
        RAISE EXCEPTION 'separation of duties: user % may hold only one of %',
            NEW.user_id, {roles} USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
DROP TRIGGER IF EXISTS partyportal_role_separation ON {through};
CREATE CONSTRAINT TRIGGER partyportal_role_separation AFTER INSERT OR UPDATE ON {through}
    DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION partyportal_role_separation();
"""


def install_separation_trigger(using="default"):
    """The database's own check: no row of the user-group table may give a user a second
    separated role, whatever wrote it."""
    from django.contrib.auth import get_user_model
    from django.db import connections

    connection = connections[using]
    through = get_user_model().groups.through._meta.db_table
    roles = "'{" + ",".join(SEPARATED_ROLES) + "}'::text[]"
    sql = SEPARATION_TRIGGER_SQL.format(through=connection.ops.quote_name(through), roles=roles)
    with connection.cursor() as cursor:
        cursor.execute(sql)
