"""``reset_otp USERNAME``: remove a user's second-factor devices (a lost phone). The security
admin runs it; the user enrols again at their next sign-in if their role requires it."""

from django.core.management.base import CommandError

from portal.accounts.models import User
from portal.accounts.otp_views import reset_devices
from portal.management.base import AuditedCommand


class Command(AuditedCommand):
    help = "Remove every two-factor device (authenticator, backup codes) of a user."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--by", default="", help="who asked for the reset (for the log)")

    def handle(self, username, by="", **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username}")
        count = reset_devices(user, by=by or "reset_otp")
        self.stdout.write(f"removed {count} device(s) of {username}")
