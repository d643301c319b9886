import pghistory
from django.core.management.base import BaseCommand


class AuditedCommand(BaseCommand):
    """A management command whose writes are attributed in the audit trail."""

    def execute(self, *args, **options):
        name = self.__module__.rsplit(".", 1)[-1]
        with pghistory.context(command=name, channel="command"):
            return super().execute(*args, **options)
