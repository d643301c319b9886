"""Stored uploads: encrypted while they wait, dropped when the job ends with a result, kept
after a failure so the job can be retried."""

from django.core.files.uploadedfile import SimpleUploadedFile

from portal import imports
from portal.models import ImportJob

CSV = "区划代码,名称,层级,上级代码\n310104003099,新建居委会,居民区/村,310104003\n".encode()


def upload(client, capture):
    with capture(execute=True):
        response = client.post(
            "/regions/import/", {"file": SimpleUploadedFile("r.csv", CSV, "text/csv")}
        )
    assert response.status_code == 302
    return ImportJob.objects.latest("pk")


def test_upload_is_stored_encrypted_and_dropped_when_done(
    client_for, users, django_capture_on_commit_callbacks
):
    client = client_for(users["admin"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post("/regions/import/", {"file": SimpleUploadedFile("r.csv", CSV, "text/csv")})
    job = ImportJob.objects.latest("pk")
    assert job.has_content and "新建居委会".encode() not in bytes(job.content)
    assert b"310104003099" not in bytes(job.content)
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created == 1
    assert bytes(job.content) == b"" and not job.has_content and not job.can_retry


def test_a_failed_job_keeps_its_upload_and_can_be_retried(
    client_for, users, monkeypatch, django_capture_on_commit_callbacks
):
    client = client_for(users["admin"])
    spec = imports.get_spec("portal.region")

    def broken(*args, **kwargs):
        raise RuntimeError("数据库连接中断")

    monkeypatch.setattr(spec, "run", broken)
    job = upload(client, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED and job.has_content and job.can_retry
    assert "重试" in client.get(f"/imports/{job.pk}/").content.decode()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created, job.has_content) == (ImportJob.Status.DONE, 1, False)


def test_only_the_uploader_retries_and_only_failed_jobs(
    client_for, users, django_capture_on_commit_callbacks
):
    job = upload(client_for(users["admin"]), django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    client = client_for(users["admin"])
    response = client.post(f"/imports/{job.pk}/retry/", follow=True)
    assert "不能重试" in response.content.decode()
    other = client_for(users["operator_a"])
    assert other.post(f"/imports/{job.pk}/retry/").status_code == 404
