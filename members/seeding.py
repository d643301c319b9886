"""The members app's step of ``seed_demo`` (portal/management/commands/seed_demo.py): the
demo district, built from Xuhui's real division codes.

Regions (徐汇区, its 12 streets, 华泾镇, the 漕河泾 development zone and 313 communities) and
about 3,000 Party organisations in a realistic tree go in through the same import specs users
use; leadership positions, ``--members`` Party members (100,000 by default, spread over the
branches, written by COPY: see members/management/commands/_seeding.py) and one demo user
per role follow. Idempotent: a second run leaves existing rows as they are (members are only
added to a registry that has none).
"""

import contextlib
import csv
import io
import os
import random
import secrets
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import transaction

from members import dues
from members.management.commands import _seeding
from members.models import (
    AbsenceReason,
    DuesBase,
    DuesExemption,
    DuesKind,
    DuesPayment,
    DuesRate,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    Member,
)
from organizations.models import LeadershipPosition, Organization
from portal import imports
from portal.accounts.models import ApiToken, User
from portal.accounts.roles import (
    AUDITOR,
    COMMUNITY_WORKER,
    DISTRICT_ADMIN,
    INTEGRATION,
    STREET_OPERATOR,
    sync_roles,
)
from portal.accounts.system import SystemUser
from portal.models import Region

REGIONS_CSV = Path(settings.BASE_DIR) / "data" / "xuhui_regions.csv"
DISTRICT_CODE = "310104"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕慧晓红文斌"
    "玉兰俊辉佳怡思远雨欣子涵浩然梓轩诗涵宇航欣怡晨阳"
)
FIRMS = [
    "汇智",
    "申华",
    "徐光",
    "衡山",
    "龙华",
    "漕溪",
    "凯旋",
    "田林",
    "康健",
    "枫林",
    "华泾",
    "宛平",
    "天钥",
    "滨江",
    "云锦",
    "西岸",
    "东安",
    "斜土",
    "虹梅",
    "中山",
]
TRADES = [
    ("信息技术", "private_enterprise"),
    ("软件科技", "private_enterprise"),
    ("文化传媒", "private_enterprise"),
    ("律师事务所", "social_organization"),
    ("会计师事务所", "social_organization"),
    ("物业管理", "private_enterprise"),
    ("商贸", "private_enterprise"),
    ("生物医药", "private_enterprise"),
    ("建筑设计", "private_enterprise"),
    ("社会工作服务社", "social_organization"),
    ("养老服务中心", "social_organization"),
    ("教育培训", "private_enterprise"),
]
DISTRICT_BODIES = [
    (
        "JG",
        "区级机关工作党委",
        "government",
        "区{}党支部",
        [
            "发展改革委",
            "财政局",
            "民政局",
            "司法局",
            "商务委",
            "科委",
            "人社局",
            "生态环境局",
            "住建委",
            "交通委",
            "文旅局",
            "审计局",
            "统计局",
            "医保局",
            "退役军人局",
            "信访办",
            "应急局",
            "市场监管局",
            "规划资源局",
            "绿化市容局",
            "房管局",
            "档案局",
            "体育局",
            "侨办",
            "政务服务中心",
            "融媒体中心",
            "机管局",
            "国资委机关",
            "总工会机关",
            "团区委机关",
        ],
    ),
    (
        "JY",
        "区教育系统党委",
        "public_institution",
        "{}党支部",
        [
            "南洋模范中学",
            "位育中学",
            "市二中学",
            "南洋中学",
            "零陵中学",
            "徐汇中学",
            "田林第三中学",
            "华泾中学",
            "龙华中学",
            "向阳小学",
            "高安路第一小学",
            "建襄小学",
            "汇师小学",
            "逸夫小学",
            "康健外国语实验中学",
            "徐汇实验小学",
            "长桥中学",
            "紫阳中学",
            "梅园中学",
            "西南位育中学",
            "中国中学",
            "园南中学",
            "徐教院附中",
            "康宁科技实验小学",
            "日晖新村小学",
            "樱花园小学",
            "东二小学",
            "光启小学",
            "上师大附属第二外国语学校",
            "徐汇职业高级中学",
        ],
    ),
    (
        "WJ",
        "区卫生健康工作党委",
        "public_institution",
        "{}党支部",
        [
            "区中心医院",
            "区大华医院",
            "区牙防所",
            "区精神卫生中心",
            "区疾病预防控制中心",
            "区妇幼保健所",
            "天平街道社区卫生服务中心",
            "湖南街道社区卫生服务中心",
            "斜土街道社区卫生服务中心",
            "枫林街道社区卫生服务中心",
            "长桥街道社区卫生服务中心",
            "田林街道社区卫生服务中心",
            "虹梅街道社区卫生服务中心",
            "康健街道社区卫生服务中心",
            "徐家汇街道社区卫生服务中心",
            "凌云街道社区卫生服务中心",
            "龙华街道社区卫生服务中心",
            "漕河泾街道社区卫生服务中心",
            "华泾镇社区卫生服务中心",
            "区卫生健康事务中心",
        ],
    ),
    (
        "GZ",
        "区国资委党委",
        "state_enterprise",
        "{}党支部",
        [
            "徐汇资产投资公司",
            "徐汇城投",
            "徐房集团",
            "光启文化集团",
            "西岸开发集团",
            "汇成集团",
            "徐汇商业集团",
            "徐汇粮油公司",
            "徐汇环卫公司",
            "徐汇市政公司",
            "徐汇绿化公司",
            "徐汇物业公司",
            "徐汇建设公司",
            "徐汇旅游公司",
            "徐汇科技园公司",
            "漕河泾开发公司徐汇分公司",
            "徐汇房地产公司",
            "徐汇燃气服务公司",
            "徐汇公交服务公司",
            "徐汇康养集团",
            "徐汇文化投资公司",
            "徐汇教育服务公司",
            "徐汇医疗投资公司",
            "徐汇金融服务公司",
            "徐汇数据公司",
        ],
    ),
]
LEVELS = {
    "district": "区",
    "street": "街道",
    "town": "镇",
    "development_zone": "开发区",
    "community": "居民区/村",
}


