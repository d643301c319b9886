"""The audit trail names the client's address by the same rule as the sign-in log and the
lockout (``portal.middleware.client_ip``): REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT
proxies the address the outermost trusted proxy appended; a forged header alone changes
nothing."""

from datetime import date

import pytest

from members.models import Member
from tests.members.conftest import make_id_number, make_member


@pytest.fixture
def member(district):
    return make_member(district["a_branch"], "审计甲", make_id_number(date(1980, 1, 2), 11))


def audited_ip(member, api, note, **headers):
    response = api.patch(f"/api/v1/members/{member.pk}/", {"note": note}, **headers)
    assert response.status_code == 200, response.content
    event = Member.pgh_event_model.objects.filter(pgh_obj=member, note=note).get()
    return event.pgh_context.metadata["ip"]


def test_the_audit_context_ip_follows_the_proxy_setting(users, member, api_for, settings):
    api = api_for(users["admin"])
    forged = {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}
    assert audited_ip(member, api, "无代理", **forged) == "10.1.1.1"
    settings.TRUSTED_PROXY_COUNT = 1
    behind_nginx = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 8.8.4.4"}
    assert audited_ip(member, api, "经代理", **behind_nginx) == "8.8.4.4"
