"""Provision a user by script: ``create_account USERNAME --role ROLE --scope REGION_CODE``."""

import os
import secrets

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from portal.accounts.models import User
from portal.accounts.roles import GRANTS, INTEGRATION, sync_roles
from portal.management.base import AuditedCommand
from portal.models import Region


class Command(AuditedCommand):
    help = "Create (or update) a user with a role and a scope region."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(GRANTS), action="append")
        parser.add_argument("--scope", required=True, help="region code of the user's scope")
        parser.add_argument(
            "--password-env", help="read the password from this environment variable"
        )
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--staff", action="store_true", help="may use Django admin")

    @transaction.atomic
    def handle(self, username, role, scope, password_env=None, name="", staff=False, **options):
        try:
            region = Region.objects.get(code=scope)
        except Region.DoesNotExist:
            raise CommandError(f"no region with code {scope}") from None
        generated = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"environment variable {password_env} is empty or unset")
        elif INTEGRATION in role:
            password = None
        else:
            password = generated = secrets.token_urlsafe(12)
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
        user.scope_region = region  # set before the first save: the insert event is scoped
        user.first_name = name or user.first_name
        user.is_staff = staff or user.is_staff
        if password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                raise CommandError("password: " + " ".join(error.messages)) from None
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        sync_roles()
        user.groups.set(Group.objects.filter(name__in=role))
        verb = "created" if created else "updated"
        self.stderr.write(
            f"{verb} {username}: roles {', '.join(role)}, scope {region.code} {region.name}"
        )
        if generated:
            self.stdout.write(f"password for {username}: {generated}")
