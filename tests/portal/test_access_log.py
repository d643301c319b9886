"""Auditors read the log of unmasked sensitive data; it is append-only and scoped."""

from django.test import RequestFactory

from members.models import Member
from portal.models import SensitiveAccess


def record(user, ids):
    request = RequestFactory().get("/members/?unmask=1")
    request.user = user
    request.id = "req-1"
    return SensitiveAccess.record(request, Member, ids, ["id_number", "mobile"], "ui")


def test_auditor_sees_the_access_log(client_for, users):
    row = record(users["admin"], [1, 2, 3])
    page = client_for(users["auditor"]).get("/audit/sensitive/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "district_admin" in text and "/members/?unmask=1" in text
    assert row.count == 3
    export = client_for(users["auditor"]).get("/audit/sensitive/?export=csv")
    assert "district_admin" in b"".join(export.streaming_content).decode()


def test_street_operator_cannot_read_the_access_log(client_for, users):
    record(users["admin"], [1])
    assert client_for(users["operator_a"]).get("/audit/sensitive/").status_code == 403


def test_access_log_is_read_only_in_admin(client_for, users):
    row = record(users["admin"], [1])
    admin = client_for(users["admin"])
    assert admin.get("/admin/portal/sensitiveaccess/").status_code == 200
    assert admin.get("/admin/portal/sensitiveaccess/add/").status_code == 403
    assert admin.post(f"/admin/portal/sensitiveaccess/{row.pk}/delete/").status_code == 403
