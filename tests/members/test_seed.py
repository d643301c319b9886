"""Demo and scale members (issue 3, item 7): ``seed_demo --members N`` and ``seed_scale``
write members that pass the model's own validation, over branch-level organisations only,
with the sensitive columns encrypted, indexed and masked as ``Member.save()`` would.
"""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from members.management.commands import _seeding
from members.models import Member, MemberEvent
from organizations.models import Organization
from portal import crypto, validators
from portal.search import name_grams


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def assert_valid_sample(queryset, size=60):
    """A sample of ``queryset`` passes full_clean, and its stored forms agree with the
    plain values: blind index, mask, name grams, birth date and gender of the ID number."""
    sample = list(queryset.select_related("organization").order_by("?")[:size])
    assert len(sample) == size
    for member in sample:
        member.full_clean()
        number = member.id_number
        assert validators.normalize_id_number(number) == number
        assert member.id_number_hash == crypto.blind_index(number, "id_number")
        assert member.id_number_masked == validators.mask_id_number(number)
        assert (member.birth_date, member.gender) == tuple(validators.id_number_facts(number))
        assert member.name_grams == name_grams(member.name)
        if member.mobile_cipher:
            assert member.mobile_masked == validators.mask_mobile(member.mobile)
            assert member.mobile_hash == crypto.blind_index(member.mobile, "mobile")
        assert member.organization.kind in Organization.BRANCH_KINDS


def table_has_plain(values):
    with connection.cursor() as cursor:
        cursor.execute("SELECT string_agg(t::text, '') FROM members_member t")
        text = cursor.fetchone()[0]
    return [v for v in values if v in text]


@pytest.mark.slow
def test_seed_demo_adds_valid_members_once(db):
    _out, err = run("seed_demo", "--no-users", "--members", "1500")

    assert Member.objects.count() == 1500
    assert "members: 1500/1500 (100%)" in err  # the progress line
    assert not Member.objects.exclude(organization__kind__in=Organization.BRANCH_KINDS).exists()
    assert_valid_sample(Member.objects.all())
    # Spread over many branches, with the mixes the demo pages show.
    assert Member.objects.values("organization").distinct().count() > 500
    counts = {
        "female": Member.objects.filter(gender="female").count(),
        "probationary": Member.objects.filter(category="probationary").count(),
        "not normal": Member.objects.exclude(status="normal").count(),
        "flowing": Member.objects.filter(flowing=True).count(),
        "with mobile": Member.objects.exclude(mobile_cipher="").count(),
        "双报到": Member.objects.filter(residential_region__isnull=False).count(),
    }
    assert 300 < counts["female"] < 900, counts
    assert 10 < counts["probationary"] < 120, counts
    assert 0 < counts["not normal"] < 150, counts
    assert 10 < counts["flowing"] < 150, counts
    assert counts["with mobile"] > 1200, counts
    assert counts["双报到"] > 100, counts
    assert len(set(Member.objects.values_list("education", flat=True))) >= 5
    assert Member.objects.filter(id_number_masked__startswith="310104").count() > 300
    # Audited like any write of the command: one insert event each, naming seed_demo.
    assert MemberEvent.objects.count() == 1500
    contexts = set(
        MemberEvent.objects.values_list(
            "pgh_context__metadata__command", "pgh_context__metadata__channel"
        )
    )
    assert contexts == {("seed_demo", "command")}
    # No plain ID number or mobile in the table.
    sample = Member.objects.order_by("pk")[:30]
    assert (
        table_has_plain([m.id_number for m in sample] + [m.mobile for m in sample if m.mobile])
        == []
    )

    _out, err = run("seed_demo", "--no-users", "--members", "1500")
    assert Member.objects.count() == 1500
    assert "none added" in err


