"""Background work of the reports: generating statistical reports, expiring their files."""

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from members.models import Member
from portal import scoping
from reports import statistics
from reports.models import ReportJob

logger = logging.getLogger(__name__)


def _set(job_id, **fields):
    ReportJob.objects.filter(pk=job_id).update(**fields)


@shared_task
def run_report(job_id):
    """Compute one report job's figures and write its XLSX. The members counted are the
    requester's (``portal.scoping``) under the job's region, so a job can never count more
    than its requester may see."""
    job = ReportJob.objects.select_related("user", "user__scope_region", "region").get(pk=job_id)
    _set(job_id, state=ReportJob.State.RUNNING, progress=10)
    try:
        as_of = date.fromisoformat(job.params["as_of"])
        members = scoping.restrict(Member.objects.all(), job.user, "view").filter(
            organization__region__path__startswith=job.region.path
        )
        data = statistics.compute(members, as_of, job.region.name)
        _set(job_id, progress=60)
        content = statistics.to_xlsx(data)
        job.finish(
            data=data,
            filename=f"member-statistics-{job.region.code}-{as_of:%Y%m%d}-{job.pk}.xlsx",
            content=content,
        )
    except Exception as exc:
        logger.exception("report job %s failed", job_id)
        _set(
            job_id,
            state=ReportJob.State.FAILED,
            error=str(exc),
            progress=100,
            finished_at=timezone.now(),
        )


@shared_task
def expire_report_files(now=None):
    """Delete the result files whose time is up and mark their jobs expired (Celery beat)."""
    now = now or timezone.now()
    expired = ReportJob.objects.filter(state=ReportJob.State.DONE, expires_at__lte=now).only(
        "id", "result"
    )
    count = 0
    for job in expired.iterator():
        if job.result:
            job.result.delete(save=False)
        _set(job.pk, state=ReportJob.State.EXPIRED, result="")
        count += 1
    if count:
        logger.info("report files expired: %s", count)
    return count
