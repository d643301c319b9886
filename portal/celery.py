"""The Celery app. With no REDIS_URL, tasks run eagerly in the calling process."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Reliability (issue 9; tests/faults/test_worker_killed.py): a task's message is acknowledged
# only after the task returned, so a worker killed mid-task (OOM, SIGKILL, power loss) leaves
# it to be delivered again; tasks are written to be safe to run twice (portal/tasks.py).
app.conf.task_acks_late = True
# A pool child that dies mid-task: requeue at once instead of marking the task failed.
app.conf.task_reject_on_worker_lost = True
# One message reserved per process: a killed worker holds back no queue of unstarted work.
app.conf.worker_prefetch_multiplier = 1
# Redis redelivers a message not acknowledged within this many seconds, to any worker. It
# must exceed the longest task (a 100,000-row import takes minutes), or a task still running
# would start a second time. Tests lower it to see redelivery quickly.
app.conf.broker_transport_options = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", 3600))
}
app.conf.result_backend_transport_options = app.conf.broker_transport_options
app.conf.broker_connection_retry_on_startup = True
app.autodiscover_tasks()
app.autodiscover_tasks(related_name="work_tasks")  # grids/work_tasks.py (micro-wishes)


@setup_logging.connect
def _django_logging(**kwargs):
    """Workers log through settings.LOGGING (files under LOG_DIR, ID numbers and mobiles
    masked) instead of Celery's own handlers on the root logger."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


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
    "archive-audit-daily": {
        "task": "portal.accounts.tasks.archive_audit",
        "schedule": crontab(hour=3, minute=10),
    },
    "refresh-dashboard-hourly": {
        "task": "dashboard.tasks.refresh_dashboard",
        "schedule": crontab(minute=5),
    },
    "generate-reminders-daily": {
        "task": "portal.inbox.tasks.generate_reminders",
        "schedule": crontab(hour=6, minute=0),  # before the working day
    },
}
