"""``issue_token USERNAME [--days N]``: prints the new API token once, nothing else on stdout."""

from django.core.management.base import CommandError

from portal.accounts.models import ApiToken, User
from portal.management.base import AuditedCommand


class Command(AuditedCommand):
    help = "Issue an API token for a user and print it once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days", type=int, default=None, help="days until it expires (0: never)"
        )
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, username, days=None, name="", **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active user {username}") from None
        if days is not None and days < 0:
            raise CommandError("--days must be 0 (never expires) or more")
        _token, key = ApiToken.issue(user, name=name or f"{username} (command line)", days=days)
        self.stdout.write(key)
