"""``generate_reminders [--date YYYY-MM-DD]``: the daily reminder run, by hand."""

from argparse import ArgumentTypeError
from datetime import date

from portal.inbox import providers
from portal.management.base import AuditedCommand


def iso_date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(AuditedCommand):
    help = "Write the reminders due on a day (default today) into the users' inboxes."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, help="the day to remind of (YYYY-MM-DD)")

    def handle(self, **options):
        result = providers.generate(options["date"])
        self.stdout.write(
            "reminders: {reminders}, created: {created}, updated: {updated}, done: {done}".format(
                **result
            )
        )
