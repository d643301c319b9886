"""Background work of the dashboard: refreshing its figures.

The refresh runs hourly (``portal/celery.py``), on demand from the dashboard (district
staff), and after every import that wrote rows: the figures count every register.
"""

import logging

from celery import shared_task
from django.core.cache import cache
from django.dispatch import receiver

from dashboard import summaries
from portal.tasks import import_finished

logger = logging.getLogger(__name__)

#: Set while a refresh is queued and has not started: a burst of imports rides on it.
PENDING_KEY = "dashboard:refresh-pending"
PENDING_TIMEOUT = 15 * 60


@shared_task
def refresh_dashboard():
    """Recompute the dashboard figures (two refreshes never run at once: the second waits on
    the first's advisory lock)."""
    cache.delete(PENDING_KEY)
    stats = summaries.refresh()
    logger.info("dashboard refreshed: %s", stats)
    return stats


def schedule_refresh():
    """Queue a refresh unless one is queued already."""
    if cache.add(PENDING_KEY, True, PENDING_TIMEOUT):
        refresh_dashboard.delay()


@receiver(import_finished, dispatch_uid="dashboard.refresh_after_import")
def refresh_after_import(sender, result=None, **kwargs):
    if result is not None and not (result.created or result.updated):
        return  # the file changed nothing
    schedule_refresh()
