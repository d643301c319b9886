"""``issue_token USERNAME [--days N]``: prints the new API token once, nothing else on stdout."""

from django.conf import settings
from django.core.management.base import CommandError

from portal.accounts.models import ApiToken, User
from portal.management.base import AuditedCommand


class Command(AuditedCommand):
    help = "Issue an API token for a user and print it once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="days until it expires (default API_TOKEN_DEFAULT_DAYS)",
        )
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, username, days=None, name="", **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active user {username}") from None
        if days is not None and not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
            raise CommandError(f"--days must be 1 to {settings.API_TOKEN_MAX_DAYS}")
        _token, key = ApiToken.issue(user, name=name or f"{username} (command line)", days=days)
        self.stdout.write(key)
