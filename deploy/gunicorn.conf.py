"""gunicorn settings (``gunicorn -c deploy/gunicorn.conf.py portal.wsgi:application``).

Logs go to files under LOG_DIR (rotated by deploy/logrotate.conf; gunicorn reopens them on
SIGUSR1). The access log records request lines, whose query strings may carry what a user
searched for, so every gunicorn log handler masks ID numbers and mobiles like the app's own
(portal.logscan.MaskPersonalNumbers).
"""

import logging
import multiprocessing
import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "unix:/run/partyportal/gunicorn.sock")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
# Recycle workers now and then (a slow leak in a library cannot grow without bound).
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

_log_dir = Path(os.environ.get("LOG_DIR", "/var/log/partyportal"))
_log_dir.mkdir(parents=True, exist_ok=True)
accesslog = str(_log_dir / "gunicorn-access.log")
errorlog = str(_log_dir / "gunicorn-error.log")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No user agent or referrer (a referrer can hold a search query of another site's page).
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'


def _mask_gunicorn_logs():
    from portal.logscan import MaskPersonalNumbers

    for name in ("gunicorn.access", "gunicorn.error"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, MaskPersonalNumbers) for f in handler.filters):
                handler.addFilter(MaskPersonalNumbers())


def when_ready(server):
    _mask_gunicorn_logs()


def post_fork(server, worker):
    _mask_gunicorn_logs()
