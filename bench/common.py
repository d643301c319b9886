"""Pieces the benchmarks share: the benchmark database and signed-in page requests.

The concurrency helpers (``hammer``, ``percentiles``, the gunicorn ``Server``) live in
bench/members.py, which the other benchmarks import from.
"""

import urllib.request


def ensure_database(url):
    """Create the benchmark database on the real server if it does not exist yet."""
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[-1].split("?")[0]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def session_cookie(user):
    """A ``sessionid`` cookie of ``user`` signed in (a database session, as after the login
    form), for requests to a server on the same database."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def get_page(port, path, cookie, timeout=60):
    """GET ``path`` from the server on ``port`` as the session's user: (status, body)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
