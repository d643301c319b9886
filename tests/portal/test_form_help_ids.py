"""Accessible forms (issue 8 item 6): a field with a help text names it in
``aria-describedby`` (Django's widget rendering), and the help text carries that id, so a
screen reader reads it with the field."""

import re
from datetime import date

from tests.members.conftest import make_id_number, make_member


def test_every_described_by_id_exists(client_for, users, district):
    member = make_member(district["a_branch"], "帮助甲", make_id_number(date(1980, 2, 3), 21))
    html = client_for(users["admin"]).get(f"/members/{member.pk}/edit/").content.decode()
    described = set(re.findall(r'aria-describedby="([^"]+)"', html))
    referenced = {part for value in described for part in value.split()}
    assert "id_status_helptext" in referenced  # the locked status points to its workflow
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    assert referenced <= ids, referenced - ids
