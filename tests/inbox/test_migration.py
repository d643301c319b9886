"""grids 0003 folds the grids' message table into the inbox: each message becomes an inbox
item of the same user with its text, times, read state, its case as source and link."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.inbox.models import InboxItem
from tests.grids.conftest import grids, make_grid_case  # noqa: F401 - the grids fixture

pytestmark = pytest.mark.django_db

BEFORE = [("grids", "0002_case_category_audit")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_messages_move_to_the_inbox(district, users, grids):  # noqa: F811
    case = make_grid_case(grids["grid_a"], grids["category"], "C20260101-000001")
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(BEFORE)
        Notification = old.get_model("grids", "Notification")
        sent = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
        read = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
        Notification.objects.create(
            user_id=users["worker_a"].pk, case_id=case.pk, kind="case_overdue", text="已超时"
        )
        Notification.objects.create(user_id=users["operator_a"].pk, kind="overdue", text="手工")
        Notification.objects.update(created_at=sent)
        Notification.objects.filter(kind="overdue").update(read_at=read)
    finally:
        # Inside the test's transaction: check the deferred foreign keys now, or PostgreSQL
        # refuses to drop a table with pending trigger events.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        migrate(leaves)
    items = {i.user.username: i for i in InboxItem.objects.select_related("user")}
    assert set(items) == {"worker_a", "operator_a"}
    overdue = items["worker_a"]
    assert (overdue.kind, overdue.title, overdue.url) == (
        "case_overdue",
        "已超时",
        f"/grids/cases/{case.pk}/",
    )
    assert overdue.source == case
    assert overdue.created_at == sent and overdue.read_at is None
    assert not overdue.generated and overdue.key is None and overdue.done_at is None
    manual = items["operator_a"]
    assert (manual.kind, manual.title, manual.url, manual.source) == ("message", "手工", "", None)
    assert manual.read_at == read
    assert "grids_notification" not in connection.introspection.table_names()
