"""Auditors browse every audit source by street as well as by user, date and model."""

from django.test import RequestFactory

from organizations.models import Organization
from portal.models import SensitiveAccess


def test_audit_log_filters_by_street(client_for, users, district):
    Organization.objects.filter(pk=district["a_branch"].pk).first().save()
    a = district["a_branch"]
    a.name = "天平路改名党支部"
    a.save()
    b = district["b_branch"]
    b.name = "湖南路改名党支部"
    b.save()
    client = client_for(users["auditor"])
    everything = client.get("/audit/", {"model": "organizations.organization"}).content.decode()
    assert "天平路改名党支部" in everything and "湖南路改名党支部" in everything
    page = client.get(
        "/audit/", {"model": "organizations.organization", "street": district["a"].pk}
    )
    text = page.content.decode()
    assert "天平路改名党支部" in text and "湖南路改名党支部" not in text
    assert "湖南路街道" in text  # offered as a choice


def test_access_log_filters_by_street_and_model(client_for, users, district):
    for user in (users["operator_a"], users["operator_b"]):
        request = RequestFactory().get(f"/members/?who={user.username}")
        request.user, request.id = user, "req"
        SensitiveAccess.record(request, Organization, [1], ["name"], "ui")
    client = client_for(users["auditor"])
    text = client.get("/audit/sensitive/", {"street": district["b"].pk}).content.decode()
    assert "who=operator_b" in text and "who=operator_a" not in text
    text = client.get("/audit/sensitive/", {"object_model": "nothing.here"}).content.decode()
    assert "who=operator_b" not in text
