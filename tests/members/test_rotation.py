"""Field key rotation: a new key in front, re-encrypt, drop the old key."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from pghistory.models import Events

from members.models import Member
from portal import crypto


def make_member(district):
    member = Member(
        name="李四",
        organization=district["a_branch"],
        category=Member.Category.PROBATIONARY,
        joined_on=date(2025, 7, 1),
    )
    member.set_id_number("11010519491231002X")
    member.set_mobile("13812345678")
    member.full_clean()
    member.save()
    return member


def test_rotation_re_encrypts_under_the_new_key(district, settings):
    member = make_member(district)
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    old_cipher, old_hash = member.id_number_cipher, member.id_number_hash
    events = Events.objects.tracks(member).count()

    new_key = crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_keys", stdout=io.StringIO(), stderr=io.StringIO())

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    member = Member.objects.get(pk=member.pk)
    assert member.id_number_cipher != old_cipher
    assert member.id_number == "11010519491231002X"
    assert member.mobile == "13812345678"
    assert member.id_number_hash == old_hash  # the blind index does not change
    assert Events.objects.tracks(member).count() == events  # no history noise


def test_a_value_under_an_unknown_key_cannot_be_read(district, settings):
    member = make_member(district)
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    with pytest.raises(ValueError, match="FIELD_ENCRYPTION_KEYS"):
        Member.objects.get(pk=member.pk).id_number  # noqa: B018
