"""Member fixtures: one member in each street of the small test district, plus one in a
street-level branch of A (outside A's community), with ID numbers and mobiles that must never
leak in plain text."""

from datetime import date

import pytest
from django.db import connection

from members.models import Member
from organizations.models import Organization
from portal import validators
from portal.accounts.roles import STREET_OPERATOR
from tests.conftest import make_user


def make_id_number(born, seq=1, region="310104"):
    """A valid 18-character ID number (GB 11643); an odd ``seq`` is male, even female."""
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + validators.id_check_char(first17)


def make_member(organization, name, id_number, mobile="", **fields):
    """A member written the way every door writes one: plain values set, full_clean, save."""
    values = {
        "category": Member.Category.FULL,
        "joined_on": date(2005, 7, 1),
        "full_member_on": date(2006, 7, 1),
    }
    values.update(fields)
    member = Member(name=name, organization=organization, **values)
    member.set_id_number(id_number)
    if mobile:
        member.set_mobile(mobile)
    member.full_clean()
    member.save()
    return member


#: The plain sensitive values of the fixture members, by key.
PLAIN = {
    "a": {"id": make_id_number(date(1980, 5, 4), 371), "mobile": "13912345678"},
    "a_street": {"id": make_id_number(date(1975, 11, 30), 482), "mobile": "13698761234"},
    "b": {"id": make_id_number(date(1968, 2, 29), 155), "mobile": "18623456789"},
}


def plain_values():
    """Every plain ID number and mobile of the fixture members, plus the telling parts of
    the ID numbers (region and birth date together), which masked forms never show."""
    values = []
    for plain in PLAIN.values():
        values += [plain["id"], plain["id"][:14], plain["mobile"]]
    return values


def assert_no_plain(text, *, where=""):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    leaked = [value for value in plain_values() if value in text]
    assert not leaked, f"plain sensitive values {leaked} in {where}"


@pytest.fixture
def a_street_branch(district):
    """A branch of street A's working committee itself (region: the street, not a community),
    so A's community worker must not see its members."""
    return Organization.objects.create(
        code="S003B99",
        name="天平路街道机关党支部",
        kind=Organization.Kind.BRANCH,
        sector=Organization.Sector.GOVERNMENT,
        parent=district["a_top"],
        region=district["a"],
    )


@pytest.fixture
def members(district, a_street_branch):
    """张卫东 (street A, community a1), 王秀英 (street A, street-level branch), 李建国 (B)."""
    return {
        "a": make_member(
            district["a_branch"],
            "张卫东",
            PLAIN["a"]["id"],
            PLAIN["a"]["mobile"],
            education=Member.Education.BACHELOR,
        ),
        "a_street": make_member(
            a_street_branch,
            "王秀英",
            PLAIN["a_street"]["id"],
            PLAIN["a_street"]["mobile"],
            category=Member.Category.PROBATIONARY,
            joined_on=date(2025, 7, 1),
            full_member_on=None,
        ),
        "b": make_member(
            district["b_branch"],
            "李建国",
            PLAIN["b"]["id"],
            PLAIN["b"]["mobile"],
            note="湖南路街道的党员",
        ),
    }


@pytest.fixture
def staff_a(district):
    """A street operator of A who may also use the Django admin."""
    return make_user("staff_a", STREET_OPERATOR, district["a"], is_staff=True)


def member_snapshot():
    """Every stored column of every member, and the number of audit events: what a refused
    write must leave as it was."""
    fields = [f.attname for f in Member._meta.concrete_fields]
    rows = sorted(Member.objects.values_list(*fields))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM members_memberevent")
        events = cursor.fetchone()[0]
    return rows, events


#: A new member that every door accepts (female: the 17th digit of her number is even).
NEW_ID = make_id_number(date(1990, 3, 15), 122)
NEW_MOBILE = "15800001111"


def new_member_form(organization, **overrides):
    """POST data of the UI form for a valid new member of ``organization``."""
    data = {
        "name": "赵敏",
        "id_number": NEW_ID,
        "gender": "female",
        "ethnicity": "01",
        "birth_date": "1990-03-15",
        "mobile": NEW_MOBILE,
        "education": "bachelor",
        "occupation": "",
        "employer_name": "",
        "organization": organization.pk,
        "category": "full",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
        "status": "normal",
        "status_on": "",
        "lost_contact_on": "",
        "flowing_destination": "",
        "residential_region": "",
        "note": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def new_member_api(organization, **overrides):
    """JSON of the API for the same valid new member."""
    data = {
        "name": "赵敏",
        "id_number": NEW_ID,
        "gender": "female",
        "birth_date": "1990-03-15",
        "mobile": NEW_MOBILE,
        "organization": organization.pk,
        "category": "full",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
