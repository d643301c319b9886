"""The portal's Celery app for the fault tests' worker processes: everything it sends (the
refreshes an import asks for) goes to the test's private queue (FAULT_QUEUE), so nothing
reaches the default queue another test's worker may consume."""

import os

from portal.celery import app

app.conf.task_default_queue = os.environ["FAULT_QUEUE"]

__all__ = ["app"]
