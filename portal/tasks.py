"""Background work of the core: imports."""

import logging

import pghistory
from celery import shared_task
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import crypto, imports
from portal.models import ImportJob

logger = logging.getLogger(__name__)


#: Sent after an import job wrote its rows (not for a dry run, nor a refused file), with
#: ``sender`` the imported model and ``job``/``result`` keyword arguments. Apps whose derived
#: figures depend on that model (the coverage facts) refresh them, and the core need not
#: know those apps.
import_finished = Signal()

#: A job that ends with a result drops its upload; a failed one keeps it for a retry.
ENDED = {"content": b"", "has_content": False}


def _set(job_id, **fields):
    ImportJob.objects.filter(pk=job_id).update(**fields)


@shared_task
def run_import(job_id):
    """Validate and write one uploaded file. The audit trail names the uploader and job.

    Safe to run twice (Celery acknowledges late, so a killed worker's job is delivered
    again): the rows are written in one transaction upserting by natural key, so a run that
    died mid-way left nothing and a second run writes the file once; a job that already
    ended is left as it is."""
    job = ImportJob.objects.select_related("user", "user__scope_region").get(pk=job_id)
    if job.status not in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING):
        logger.warning("import job %s delivered again after it ended: skipped", job_id)
        return
    _set(job_id, status=ImportJob.Status.RUNNING, progress=5)
    spec = imports.get_spec(job.spec)
    try:
        with pghistory.context(user=job.user_id, import_job=job.pk, channel="import"):
            result = spec.run(
                crypto.decrypt_bytes(job.content),
                job.filename,
                job.user,
                dry_run=job.dry_run,
                progress=lambda pct: _set(job_id, progress=pct),
            )
    except imports.ImportFileError as exc:
        _set(
            job_id,
            status=ImportJob.Status.INVALID,
            message=str(exc),
            finished_at=timezone.now(),
            progress=100,
            **ENDED,
        )
        return
    except Exception as exc:
        logger.exception("import job %s failed", job_id)
        _set(
            job_id,
            status=ImportJob.Status.FAILED,
            message=str(exc),
            finished_at=timezone.now(),
            progress=100,
        )
        return
    _set(
        job_id,
        status=ImportJob.Status.DONE if result.ok else ImportJob.Status.INVALID,
        total=result.total,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        errors=[error.as_dict() for error in result.errors],
        message=""
        if result.ok
        else _("发现 %(count)s 处错误，未写入任何数据。") % {"count": len(result.errors)},
        progress=100,
        finished_at=timezone.now(),
        **ENDED,
    )
    if result.ok and not job.dry_run:
        # The rows are written whatever a receiver does: its failure is logged, not the job's.
        for receiver, response in import_finished.send_robust(
            sender=spec.model, job=job, result=result
        ):
            if isinstance(response, Exception):
                logger.error("import job %s: %r failed", job_id, receiver, exc_info=response)
