"""Background work of the buildings app: refreshing the coverage facts.

The refresh runs nightly (``portal/celery.py``), on demand from the coverage report, and
after every import that changes what the facts are made of.
"""

import logging

from celery import shared_task
from django.core.cache import cache
from django.dispatch import receiver

from buildings import coverage
from portal.tasks import import_finished

logger = logging.getLogger(__name__)

#: Models whose rows the coverage facts are computed from (app_label.model_name).
COVERAGE_INPUTS = {
    "buildings.enterprise",
    "buildings.building",
    "buildings.park",
    "buildings.servicesite",
    "members.member",
    "organizations.organization",
}
#: Set while a refresh is queued and has not started: further requests (a burst of imports)
#: ride on the queued one instead of queueing their own.
PENDING_KEY = "buildings:coverage-refresh-pending"
PENDING_TIMEOUT = 15 * 60


@shared_task
def refresh_coverage():
    """Recompute the coverage facts. Two refreshes never run at once: the second waits on
    the first's advisory lock (``buildings.coverage``) and then sees its committed rows."""
    cache.delete(PENDING_KEY)
    stats = coverage.refresh()
    logger.info("coverage refreshed: %s", stats)
    return stats


def schedule_refresh():
    """Queue a refresh unless one is queued already. Call it once the changes are committed
    (``import_finished`` is sent after the import's transaction)."""
    if cache.add(PENDING_KEY, True, PENDING_TIMEOUT):
        refresh_coverage.delay()


@receiver(import_finished, dispatch_uid="buildings.coverage_after_import")
def refresh_after_import(sender, result=None, **kwargs):
    if sender._meta.label_lower not in COVERAGE_INPUTS:
        return
    if result is not None and not (result.created or result.updated):
        return  # the file changed nothing
    schedule_refresh()
