"""Each user's inbox of reminders and tasks, filled by a daily Celery beat task from
the apps' reminder providers."""
