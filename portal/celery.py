"""The Celery app. With no REDIS_URL, tasks run eagerly in the calling process."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(related_name="work_tasks")  # grids/work_tasks.py (micro-wishes)

#: Periodic work (``celery -A portal beat``); tasks are named, so the core imports no app.
app.conf.beat_schedule = {
    "refresh-coverage-nightly": {
        "task": "buildings.tasks.refresh_coverage",
        "schedule": crontab(hour=2, minute=30),
    },
    "flag-overdue-cases": {
        "task": "grids.tasks.flag_overdue_cases",
        "schedule": 600.0,  # every 10 minutes
    },
    "release-expired-wish-claims": {
        "task": "grids.work_tasks.release_expired_wish_claims",
        "schedule": crontab(minute=15),  # hourly
    },
    "expire-report-files": {
        "task": "reports.tasks.expire_report_files",
        "schedule": crontab(minute=45),  # hourly
    },
    "refresh-dashboard-hourly": {
        "task": "dashboard.tasks.refresh_dashboard",
        "schedule": crontab(minute=5),
    },
}
