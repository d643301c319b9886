"""``bootstrap``: what ``make run`` does after migrating. Loads the demo district when the
database is empty and creates the first admin account, printing its password once."""

import secrets

from django.core.management import call_command

from portal.accounts.models import User
from portal.accounts.roles import DISTRICT_ADMIN, sync_roles
from portal.management.base import AuditedCommand
from portal.models import Region


class Command(AuditedCommand):
    help = "Load the demo district into an empty database and create the admin account."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo district")

    def handle(self, no_demo=False, **options):
        sync_roles()
        if not no_demo and not Region.objects.exists():
            self.stdout.write("Empty database: loading the demo district (徐汇区) ...")
            call_command("seed_demo", stdout=self.stdout, stderr=self.stderr)
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            admin = User.objects.create_superuser("admin", password=password)
            district = Region.objects.filter(parent__isnull=True).order_by("code").first()
            if district is not None:
                admin.scope_region = district
                admin.save(update_fields=["scope_region"])
            from django.contrib.auth.models import Group

            admin.groups.add(Group.objects.get(name=DISTRICT_ADMIN))
            rule = "=" * 60
            self.stdout.write(
                f"\n{rule}\nAdmin account created (shown once):\n"
                f"  username: admin\n  password: {password}\n{rule}"
            )
