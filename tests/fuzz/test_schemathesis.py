"""Schemathesis against ``/api/schema/`` with a real API token of each role (issue 9 item 7).

Every operation of the schema is called with generated requests (positive mode: data the
schema allows) on the test world of tests/reports/conftest.py (two streets, members,
organisations, buildings, enterprises, grids, cases). Checks:

- no 5xx (``not_a_server_error``);
- responses conform to the schema: body (``response_schema_conformance``), content type and
  headers; error statuses drf-spectacular leaves undocumented (400/401/403/404) are not counted
  as failures, their bodies are the ``{"field": [...]}``/``{"detail": ...}`` contract;
- no access the role should not have: a street-A token (operator, community worker,
  integration) never receives a row of street B (its region code 310104004 or its name), and
  the auditor never gets a 2xx on a write (``POST .../lookup/`` is a read).

``make fuzz`` runs the full version (``-m fuzz``, FUZZ_EXAMPLES examples per operation and
role, default 10); the normal suite runs ``test_fuzz_smoke``: one example per operation, the
roles taking turns, time-boxed to 60 s. Failures are collected, not shrunk, and listed at the
end with the request to replay them.
"""

import json
import logging
import os
import time
from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from portal.accounts.models import ApiToken
from tests.buildings.conftest import coverage_world  # noqa: F401 (fixture)
from tests.grids.conftest import grids  # noqa: F401 (fixture)
from tests.reports.conftest import world  # noqa: F401 (fixture)

#: The roles fuzzed, each as the user of tests/conftest.py ``users`` it is.
ROLES = {
    "district_admin": "admin",
    "street_operator": "operator_a",
    "community_worker": "worker_a",
    "auditor": "auditor",
    "integration": "sync_a",
}
STREET_A_ROLES = {"street_operator", "community_worker", "integration"}
#: What a street-B row carries: its region's code (every B region's code starts with it).
STREET_B_MARKERS = tuple(m.encode() for m in ("310104004", "湖南路街道"))
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Writes the auditor may make: reads sent by POST (the ID number stays out of the URL) and
#: the auditor's own inbox (marking its own messages read changes no audited data).
AUDITOR_WRITES = ("/lookup/",)
AUDITOR_OWN_PREFIXES = ("/api/v1/inbox/",)

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]


def no_street_b_rows(ctx, response, case):
    """A street-A token never receives street B's rows."""
    if 200 <= response.status_code < 300:
        found = [marker for marker in STREET_B_MARKERS if marker in response.content]
        if found:
            raise AssertionError(f"street-A token received street-B data ({found[0].decode()})")


def auditor_never_writes(ctx, response, case):
    """The auditor reads; any write it attempts is refused."""
    if (
        case.method.upper() in WRITE_METHODS
        and not case.path.endswith(AUDITOR_WRITES)
        and not case.path.startswith(AUDITOR_OWN_PREFIXES)
        and 200 <= response.status_code < 300
    ):
        raise AssertionError(f"auditor got {response.status_code} on a write")


ROLE_CHECKS = {
    **{role: [no_street_b_rows] for role in STREET_A_ROLES},
    "auditor": [auditor_never_writes],
}


@contextmanager
def in_test_transaction():
    """Requests go through Django's real WSGI handler in this thread, inside the test's
    transaction: like Django's test client, keep the handler from closing the connection
    at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Thousands of expected 4xx would each log a warning; server errors still log.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        request_log.setLevel(level)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def load_schema():
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


def describe(failure):
    """The failure's title and its first lines of detail (the schema path, the value)."""
    lines = [line.strip() for line in str(failure).strip().splitlines() if line.strip()]
    return " | ".join(lines[:8])[:600]


def fuzz(users, *, examples, budget_seconds, rotate_roles=False):
    """Fuzz every operation; each generated request is sent with every role's token (with
    ``rotate_roles``, with one role's, the next role for the next operation). Returns the
    run's summary."""
    summary = {
        "operations": 0,
        "tested": 0,
        "examples": 0,
        "requests": 0,
        "statuses": Counter(),
        "failures": [],
    }
    keys = {
        role: ApiToken.issue(users[name], name=f"fuzz {role}")[1] for role, name in ROLES.items()
    }
    with in_test_transaction():
        schema = load_schema()
        operations = [result.ok() for result in schema.get_all_operations()]
        summary["operations"] = len(operations)
        started = time.monotonic()
        roles = list(keys)
        for number, operation in enumerate(operations):
            if time.monotonic() - started > budget_seconds:
                break
            if rotate_roles:
                role = roles[number % len(roles)]
                run_operation(operation, {role: keys[role]}, examples, summary)
            else:
                run_operation(operation, keys, examples, summary)
            summary["tested"] += 1
        summary["seconds"] = round(time.monotonic() - started, 1)
    return summary


def run_operation(operation, keys, examples, summary):
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        summary["examples"] += 1
        for role, key in keys.items():
            # identity: the WSGI transport does not inflate a gzipped body as clients do.
            headers = {"Authorization": f"Token {key}", "Accept-Encoding": "identity"}
            # Each request in a savepoint: a server error that broke the transaction is
            # reported and rolled back, so it does not fail every request after it.
            savepoint = transaction.savepoint()
            response = case.call(headers=headers)
            if response.status_code >= 500:
                transaction.savepoint_rollback(savepoint)
            else:
                transaction.savepoint_commit(savepoint)
            summary["requests"] += 1
            summary["statuses"][response.status_code] += 1
            try:
                case.validate_response(
                    response, checks=CHECKS + ROLE_CHECKS.get(role, []), headers=headers
                )
            except (AssertionError, BaseExceptionGroup) as failure:  # Failure / FailureGroup
                for item in getattr(failure, "exceptions", None) or [failure]:
                    summary["failures"].append(
                        {
                            "role": role,
                            "operation": operation.label,
                            "status": response.status_code,
                            "failure": describe(item),
                            "request": case.as_curl_command(headers={"Authorization": "…"}),
                        }
                    )

    run()


def report(summary):
    lines = [
        f"operations: {summary['tested']} of {summary['operations']}, roles: {len(ROLES)}, "
        f"examples: {summary['examples']}, requests: {summary['requests']}, "
        f"failures: {len(summary['failures'])}, {summary.get('seconds')} s",
        "statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(summary["statuses"].items())),
    ]
    for failure in summary["failures"][:50]:
        lines.append(json.dumps(failure, ensure_ascii=False))
    return "\n".join(lines)


@pytest.fixture
def fuzz_world(world, settings):  # noqa: F811
    # Fuzzing sends thousands of requests a minute per token: throttling is tested elsewhere.
    settings.THROTTLE_RATES = {}
    cache.clear()
    return world


def test_fuzz_smoke(fuzz_world, users, capsys):
    """The normal suite's short run: one example per operation, the roles taking turns,
    time-boxed to 60 s (every operation is reached on an idle machine)."""
    summary = fuzz(users, examples=1, budget_seconds=60, rotate_roles=True)
    with capsys.disabled():
        print("\n[fuzz smoke] " + report(summary))
    assert summary["failures"] == [], report(summary)
    assert summary["operations"] > 50 and summary["tested"] > 50


@pytest.mark.fuzz
def test_fuzz_full(fuzz_world, users, capsys):
    """``make fuzz``: FUZZ_EXAMPLES (default 10) examples per operation and role."""
    examples = int(os.environ.get("FUZZ_EXAMPLES", "10"))
    summary = fuzz(users, examples=examples, budget_seconds=float("inf"))
    with capsys.disabled():
        print("\n[fuzz] " + report(summary))
    assert summary["failures"] == [], report(summary)
