"""The embedded PostgreSQL used when no DATABASE_URL is set.

A fresh machine runs the portal with no set-up: pgserver ships a PostgreSQL build and keeps
its data directory under ``var/``. It has no contrib extensions, so the code relies on core
PostgreSQL only (DESIGN.md 2).
"""

import os
from pathlib import Path


def database_settings(var_dir: Path) -> dict:
    """Start (or join) the embedded server and return a Django DATABASES entry for it."""
    runtime = var_dir / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))

    import pgserver  # imported late: only needed without DATABASE_URL

    pgdata = var_dir / "pgdata"
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir) if info.socket_dir else info.hostname,
        "PORT": "" if info.socket_dir else str(info.port),
        "CONN_MAX_AGE": 0,
    }