def test_generation_is_deterministic_and_parallel_blocks_match_serial_ones(settings):
    """The same seed makes the same members whether one process or two generate them (only
    the ciphertexts, as Fernet draws a fresh IV each time, and the time of the run differ);
    numbers already registered are not drawn again."""
    branches = [
        _seeding.Branch(1, "测试居民区第一党支部", "community", 2.0, (7, 8)),
        _seeding.Branch(2, "上海汇智信息技术有限公司党支部", "private_enterprise", 0.5, (7,)),
    ]
    columns = [f.attname for f in _seeding.copy_columns()]
    varying = ("id_number_cipher", "mobile_cipher", "created_at", "updated_at")
    keep = [i for i, name in enumerate(columns) if name not in varying]

    def rows(workers, seen=None):
        blocks = _seeding.member_blocks(
            branches,
            1200,
            seed=5,
            today=date(2026, 1, 1),
            workers=workers,
            block_rows=500,
            seen=seen,
        )
        lines = b"".join(blocks).decode().splitlines()
        return [tuple(line.split("\t")[i] for i in keep) for line in lines]

    serial = rows(1)
    assert len(serial) == 1200
    assert rows(2) == serial
    hash_at = [columns[i] for i in keep].index("id_number_hash")
    taken = {_seeding.blind_key(row[hash_at]) for row in serial[:100]}
    fresh = rows(1, seen=set(taken))
    assert len(fresh) == 1200
    assert not {_seeding.blind_key(row[hash_at]) for row in fresh} & taken


@pytest.mark.slow
def test_seed_scale_builds_districts_and_members_by_copy(db):
    before_events = MemberEvent.objects.count()

    args = ["--members", "20000", "--districts", "3", "--workers", "2"]
    _out, err = run("seed_scale", *args, "--rebuild-indexes", "yes")

    assert Member.objects.count() == 20000
    assert "indexes rebuilt" in err
    roots = Organization.objects.filter(parent__isnull=True, kind="committee")
    assert sorted(roots.values_list("code", flat=True)) == ["D310101", "D310105", "D310106"]
    branches = Organization.objects.filter(kind__in=Organization.BRANCH_KINDS)
    assert branches.count() == 3 * (12 * 20 * 4 + 12 * 25 + 4 * 10)
    assert not Member.objects.exclude(organization__kind__in=Organization.BRANCH_KINDS).exists()
    assert_valid_sample(Member.objects.all(), size=80)
    assert Member.objects.values("organization").distinct().count() > 3000
    # Synthetic data: the audit triggers were off for the COPY, and are on again.
    assert MemberEvent.objects.count() == before_events
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.tgname, t.tgenabled FROM pg_trigger t
            WHERE t.tgrelid IN ('members_member'::regclass, 'organizations_organization'::regclass)
              AND NOT t.tgisinternal"""
        )
        triggers = cursor.fetchall()
        # 6 audit triggers and the 2 that keep the members' scope tokens, all enabled.
        assert len(triggers) == 8 and {state for _name, state in triggers} == {"O"}
        # The scope-token trigger ran for the copied rows: each holds its region's tokens.
        assert not Member.objects.filter(scope_tokens=[]).exists()
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'members_member'")
        indexes = {name for (name,) in cursor.fetchall()}
    assert {"member_name_grams", "member_org_status", "member_birth_date"} <= indexes
    member = Member.objects.order_by("pk").first()
    member.note = "审计触发器已恢复"
    member.save()
    assert MemberEvent.objects.count() == before_events + 1
    # Name search uses the rebuilt GIN index and finds members.
    assert Member.objects.filter(name_grams__contains=["王"]).count() > 100
    assert Member.objects.filter(joined_on__gt=date.today()).count() == 0

    _out, err = run("seed_scale", *args)
    assert "districts: 0 created" in err and "none added" in err
    assert roots.count() == 3

    _out, err = run("seed_scale", "--members", "21000", "--districts", "3", "--workers", "1")
    assert Member.objects.count() == 21000
    assert Member.objects.values("id_number_hash").distinct().count() == 21000
