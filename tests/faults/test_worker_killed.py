"""A Celery worker killed (SIGKILL, the whole worker) in the middle of a 10,000-row member
import: the message was not acknowledged (task_acks_late), so Redis delivers it again once
its visibility timeout passed, a new worker runs the import again, and the register ends
with every member exactly once (portal/celery.py, portal/tasks.py)."""

import time
import warnings

import pytest
from django.db import connection
from django.db.models import Count

from members.models import Member
from portal import crypto
from portal.celery import app
from portal.models import ImportJob
from tests.faults.conftest import FAULT_REDIS_URL, start_worker, wait_for
from tests.members.test_member_imports import member_rows, to_csv

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROWS = 10_000


def send_import(job_id, queue):
    """Publish run_import to ``queue`` on the fault Redis, as the upload view would."""
    with app.connection_for_write(FAULT_REDIS_URL) as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test process itself runs tasks eagerly
        app.send_task("portal.tasks.run_import", args=[job_id], queue=queue, connection=conn)


def writing_backend():
    """The pid of another session on this database inside a transaction that has written
    (it holds a transaction id): the import's single transaction, mid-way."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        row = cursor.fetchone()
    return row and row[0]


def finished(job):
    job.refresh_from_db()
    return job.status not in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)


def test_worker_killed_mid_import_is_redelivered_and_writes_each_row_once(
    district, users, processes, fault_redis, fault_queue
):
    job = ImportJob.objects.create(
        user=users["admin"],
        spec="members.member",
        filename="faults.csv",
        content=crypto.encrypt_bytes(to_csv(member_rows(ROWS))),
    )
    queue = fault_queue
    first = start_worker(processes, queue, "first")  # the production visibility timeout
    send_import(job.pk, queue)

    # Kill it once the import's transaction has started writing members.
    wait_for(
        lambda: writing_backend() or processes.check_alive(first),
        180,
        "the first worker never started writing",
    )
    processes.kill(first)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING  # killed mid-way: the job never ended
    # The killed transaction left nothing: its connection is gone, so it was rolled back.
    wait_for(lambda: not writing_backend(), 30, "the killed transaction is still open")
    assert Member.objects.count() == 0
    # The message is held as unacknowledged, not lost and not yet back in the queue.
    assert fault_redis.llen(queue) == 0
    assert fault_redis.hlen("unacked") >= 1

    # A new worker whose visibility timeout (2 s) has passed for that message restores it.
    time.sleep(2.5)
    second = start_worker(processes, queue, "second", CELERY_VISIBILITY_TIMEOUT=2)
    wait_for(lambda: finished(job) or processes.check_alive(second), 300, "the import never ended")

    assert job.status == ImportJob.Status.DONE, (job.message, job.errors[:3])
    assert (job.total, job.created, job.updated) == (ROWS, ROWS, 0)
    assert Member.objects.count() == ROWS
    duplicates = (
        Member.objects.values("id_number_hash").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    assert duplicates == 0
    assert Member.objects.values("id_number_hash").distinct().count() == ROWS
    # The redelivered message was acknowledged: nothing is left to run a third time.
    wait_for(lambda: fault_redis.llen(queue) == 0, 10, "messages left in the queue")
