"""Background work of the inbox: the daily reminder run (``portal/celery.py``, 06:00)."""

from datetime import date

from celery import shared_task

from portal.inbox import providers


@shared_task
def generate_reminders(today=None):
    """Write today's reminders and close those whose reason has gone. ``today`` (an ISO
    date) is for replays and tests; by default the local date."""
    if isinstance(today, str):
        today = date.fromisoformat(today)
    return providers.generate(today)
