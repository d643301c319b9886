"""Background work of micro-wishes: releasing claims not fulfilled in time (Celery beat,
hourly). Registered with the worker by ``portal/celery.py`` (``related_name="work_tasks"``)."""

from celery import shared_task
from django.utils.dateparse import parse_datetime


@shared_task
def release_expired_wish_claims(now=None):
    """Claims past their expiry go back to the board; ``now`` (ISO string or datetime) is for
    tests and replays. Returns how many were released."""
    from grids.services.wishes import release_expired_claims

    if isinstance(now, str):
        now = parse_datetime(now)
    return release_expired_claims(now=now)
