"""``seed_scale_buildings``: citywide-size registers (500,000 enterprises by default) beside
the 2,000,000 members of ``seed_scale``, in minutes.

For every district in the database (the demo's and ``seed_scale``'s synthetic ones): one
building per 200 new enterprises in its communities (coordinates only inside the demo
district's bounding box, none elsewhere), a park per eight buildings, a 党建服务中心 per
street without one and 党建服务站/金领驿站 in a sixth of the buildings each. Enterprises are
generated like the demo's (valid unique credit codes, names, kinds, industries, tenancy) and
streamed in by COPY; every enterprise branch of the synthetic 综合党委 gets its enterprise
(a joint branch three to eight). Then, set-based: the tenancy rows, and the members'
employers (an enterprise branch's members its enterprise; working members of residential
branches an enterprise of their district, chosen by a hash of their id).

**Audit trail: off for this synthetic data**, as in ``seed_scale``: the pghistory triggers of
the registers, organisations and members are disabled inside the transaction (enabled again
at commit or rollback), and the enterprise table's secondary indexes are rebuilt after the
COPY. Run it on a benchmark database, not next to live users.

Idempotent: ``--enterprises`` is the size the register should reach; a register that holds
that many already gets none.
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from buildings import seeding
from buildings.models import (
    DISTRICT_BOUNDS,
    Building,
    Enterprise,
    Park,
    ServiceSite,
    Tenancy,
)
from members.management.commands import _seeding
from members.models import Member
from organizations.models import Organization
from portal import imports
from portal.management.base import AuditedCommand
from portal.models import Region
from portal.search import name_grams

ENTERPRISES_PER_BUILDING = 200
BUILDINGS_PER_PARK = 8
SITE_SHARE = 6  # one building in six gets a 党建服务站, another one in six a 金领驿站
#: Working residential members who get an employer: this many in ten.
EMPLOYED_TENTHS = 8


class Command(AuditedCommand):
    help = "Build citywide-size enterprise and building registers (COPY, set-based SQL)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enterprises",
            type=int,
            default=500_000,
            help="enterprises the register should hold in all (default 500000)",
        )
        parser.add_argument("--seed", type=int, default=4754)

    def handle(self, enterprises, seed, **options):
        started = time.monotonic()
        existing = Enterprise.objects.count()
        count = enterprises - existing
        if count <= 0:
            self.stderr.write(f"enterprises: {existing} already, none added")
            return
        self.rng = random.Random(seed * 1_000_003 + existing)
        self.today = timezone.localdate()
        self.load_regions()
        models = (Park, Building, Enterprise, Tenancy, ServiceSite, Organization, Member)
        with transaction.atomic(), _seeding.audit_triggers_disabled(*models):
            buildings = self.create_buildings(count)
            self.say(f"{len(buildings)} buildings and their parks ({self.elapsed(started)})")
            with _seeding.indexes_rebuilt(Enterprise):
                self.copy_enterprises(count, buildings)
                self.say(f"{count} enterprises copied ({self.elapsed(started)}), indexing ...")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE buildings_enterprise")
            self.say(f"indexed ({self.elapsed(started)})")
            tenancies = self.create_tenancies(existing)
            sites = self.create_sites(buildings)
            self.say(f"{tenancies} tenancies, {sites} service sites ({self.elapsed(started)})")
            linked = self.link_employers()
        with connection.cursor() as cursor:
            for table in ("buildings_enterprise", "buildings_tenancy", "members_member"):
                cursor.execute(f"ANALYZE {table}")
        self.say(
            f"{count} enterprises, {len(buildings)} buildings, {tenancies} tenancies, "
            f"{sites} service sites, {linked} members linked, in {self.elapsed(started)}"
        )

    def say(self, text):
        self.stderr.write(f"seed_scale_buildings: {text}")

    @staticmethod
    def elapsed(started):
        return f"{time.monotonic() - started:.0f}s"

    # --- places ------------------------------------------------------------------------

    def load_regions(self):
        regions = list(
            Region.objects.order_by("code").values(
                "id", "code", "name", "level", "parent_id", "path"
            )
        )
        by_id = {r["id"]: r for r in regions}
        self.communities = [r for r in regions if r["level"] == Region.Level.COMMUNITY]
        self.streets = {}
        for community in self.communities:
            self.streets.setdefault(community["parent_id"], []).append(community)
        self.street = {c["id"]: by_id[c["parent_id"]] for c in self.communities}
        self.demo_path = f"/{seeding.DISTRICT_CODE}/"

    def coordinates(self, community):
        if not community["path"].startswith(self.demo_path):
            return None, None
        street = self.street[community["id"]]
        lat, lng = seeding.STREETS.get(street["code"], (31.17, 121.43))[:2]
        return (
            seeding.spread(self.rng, lat, DISTRICT_BOUNDS["lat_min"], DISTRICT_BOUNDS["lat_max"]),
            seeding.spread(self.rng, lng, DISTRICT_BOUNDS["lng_min"], DISTRICT_BOUNDS["lng_max"]),
        )

    def create_buildings(self, count):
        rng = self.rng
        wanted = max(1, count // ENTERPRISES_PER_BUILDING)
        start = Building.objects.count() + 1
        street_ids = sorted(self.streets)
        parks, plans = [], []
        for n in range(wanted):
            street_id = street_ids[n % len(street_ids)]
            community = rng.choice(self.streets[street_id])
            plans.append((n, street_id, community))
            if n % BUILDINGS_PER_PARK == 0:
                street = self.street[community["id"]]
                parks.append(
                    Park(
                        code=f"SP{start + n:06d}",
                        name=f"{street['name']}第{n // BUILDINGS_PER_PARK + 1}科创园",
                        region_id=street["id"],
                        operator=f"上海{seeding.NameMaker(rng).brand()}园区运营管理有限公司",
                    )
                )
        Park.objects.bulk_create(parks, batch_size=2000)
        park_of_street = {}
        for park in parks:
            park_of_street.setdefault(park.region_id, park)
        buildings = []
        for n, street_id, community in plans:
            kind = rng.choice(("office", "office", "park", "market")) if n % 5 else "park"
            lat, lng = self.coordinates(community)
            floors = rng.randint(3, 40) if kind == "office" else rng.randint(2, 12)
            buildings.append(
                Building(
                    code=f"SB{start + n:06d}",
                    name=f"{community['name'].removesuffix('居委会')}{rng.choice(seeding.BUILDING_WORDS)}"
                    f"{rng.choice(seeding.BUILDING_SUFFIXES)}",
                    kind=kind,
                    address=f"{self.street[community['id']]['name']}{rng.randint(1, 2000)}号",
                    region_id=community["id"],
                    park=park_of_street.get(street_id) if kind == "park" else None,
                    latitude=lat,
                    longitude=lng,
                    floors=floors,
                    basement_floors=rng.randint(0, 3),
                    gross_floor_area=Decimal(floors * rng.randint(800, 3000)),
                    property_manager=rng.choice(seeding.PROPERTY_MANAGERS),
                    contact_phone=seeding.phone(rng),
                )
            )
        return Building.objects.bulk_create(buildings, batch_size=2000)

    # --- enterprises ---------------------------------------------------------------------

    def firm_branches(self):
        """(id, name, kind, region id) of enterprise branches without an enterprise yet."""
        return list(
            Organization.objects.filter(
                kind__in=(Organization.Kind.BRANCH, Organization.Kind.JOINT_BRANCH),
                sector__in=(
                    Organization.Sector.PRIVATE_ENTERPRISE,
                    Organization.Sector.SOCIAL_ORGANIZATION,
                ),
                dissolved_on__isnull=True,
                enterprises__isnull=True,
                region__level=Region.Level.COMMUNITY,
            )
            .order_by("id")
            .values_list("id", "name", "kind", "region_id")
        )

    def copy_enterprises(self, count, buildings):
        rng, today = self.rng, self.today
        usccs = seeding.UsccMaker(rng, Enterprise.objects.values_list("uscc", flat=True))
        names = seeding.NameMaker(rng, Enterprise.objects.values_list("name", flat=True))
        kinds = seeding.cumulative(seeding.KINDS)
        communities = self.communities
        in_community = {}
        for b in buildings:
            in_community.setdefault(b.region_id, []).append(b)
        all_buildings = buildings
        # Branches first: one enterprise each, a joint branch's with 2-7 more.
        owners = []
        for org_id, org_name, kind, region_id in self.firm_branches():
            owners.append((org_id, seeding.strip_branch_suffix(org_name), region_id))
            if kind == Organization.Kind.JOINT_BRANCH:
                owners += [(org_id, None, region_id)] * rng.randint(2, 7)
        columns = [f for f in Enterprise._meta.concrete_fields if not f.primary_key]
        names_sql = ", ".join(connection.ops.quote_name(f.column) for f in columns)
        attnames = [f.attname for f in columns]
        now = timezone.now()

        def row(n):
            org_id = None
            if n < len(owners):
                org_id, owner_name, region_id = owners[n]
                kind, industry = seeding.branch_enterprise(owner_name or "")
                if owner_name and owner_name not in names.taken:
                    names.taken.add(owner_name)
                    name = owner_name
                else:
                    name, industry = names.make(kind, seeding.STREETS["310104014"][2])
            else:
                community = communities[rng.randrange(len(communities))]
                region_id = community["id"]
                kind = seeding.pick(rng, *kinds)
                name, industry = names.make(kind, seeding.STREETS["310104014"][2])
            status, status_on = "active", None
            if org_id is None:
                roll = rng.random()
                if roll < 0.05:
                    status = "moved_out" if roll < 0.03 else "deregistered"
                    status_on = today - timedelta(days=rng.randint(10, 1500))
            building = floor = None
            room, moved_in = "", None
            if status == "active" and rng.random() < 0.35:
                local = in_community.get(region_id)
                building = rng.choice(local) if local else rng.choice(all_buildings)
                region_id = building.region_id
                floor = rng.randint(1, building.floors)
                room = f"{floor}{rng.randint(1, 28):02d}"
                moved_in = today - timedelta(days=int(rng.triangular(30, 6000, 700)))
            address = f"{rng.choice(seeding.STREETS['310104014'][2])}{rng.randint(1, 2000)}号"
            return {
                "created_at": now,
                "updated_at": now,
                "uscc": usccs.for_kind(kind, rng),
                "uscc_override_reason": "",
                "uscc_override_by_id": None,
                "name": name,
                "name_grams": name_grams(name),
                "kind": str(kind),
                "industry": industry,
                "legal_representative": seeding.person(rng),
                "employees": seeding.employees(rng, kind),
                "registered_address": address,
                "operating_address": address,
                "region_id": region_id,
                "building_id": building.pk if building else None,
                "floor": floor,
                "room": room,
                "moved_in_on": moved_in,
                "status": status,
                "status_on": status_on,
                "party_organization_id": org_id,
                "note": "",
            }

        def blocks():
            for start in range(0, count, 5000):
                lines = []
                for n in range(start, min(count, start + 5000)):
                    values = row(n)
                    lines.append(
                        "\t".join(imports.copy_value(values.get(a, "")) for a in attnames) + "\n"
                    )
                yield "".join(lines).encode()
                self.stderr.write(f"\renterprises: {min(count, start + 5000)}/{count}", ending="")
                self.stderr.flush()
            self.stderr.write("")

        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY buildings_enterprise ({names_sql}) FROM STDIN",
                _seeding.IterFile(blocks()),
                size=1 << 16,
            )

    # --- set-based ------------------------------------------------------------------------

    def create_tenancies(self, existing):
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO buildings_tenancy
                    (enterprise_id, building_id, floor, room, moved_in_on, created_at, updated_at)
                SELECT e.id, e.building_id, e.floor, e.room, e.moved_in_on, now(), now()
                FROM buildings_enterprise e
                WHERE e.building_id IS NOT NULL AND e.status = 'active'
                  AND NOT EXISTS (SELECT 1 FROM buildings_tenancy t
                                  WHERE t.enterprise_id = e.id AND t.moved_out_on IS NULL)
                """
            )
            return cursor.rowcount

    def create_sites(self, buildings):
        rng = self.rng
        have = set(
            ServiceSite.objects.filter(kind=ServiceSite.Kind.CENTER).values_list(
                "region_id", flat=True
            )
        )
        sites = []
        for street_id in sorted(self.streets):
            if street_id in have:
                continue
            street = self.street[self.streets[street_id][0]["id"]]
            sites.append(
                ServiceSite(
                    code=f"ZX{street['code']}",
                    name=f"{street['name']}党建服务中心",
                    kind=ServiceSite.Kind.CENTER,
                    region_id=street_id,
                    full_time_workers=rng.randint(2, 40),
                    opening_hours="工作日 9:00-17:00",
                )
            )
        for n, building in enumerate(buildings):
            for offset, kind, label, prefix in (
                (0, ServiceSite.Kind.STATION, "党建服务站", "ZD"),
                (3, ServiceSite.Kind.GOLDEN_COLLAR, "金领驿站", "JL"),
            ):
                if n % SITE_SHARE == offset:
                    sites.append(
                        ServiceSite(
                            code=f"{prefix}{building.code}",
                            name=f"{building.name}{label}",
                            kind=kind,
                            region_id=building.region_id,
                            building_id=building.pk,
                            full_time_workers=rng.randint(0, 2),
                        )
                    )
        ServiceSite.objects.bulk_create(sites, batch_size=2000)
        return len(sites)

    def link_employers(self):
        """Members' employers, in two statements: an enterprise branch's members its
        enterprise(s); working members of residential branches, eight in ten, an enterprise
        without an organisation of their district (a hash of the member's id picks it)."""
        seed = self.rng.randrange(1, 1_000_000)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH firms AS (
                    SELECT id, party_organization_id AS org,
                        row_number() OVER (PARTITION BY party_organization_id ORDER BY id) - 1 AS k,
                        count(*) OVER (PARTITION BY party_organization_id) AS n
                    FROM buildings_enterprise
                    WHERE party_organization_id IS NOT NULL AND status = 'active')
                UPDATE members_member m SET employer_id = f.id, employer_name = ''
                FROM firms f
                WHERE f.org = m.organization_id AND f.k = m.id %% f.n
                  AND m.employer_id IS NULL AND m.status = 'normal'
                  AND m.occupation <> '离退休人员'
                """
            )
            linked = cursor.rowcount
            cursor.execute(
                """
                WITH pool AS (
                    SELECT e.id, split_part(r.path, '/', 2) AS district,
                        row_number() OVER (PARTITION BY split_part(r.path, '/', 2)
                                           ORDER BY e.id) - 1 AS k,
                        count(*) OVER (PARTITION BY split_part(r.path, '/', 2)) AS n
                    FROM buildings_enterprise e JOIN portal_region r ON r.id = e.region_id
                    WHERE e.status = 'active' AND e.party_organization_id IS NULL
                      AND e.kind = ANY(%(two_new)s)),
                sizes AS (SELECT DISTINCT district, n FROM pool),
                working AS (
                    SELECT m.id, s.district, (m.id * 2654435761 + %(seed)s) %% s.n AS k
                    FROM members_member m
                    JOIN organizations_organization o ON o.id = m.organization_id
                    JOIN sizes s ON 'D' || s.district = split_part(o.path, '/', 2)
                    WHERE o.sector = 'community' AND m.status = 'normal'
                      AND m.employer_id IS NULL
                      AND m.occupation IN ('企业职工', '专业技术人员')
                      AND (m.id * 40503 + %(seed)s) %% 10 < %(tenths)s)
                UPDATE members_member m SET employer_id = p.id, employer_name = ''
                FROM working w JOIN pool p ON p.district = w.district AND p.k = w.k
                WHERE m.id = w.id
                """,
                {
                    "two_new": [str(k) for k in Enterprise.TWO_NEW_KINDS],
                    "seed": seed,
                    "tenths": EMPLOYED_TENTHS,
                },
            )
            return linked + cursor.rowcount