def add_arguments(parser):
    parser.add_argument("--no-users", action="store_true", help="regions and organisations only")
    parser.add_argument(
        "--members",
        type=int,
        default=100_000,
        help="Party members to create if the registry is empty (default 100000)",
    )


def seed_demo(command, options, rng):
    """Regions, organisations, leadership positions, members and the demo accounts."""
    DemoDistrict(command, options, rng).run()


class DemoDistrict:
    def __init__(self, command, options, rng):
        self.stdout, self.stderr = command.stdout, command.stderr
        self.options = options
        self.rng = rng
        self.seed = options["seed"]
        self.today = date.today()

    def run(self):
        system = SystemUser()
        with transaction.atomic():
            self.run_import("portal.region", self.region_rows(), system)
            self.run_import("organizations.organization", self.kept_terms(), system)
            created = self.create_positions()
        self.stderr.write(
            f"demo district: {Region.objects.count()} regions, {Organization.objects.count()} "
            f"organisations, {created} new leadership positions"
        )
        self.create_members(self.options["members"])
        self.create_meetings()
        self.create_dues()
        if not self.options["no_users"]:
            self.create_users()

    # --- regions --------------------------------------------------------------------

    def region_rows(self):
        with open(REGIONS_CSV, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        codes = {row["code"] for row in rows}
        out = [["区划代码", "名称", "层级", "上级代码"]]
        for row in rows:
            parent = row["parent_code"] if row["parent_code"] in codes else ""
            out.append([row["code"], row["name"], LEVELS[row["level"]], parent])
        return out

    def run_import(self, label, rows, user):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        spec = imports.get_spec(label)
        result = spec.run(buffer.getvalue().encode(), f"{label}.csv", user)
        if not result.ok:
            problems = "; ".join(f"row {e.row} {e.column}: {e.message}" for e in result.errors[:10])
            raise CommandError(f"{label}: {problems}")
        self.stderr.write(
            f"{label}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )

    # --- organisations ------------------------------------------------------------

    def term(self, years):
        started = self.today - timedelta(days=self.rng.randint(30, 365 * years))
        if self.rng.random() < 0.04:  # a few terms are about to end: 换届 reminders
            started = self.today - timedelta(days=365 * years - self.rng.randint(5, 80))
        return started, started + timedelta(days=365 * years)

    def kept_terms(self):
        """The organisation rows, with the term of an organisation that exists already (a
        re-run) as it stands: the organisations' step and recorded elections set terms
        after this step, and a re-run must not undo them."""
        rows = self.organization_rows()
        existing = {
            code: (number, started, end)
            for code, number, started, end in Organization.objects.filter(
                term_started_on__isnull=False, term_end__isnull=False
            ).values_list("code", "term_number", "term_started_on", "term_end")
        }
        for row in rows:
            if row[0] in existing:
                number, started, end = existing[row[0]]
                row[7:10] = [number, started.isoformat(), end.isoformat()]
        return rows

    def org(self, rows, code, name, kind, sector, parent, region, years=5, founded=None):
        started, ended = self.term(years)
        founded = founded or date(
            self.rng.randint(1978, 2018), self.rng.randint(1, 12), self.rng.randint(1, 28)
        )
        rows.append(
            [
                code,
                name,
                kind,
                sector,
                parent,
                region,
                founded.isoformat(),
                self.rng.randint(1, 12),
                started.isoformat(),
                ended.isoformat(),
            ]
        )
        return code

    def branches(self, rows, parent, region, sector, names, prefix, groups=True):
        for i, name in enumerate(names, start=1):
            code = self.org(
                rows, f"{prefix}{i:02d}", name, "党支部", sector, parent, region, years=3
            )
            if groups and self.rng.random() < 0.4:
                for g in range(1, self.rng.randint(2, 3) + 1):
                    self.org(
                        rows,
                        f"{code}G{g}",
                        f"{name}第{_cn(g)}党小组",
                        "党小组",
                        sector,
                        code,
                        region,
                        years=3,
                    )

    def organization_rows(self):
        regions = {r.code: r for r in Region.objects.all()}
        rows = [
            [
                "组织编码",
                "组织名称",
                "组织类别",
                "所属领域",
                "上级组织编码",
                "区划代码",
                "成立日期",
                "届次",
                "本届开始",
                "届满日期",
            ]
        ]
        root = self.org(
            rows,
            "D310104",
            "中共上海市徐汇区委员会",
            "党委",
            "机关",
            "",
            DISTRICT_CODE,
            founded=date(1956, 3, 1),
        )
        for prefix, name, sector, pattern, units in DISTRICT_BODIES:
            body = self.org(
                rows,
                f"D{prefix}",
                name,
                "党委",
                dict(_sector_labels())[sector],
                root,
                DISTRICT_CODE,
            )
            self.branches(
                rows,
                body,
                DISTRICT_CODE,
                dict(_sector_labels())[sector],
                [pattern.format(u) for u in units],
                f"D{prefix}",
                groups=False,
            )
        streets = [r for r in regions.values() if r.level in ("street", "town", "development_zone")]
        for street in sorted(streets, key=lambda r: r.code):
            communities = sorted(
                (r for r in regions.values() if r.parent_id == street.pk), key=lambda r: r.code
            )
            self.street_orgs(rows, root, street, communities)
        return rows

    def street_orgs(self, rows, root, street, communities):
        s = street.code[-3:]
        if street.level == "street":
            title, kind = f"中共上海市徐汇区{street.name}工作委员会", "党工委"
        else:
            title, kind = f"中共上海市徐汇区{street.name}委员会", "党委"
        top = self.org(rows, f"S{s}", title, kind, "机关", root, street.code)
        organ = self.org(
            rows, f"S{s}JG", f"{street.name}机关党总支", "党总支", "机关", top, street.code
        )
        self.branches(
            rows,
            organ,
            street.code,
            "机关",
            [f"{street.name}机关第{n}党支部" for n in "一二三"],
            f"S{s}JG",
            groups=False,
        )
        for community in communities:
            c = community.code[-3:]
            if community.name.endswith("居委会"):
                base = community.name.removesuffix("居委会") + "居民区"
            else:
                base = community.name
            general = self.org(
                rows, f"S{s}C{c}", f"{base}党总支", "党总支", "居民区", top, community.code
            )
            count = self.rng.randint(2, 5)
            self.branches(
                rows,
                general,
                community.code,
                "居民区",
                [f"{base}第{_cn(n)}党支部" for n in range(1, count + 1)],
                f"S{s}C{c}B",
            )
        if communities:
            comprehensive = self.org(
                rows, f"S{s}ZH", f"{street.name}综合党委", "党委", "非公企业", top, street.code
            )
            used = set()
            for n in range(1, self.rng.randint(20, 40) + 1):
                firm = self.rng.choice(FIRMS) + self.rng.choice(FIRMS)
                trade, sector = self.rng.choice(TRADES)
                name = f"上海{firm}{trade}{'有限公司' if sector == 'private_enterprise' else ''}"
                if name in used:
                    continue
                used.add(name)
                kind = "联合党支部" if self.rng.random() < 0.2 else "党支部"
                label = dict(_sector_labels())[sector]
                community = self.rng.choice(communities)
                self.org(
                    rows,
                    f"S{s}ZH{n:02d}",
                    f"{name}{kind}",
                    kind,
                    label,
                    comprehensive,
                    community.code,
                    years=3,
                )

    def create_positions(self):
        if LeadershipPosition.objects.exists():
            return 0
        positions = []
        for org in Organization.objects.filter(dissolved_on__isnull=True).only(
            "id", "kind", "term_started_on"
        ):
            started = org.term_started_on or self.today
            if org.kind == Organization.Kind.GROUP:
                titles = [LeadershipPosition.Title.GROUP_LEADER]
            elif org.kind in Organization.BRANCH_KINDS:
                titles = [
                    LeadershipPosition.Title.SECRETARY,
                    LeadershipPosition.Title.ORGANIZATION_MEMBER,
                    LeadershipPosition.Title.PUBLICITY_MEMBER,
                ]
            else:
                titles = [
                    LeadershipPosition.Title.SECRETARY,
                    LeadershipPosition.Title.DEPUTY_SECRETARY,
                    LeadershipPosition.Title.ORGANIZATION_MEMBER,
                    LeadershipPosition.Title.DISCIPLINE_MEMBER,
                    LeadershipPosition.Title.MEMBER,
                ]
            for title in titles:
                positions.append(
                    LeadershipPosition(
                        organization_id=org.pk,
                        title=title,
                        holder_name=self.person(),
                        started_on=started,
                    )
                )
        LeadershipPosition.objects.bulk_create(positions, batch_size=2000)
        return len(positions)

    def person(self):
        given = self.rng.choice(
            [GIVEN[i : i + 2] for i in range(0, len(GIVEN) - 1, 2)] + list(GIVEN)
        )
        return self.rng.choice(SURNAMES) + given

    # --- members ----------------------------------------------------------------------

    def create_members(self, count):
        if count <= 0:
            return
        if Member.objects.exists():
            self.stderr.write("members: the registry is not empty, none added")
            return
        started = time.monotonic()

        def progress(done):
            self.stderr.write(f"\rmembers: {done}/{count} ({done * 100 // count}%)", ending="")
            self.stderr.flush()

        # Two processes generate (encryption is most of the work) while PostgreSQL inserts.
        workers = min(2, os.cpu_count() or 1) if count >= 20_000 else 1
        blocks = _seeding.member_blocks(
            self.member_branches(),
            count,
            seed=self.seed,
            today=self.today,
            workers=workers,
            progress=progress,
        )
        with transaction.atomic():
            _seeding.copy_blocks(blocks)
        self.stderr.write(f"\nmembers: {count} created in {time.monotonic() - started:.0f}s")

    def member_branches(self):
        """The demo's branch-level organisations, weighted by how many members such a branch
        has (residential branches of retired members are large, firms' small), each with
        the communities its members may live in (双报到: their street's, or the district's)."""
        communities = {}
        for pk, parent in Region.objects.filter(level=Region.Level.COMMUNITY).values_list(
            "pk", "parent_id"
        ):
            communities.setdefault(parent, []).append(pk)
        everywhere = tuple(pk for pks in communities.values() for pk in pks)
        weights = _seeding.SECTOR_WEIGHTS
        rng = random.Random(self.seed)  # the same weights whatever ran before
        branches = []
        orgs = Organization.objects.filter(
            kind__in=Organization.BRANCH_KINDS, dissolved_on__isnull=True
        ).select_related("region")
        for org in orgs.order_by("code"):
            region = org.region
            street = region.parent_id if region.level == Region.Level.COMMUNITY else region.pk
            local = tuple(communities.get(street, ())) or everywhere
            weight = weights.get(org.sector, 0.5) * rng.uniform(0.5, 1.5)
            branches.append(_seeding.Branch(org.pk, org.name, org.sector, weight, local))
        return branches

    # --- organisational life (三会一课) -------------------------------------------------

    #: Branches given a year of meetings, and members recorded per meeting at most (only at
    #: the meetings the whole branch attends: 党员大会, 党课, 主题党日).
    MEETING_BRANCHES = 60
    MEETING_ATTENDEES = 12
    WHOLE_BRANCH = (MeetingKind.GENERAL_ASSEMBLY, MeetingKind.LECTURE, MeetingKind.THEME_DAY)

    def create_meetings(self):
        """Last year's organisational life for a sample of branches, so the compliance
        report has something to show: half keep every meeting, a third miss a few, the
        rest miss many. Bulk inserts only (a few seconds)."""
        if Meeting.objects.exists():
            return
        started = time.monotonic()
        year = self.today.year - 1  # the last full year: every period is due
        branches = list(
            Organization.objects.filter(
                kind__in=Organization.BRANCH_KINDS, dissolved_on__isnull=True
            )
            .order_by("code")
            .values_list("pk", "founded_on")
        )
        sample = self.rng.sample(branches, min(self.MEETING_BRANCHES, len(branches)))
        ids = [pk for pk, _founded in sample]
        groups = {}
        for pk, parent in Organization.objects.filter(
            kind=Organization.Kind.GROUP, parent_id__in=ids, dissolved_on__isnull=True
        ).values_list("pk", "parent_id"):
            groups.setdefault(parent, []).append(pk)
        members = {}
        for pk, org in Member.objects.filter(
            organization_id__in=ids, status=Member.Status.NORMAL
        ).values_list("pk", "organization_id"):
            members.setdefault(org, []).append(pk)
        rows, attendees = [], []
        for pk, founded in sample:
            keep = self.rng.choice((1.0, 1.0, 1.0, 0.85, 0.85, 0.4))
            plan = [(pk, MeetingKind.THEME_DAY, m) for m in range(1, 13)]
            plan += [(pk, MeetingKind.COMMITTEE, m) for m in range(1, 13)]
            plan += [
                (pk, MeetingKind.GENERAL_ASSEMBLY, q * 3 - self.rng.randint(0, 2))
                for q in (1, 2, 3, 4)
            ]
            plan += [
                (pk, MeetingKind.LECTURE, q * 3 - self.rng.randint(0, 2)) for q in (1, 2, 3, 4)
            ]
            plan += [(g, MeetingKind.GROUP, m) for g in groups.get(pk, []) for m in range(1, 13)]
            for org, kind, month in plan:
                held_on = date(year, month, self.rng.randint(1, 28))
                if (founded and held_on < founded) or self.rng.random() > keep:
                    continue
                rows.append(
                    Meeting(
                        organization_id=org,
                        kind=kind,
                        held_on=held_on,
                        topic=self.rng.choice(MEETING_TOPICS[kind]),
                        place="党群服务站",
                        host=self.person(),
                    )
                )
                attendees.append(pk)
        with transaction.atomic(), contextlib.ExitStack() as stack:
            # Foreign keys checked per statement: deferred to commit, every audit trigger's
            # statement would walk a growing queue of pending checks (quadratic).
            for model in (Meeting, MeetingAttendance):
                stack.enter_context(imports.foreign_keys_checked_per_statement(model))
            attendance = self.write_meetings(rows, attendees, members)
        self.stderr.write(
            f"meetings: {len(rows)} meetings of {len(sample)} branches in {year}, "
            f"{attendance} attendance rows in {time.monotonic() - started:.1f}s"
        )

    def write_meetings(self, rows, attendees, members):
        Meeting.objects.bulk_create(rows, batch_size=2000)
        attendance = []
        for meeting, branch in zip(rows, attendees, strict=True):
            if meeting.kind not in self.WHOLE_BRANCH:
                continue
            pool = members.get(branch, [])
            for member_id in self.rng.sample(pool, min(len(pool), self.MEETING_ATTENDEES)):
                present = self.rng.random() < 0.85
                attendance.append(
                    MeetingAttendance(
                        meeting_id=meeting.pk,
                        member_id=member_id,
                        present=present,
                        absence_reason="" if present else self.rng.choice(AbsenceReason.values),
                    )
                )
        MeetingAttendance.objects.bulk_create(attendance, batch_size=5000)
        return len(attendance)

    # --- dues (党费) -------------------------------------------------------------------

    #: Branches of the demo street (天平路街道) whose members get a dues record.
    DUES_BRANCHES = 40
    DUES_BASES = (2600, 3000, 4200, 5000, 6800, 9000, 12500, 18000)

    def create_dues(self):
        """Declared bases for last year and this one, and payments from January last year
        through last month, for the members of some of the demo street's branches: most
        pay every month, some stopped paying months ago (the arrears list and the 6-month
        reminder), a few pay irregularly, and a few have a hardship exemption (减免) and pay
        nothing while it lasts. Bulk inserts; skipped when payments exist (a re-run)."""
        if DuesPayment.objects.exists():
            return
        started = time.monotonic()
        this_month = dues.month_start(self.today)
        first = date(self.today.year - 1, 1, 1)
        months = []
        month = first
        while month < this_month:
            months.append(month)
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        branches = list(
            Organization.objects.filter(
                kind__in=Organization.BRANCH_KINDS,
                dissolved_on__isnull=True,
                region__path__startswith=Region.objects.get(code="310104003").path,
            )
            .order_by("code")
            .values_list("pk", flat=True)
        )
        sample = self.rng.sample(branches, min(self.DUES_BRANCHES, len(branches)))
        members = list(
            Member.objects.filter(organization_id__in=sample, status=Member.Status.NORMAL)
            .order_by("pk")
            .values_list("pk", "id_number_hash", "birth_date", "joined_on")
        )
        rates = list(DuesRate.objects.all())
        retired_born = date(self.today.year - 60, self.today.month, 1)
        bases, payments, exemptions = [], [], []
        for i, (pk, key, born, joined) in enumerate(members):
            kind = DuesKind.RETIRED if born and born < retired_born else DuesKind.SERVING
            base = self.rng.choice(self.DUES_BASES)
            for year in (first.year, self.today.year):
                bases.append(DuesBase(member_id=pk, year=year, kind=kind, monthly_base=base))
            amount = dues.monthly_amount(kind, base, rates)
            owed = [m for m in months if not joined or m >= joined.replace(day=1)]
            # By position, so every run (and every size) has each kind of member.
            if i % 12 == 5:  # stopped paying 6-10 months ago: 6+ months in arrears
                owed = owed[: max(0, len(owed) - self.rng.randint(6, 10))]
            elif i % 12 == 7:  # stopped 2-5 months ago: behind, not yet overdue
                owed = owed[: max(0, len(owed) - self.rng.randint(2, 5))]
            elif i % 30 == 11:  # pays now and then
                owed = [m for m in owed if self.rng.random() < 0.7]
            elif i % 25 == 3 and len(owed) > 4:  # hardship exemption, nothing paid since
                since = owed[-self.rng.randint(2, min(8, len(owed) - 1))]
                exemptions.append(
                    DuesExemption(
                        member_id=pk,
                        start=since,
                        reason=DuesExemption.Reason.HARDSHIP,
                        approved_by="党支部委员会",
                        approved_on=since,
                    )
                )
                owed = [m for m in owed if m < since]
            for period in owed:
                payments.append(
                    DuesPayment(
                        member_id=pk,
                        period=period,
                        amount=amount,
                        paid_on=period + timedelta(days=self.rng.randint(0, 27)),
                        key=DuesPayment.make_key(key, period),
                    )
                )
        with transaction.atomic(), contextlib.ExitStack() as stack:
            for model in (DuesBase, DuesPayment, DuesExemption):
                stack.enter_context(imports.foreign_keys_checked_per_statement(model))
            DuesBase.objects.bulk_create(bases, batch_size=5000)
            DuesPayment.objects.bulk_create(payments, batch_size=5000)
            DuesExemption.objects.bulk_create(exemptions, batch_size=5000)
        self.stderr.write(
            f"dues: {len(members)} members of {len(sample)} branches, {len(payments)} payments, "
            f"{len(exemptions)} exemptions in {time.monotonic() - started:.1f}s"
        )

    # --- users ----------------------------------------------------------------------

    def create_users(self):
        sync_roles()
        street = Region.objects.get(code="310104003")
        community = Region.objects.filter(parent=street).order_by("code").first()
        district = Region.objects.get(code=DISTRICT_CODE)
        demo = [
            ("demo_district", "区委组织部演示账号", DISTRICT_ADMIN, district, True),
            ("demo_street", "天平路街道演示账号", STREET_OPERATOR, street, False),
            ("demo_community", f"{community.name}演示账号", COMMUNITY_WORKER, community, False),
            ("demo_auditor", "审计演示账号", AUDITOR, district, False),
            ("demo_sync", "天平路街道接口账号", INTEGRATION, street, False),
        ]
        lines = []
        for username, name, role, region, staff in demo:
            if User.objects.filter(username=username).exists():
                continue
            user = User(username=username, first_name=name, scope_region=region, is_staff=staff)
            if role == INTEGRATION:
                user.set_unusable_password()
                user.save()
                user.groups.set([Group.objects.get(name=role)])
                _token, key = ApiToken.issue(user, name="演示同步令牌")
                lines.append(f"  {username:16} API token: {key}")
            else:
                password = secrets.token_urlsafe(9)
                user.set_password(password)
                user.save()
                user.groups.set([Group.objects.get(name=role)])
                lines.append(f"  {username:16} password: {password}   ({role}, {region.name})")
        if lines:
            self.stdout.write("Demo accounts (shown once, keep them):\n" + "\n".join(lines))


MEETING_TOPICS = {
    "general_assembly": [
        "学习贯彻党的二十大精神",
        "讨论接收预备党员",
        "民主评议党员",
        "支部工作报告",
    ],
    "committee": ["研究发展党员工作", "研究党费收缴情况", "部署主题党日活动", "研究困难党员帮扶"],
    "group": ["学习党章党规", "交流学习体会", "开展批评与自我批评"],
    "lecture": ["书记讲党课：牢记初心使命", "党史专题党课", "基层治理专题党课"],
    "theme_day": ["社区志愿服务", "重温入党誓词", "参观红色教育基地", "双报到服务居民"],
}


def _sector_labels():
    return [(value, str(label)) for value, label in Organization.Sector.choices]


def _cn(n):
    return "一二三四五六七八九十"[n - 1]
