"""The buildings app's step of ``seed_demo`` (portal/management/commands/seed_demo.py): the
demo district's enterprise and building registers (企业法人库, 楼宇园区库).

About 20 parks and 150 buildings placed street by street around each street's centre (inside
``DISTRICT_BOUNDS``), ``--enterprises`` enterprises and social organisations (30% of
``--members`` by default: 30,000 for the demo's 100,000 members) with valid unified social
credit codes (a few early pilot-region codes accepted by an override), a third of them
tenants of a building, the rest at a street address. The Party side:

- every enterprise branch the members step laid out under a street's 综合党委 gets its
  enterprise (the name its members' employer already carries); a joint branch (联合党支部)
  covers its namesake and 2-7 more small enterprises of the street;
- the district's state enterprises, schools and hospitals with a branch are in the register
  too, linked to their branch;
- about 30 buildings get a building Party organisation (楼宇联合党支部, or a 楼宇党总支 with
  two joint branches in the largest), covering a few small tenants each;
- service sites: a 党建服务中心 per street, 党建服务站 and 金领驿站 in buildings; the three
  streets with the most two-new organisations get too few full-time workers, so the
  staffing check has streets to flag.

Members get their employer: those of an enterprise's branch that enterprise, working members
of residential branches (关系在社区) an enterprise near where they live, and a few hundred
enterprises with no organisation of their own get three or more full members (应建未建), so
the coverage report has real gaps to show. The employer links are one UPDATE from a
temporary table with the members' audit trigger off: the members' own insert events (the
members step's) remain their history, and the members step's figures stay as they were.
Everything else is written by bulk inserts with the audit triggers on, like any write of the
command. The registers are only filled when they are empty (a second run adds nothing).
"""

import bisect
import contextlib
import math
import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from buildings.models import (
    DISTRICT_BOUNDS,
    OVERRIDE_PERMISSION,
    STAFFING_MAX_PER_WORKER,
    Building,
    Enterprise,
    Park,
    ServiceSite,
    Tenancy,
    sync_tenancies,
)
from members.management.commands import _seeding
from members.models import Member
from organizations.models import LeadershipPosition, Organization
from portal import imports, validators
from portal.models import Region
from portal.search import name_grams

DISTRICT_CODE = "310104"
#: Enterprises per Party member of the demo when ``--enterprises`` is not given.
ENTERPRISES_PER_MEMBER = 0.3

#: Street code -> (centre latitude, centre longitude, roads, buildings). WGS-84, approximate.
STREETS = {
    "310104003": (31.2045, 121.4440, ("衡山路", "天平路", "建国西路", "肇嘉浜路", "岳阳路"), 10),
    "310104004": (31.2125, 121.4420, ("淮海中路", "武康路", "湖南路", "复兴西路", "华山路"), 7),
    "310104007": (31.1955, 121.4610, ("斜土路", "中山南二路", "大木桥路", "瑞金南路"), 10),
    "310104008": (31.1880, 121.4520, ("枫林路", "东安路", "零陵路", "医学院路", "宛平南路"), 9),
    "310104010": (31.1420, 121.4460, ("龙吴路", "罗秀路", "百色路", "长桥路", "龙临路"), 9),
    "310104011": (31.1725, 121.4255, ("田林路", "钦州路", "宜山路", "桂林路", "柳州路"), 15),
    "310104012": (31.1690, 121.4030, ("虹梅路", "桂平路", "钦江路", "宜山路", "桂箐路"), 17),
    "310104013": (31.1590, 121.4250, ("康健路", "桂林路", "漕宝路", "浦北路", "沪闵路"), 8),
    "310104014": (31.1935, 121.4370, ("漕溪北路", "虹桥路", "天钥桥路", "华山路", "宜山路"), 18),
    "310104015": (31.1530, 121.4350, ("凌云路", "梅陇路", "罗城路", "龙川北路", "龙州路"), 6),
    "310104016": (31.1760, 121.4560, ("龙华中路", "龙腾大道", "云锦路", "瑞宁路", "丰谷路"), 18),
    "310104017": (31.1640, 121.4160, ("漕宝路", "宜山路", "漕溪路", "钦州南路", "冠生园路"), 14),
    "310104103": (31.1210, 121.4560, ("华泾路", "龙吴路", "关港路", "华发路", "北杨路"), 9),
    "310104501": (31.1690, 121.3990, ("宜山路", "桂平路", "田林路", "钦江路", "虹梅路"), 3),
}
#: (code, name, short name for its buildings, street, operator, buildings in it).
PARKS = (
    (
        "P01",
        "漕河泾新兴技术开发区虹梅园区",
        "漕河泾虹梅",
        "310104012",
        "上海漕河泾开发区发展公司",
        5,
    ),
    ("P02", "漕河泾开发区田林科技园", "田林科技园", "310104011", "上海漕河泾开发区发展公司", 3),
    ("P03", "漕河泾开发区宜山路科创园", "宜山科创园", "310104017", "上海漕河泾开发区发展公司", 3),
    ("P04", "徐汇滨江西岸传媒港", "西岸传媒港", "310104016", "上海西岸开发（集团）有限公司", 4),
    ("P05", "西岸智慧谷", "西岸智慧谷", "310104016", "上海西岸开发（集团）有限公司", 3),
    ("P06", "西岸数字谷", "西岸数字谷", "310104010", "上海西岸开发（集团）有限公司", 3),
    ("P07", "西岸金融城", "西岸金融城", "310104016", "上海西岸开发（集团）有限公司", 3),
    ("P08", "枫林生命健康产业园", "枫林生命园", "310104008", "上海枫林园区管理有限公司", 3),
    ("P09", "华泾北杨人工智能小镇", "北杨智能", "310104103", "上海徐汇华泾投资有限公司", 3),
    ("P10", "徐家汇光启园", "光启园", "310104014", "上海光启文化产业集团有限公司", 2),
    ("P11", "越界田林坊创意园", "田林坊", "310104011", "上海越界创意产业有限公司", 2),
    ("P12", "尚街LOFT时尚生活园", "尚街LOFT", "310104003", "上海尚街文化发展有限公司", 2),
    ("P13", "2577创意大院", "2577创意大院", "310104016", "上海龙华文化产业发展有限公司", 2),
    ("P14", "徐汇软件基地", "软件基地", "310104017", "上海徐汇软件园发展有限公司", 3),
    ("P15", "上海电影广场文创园", "电影广场", "310104014", "上海电影（集团）有限公司", 2),
    ("P16", "斜土数字经济产业园", "斜土数字园", "310104007", "上海斜土园区运营管理有限公司", 2),
    ("P17", "康健科创园", "康健科创园", "310104013", "上海康健科技园发展有限公司", 2),
    ("P18", "凌云科技园", "凌云科技园", "310104015", "上海凌云园区管理有限公司", 2),
    ("P19", "长桥文化创意园", "长桥文创园", "310104010", "上海长桥文化发展有限公司", 2),
    ("P20", "衡复文化创意园", "衡复文创园", "310104004", "上海衡复文化发展有限公司", 2),
)
#: Markets (商圈市场) of the busy streets.
MARKETS = {
    "310104014": ("徐家汇数码广场", "汇金百货", "徐家汇六百商厦", "美罗商城"),
    "310104003": ("衡山坊",),
    "310104007": ("日月光中心",),
    "310104008": ("东安路商业广场",),
    "310104010": ("长桥购物中心",),
    "310104103": ("华泾商业中心",),
}
_WORDS = (
    "汇金中金华鑫宏汇恒汇光启西岸龙耀云锦瑞宁星扬汇银飞洲凯旋东方新业兆丰嘉汇港汇建工"
    "华亭银河海欣宝石世纪金桥华富天钥永新明珠时代智汇汇丰恒基腾飞盛达启明锦江华润万科"
)
BUILDING_WORDS = tuple(_WORDS[i : i + 2] for i in range(0, len(_WORDS), 2))
BUILDING_SUFFIXES = ("大厦", "广场", "中心", "国际大厦", "科技大厦", "商务中心", "大楼")
PROPERTY_MANAGERS = (
    "仲量联行物业管理（上海）有限公司",
    "戴德梁行物业管理（上海）有限公司",
    "世邦魏理仕物业管理服务（上海）有限公司",
    "第一太平戴维斯物业顾问（上海）有限公司",
    "上海陆家嘴物业管理有限公司",
    "上海徐房物业管理有限公司",
    "万科物业发展股份有限公司上海分公司",
    "绿城物业服务集团有限公司上海分公司",
    "上海东湖物业管理有限公司",
    "上海漕河泾开发区物业管理有限公司",
    "上海西岸物业管理有限公司",
)
BRAND_CHARS = (
    "汇智申华光衡龙漕凯旋田康枫宛天钥滨云锦岸东安斜虹梅中山新联创博远鑫达瑞诚恒信和金泰"
    "宏盛嘉悦辰星启明睿思卓越通嘉禾润丰裕景鸿鹏翔宇航晨曦沐澜弘毅致远铭域卓越青蓝尚优"
)
FOREIGN_SYLLABLES = "艾诺威科特博格瑞森迈凯普德尔兰菲莱克斯思雅泰伦"
#: (trade, GB/T 4754 section, weight) of private companies (民营企业 and the like).
TRADES = (
    ("信息技术", "I", 6),
    ("软件科技", "I", 4),
    ("网络科技", "I", 4),
    ("数据科技", "I", 2),
    ("智能科技", "I", 3),
    ("信息科技", "I", 3),
    ("企业管理咨询", "L", 4),
    ("商务咨询", "L", 3),
    ("广告", "L", 2),
    ("人力资源", "L", 2),
    ("会展服务", "L", 1),
    ("生物科技", "M", 3),
    ("建筑设计", "M", 2),
    ("检测技术", "M", 1),
    ("工程技术", "M", 2),
    ("医药科技", "M", 2),
    ("环保科技", "M", 1),
    ("商贸", "F", 5),
    ("贸易", "F", 4),
    ("电子商务", "F", 3),
    ("食品", "F", 2),
    ("医疗器械", "F", 1),
    ("物业管理", "K", 2),
    ("置业", "K", 1),
    ("房地产开发", "K", 1),
    ("文化传媒", "R", 4),
    ("文化发展", "R", 2),
    ("影视", "R", 1),
    ("体育发展", "R", 1),
    ("投资管理", "J", 2),
    ("资产管理", "J", 1),
    ("餐饮管理", "H", 3),
    ("酒店管理", "H", 1),
    ("建设工程", "E", 2),
    ("装饰工程", "E", 2),
    ("服饰", "C", 1),
    ("家政服务", "O", 1),
    ("美容美发", "O", 1),
    ("教育科技", "P", 2),
    ("健康管理", "Q", 1),
    ("供应链管理", "G", 1),
    ("园林绿化", "N", 1),
)
#: (kind, weight per 1,000): mostly private firms, about 5% social organisations.
KINDS = (
    (Enterprise.Kind.PRIVATE, 830),
    (Enterprise.Kind.FOREIGN, 40),
    (Enterprise.Kind.HK_MACAO_TAIWAN, 20),
    (Enterprise.Kind.STATE, 30),
    (Enterprise.Kind.COLLECTIVE, 10),
    (Enterprise.Kind.SOCIAL_GROUP, 15),
    (Enterprise.Kind.PRIVATE_NON_ENTERPRISE, 30),
    (Enterprise.Kind.FOUNDATION, 5),
    (Enterprise.Kind.PUBLIC_INSTITUTION, 15),
    (Enterprise.Kind.OTHER, 5),
)
SOCIAL_GROUPS = (
    "文化",
    "体育",
    "志愿者",
    "科技",
    "餐饮行业",
    "摄影",
    "围棋",
    "楼宇经济",
    "青年创业",
)
NON_ENTERPRISE_UNITS = (
    ("社会工作服务社", "S"),
    ("培训学校", "P"),
    ("养老院", "Q"),
    ("幼儿园", "P"),
    ("社区服务中心", "S"),
    ("康复中心", "Q"),
    ("文化艺术中心", "R"),
)
PUBLIC_UNITS = (
    "青少年活动中心",
    "文化馆",
    "档案服务中心",
    "就业促进中心",
    "老年大学",
    "城市运行管理中心",
)
COLLECTIVE_UNITS = ("综合商店", "劳动服务社", "修配服务社", "便民服务社")
#: Early pilot-region codes (GB 32100 check character wrong, GB 11714 part right).
PILOT_REGIONS = (
    ("350200", "厦门市"),
    ("350200", "厦门市"),
    ("440300", "深圳市"),
    ("350200", "厦门市"),
)
OVERRIDE_REASON = (
    "早期试点地区（{city}）发放的统一社会信用代码，校验位与 GB 32100 不符、组织机构代码正确；"
    "已核对营业执照原件，予以接受。"
)
#: Streets whose full-time Party-masses workers are set too few (by most two-new orgs).
UNDERSTAFFED_STREETS = 3
BUILDING_ORGANIZATIONS = 30
STATIONS = 20
GOLDEN_COLLAR_SITES = 25


def add_arguments(parser):
    parser.add_argument(
        "--enterprises",
        type=int,
        default=None,
        help="enterprises to create if the registers are empty "
        "(default: 30%% of --members, 30000 for the default 100000)",
    )


def seed_demo(command, options, rng):
    count = options.get("enterprises")
    if count is None:
        count = round(options.get("members", 100_000) * ENTERPRISES_PER_MEMBER)
    DemoRegisters(command.stderr, rng).run(count)


# --- small pieces ---------------------------------------------------------------------------


def cumulative(pairs):
    values, cum, total = [], [], 0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


def pick(rng, values, cum):
    return values[bisect.bisect_right(cum, rng.random() * cum[-1])]


def person(rng):
    surname = pick(rng, _seeding.SURNAMES, _seeding.SURNAME_CUM)
    male = rng.random() < 0.6
    if rng.random() < 0.45:
        chars = _seeding.GIVEN_CHARS[male]
        return surname + rng.choice(chars) + rng.choice(chars)
    return surname + rng.choice(_seeding.GIVEN[male])


def phone(rng):
    return f"021-{rng.choice('3456')}{rng.randrange(10**7):07d}"


def strip_branch_suffix(name):
    for suffix in ("联合党支部", "临时党支部", "党支部"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class UsccMaker:
    """Valid, unique unified social credit codes of the kinds registries issue."""

    def __init__(self, rng, taken=()):
        self.rng = rng
        self.taken = set(taken)

    def body(self, style):
        rng, alphabet = self.rng, validators.USCC_ALPHABET
        if style == "new":  # codes issued since 2015 (MA1..., MJ... for social organisations)
            return rng.choice(("MA1", "MA1", "MA7")) + "".join(rng.choices(alphabet, k=5))
        if style == "social_new":
            return "MJ" + "".join(rng.choices(alphabet[:10], k=6))
        return style + "".join(rng.choices("0123456789", k=8 - len(style)))

    def make(self, authority, kind, region, style, *, check_ok=True):
        for _attempt in range(1000):
            body = self.body(style)
            first17 = f"{authority}{kind}{region}{body}{validators.org_code_check_char(body)}"
            check = validators.uscc_check_char(first17)
            if not check_ok:
                alphabet = validators.USCC_ALPHABET
                check = alphabet[(alphabet.index(check) + 7) % len(alphabet)]
            code = first17 + check
            if code not in self.taken:
                self.taken.add(code)
                return code
        raise RuntimeError("no unused social credit code left")

    def for_kind(self, kind, rng):
        """A code fitting an enterprise of ``kind`` (registration authority and type)."""
        roll = rng.random()
        K = Enterprise.Kind
        if kind in (K.SOCIAL_GROUP, K.PRIVATE_NON_ENTERPRISE, K.FOUNDATION):
            type_code = {K.SOCIAL_GROUP: "1", K.PRIVATE_NON_ENTERPRISE: "2", K.FOUNDATION: "3"}
            region = "310000" if kind == K.FOUNDATION else DISTRICT_CODE
            style = "social_new" if roll < 0.6 else "5"
            return self.make("5", type_code[kind], region, style)
        if kind == K.PUBLIC_INSTITUTION:
            return self.make("1", "2", DISTRICT_CODE, "4")
        if kind == K.OTHER:
            if roll < 0.6:  # law firms: 司法行政
                return self.make("3", "1", "310000", "E")
            if roll < 0.8:
                return self.make("N", "2", DISTRICT_CODE, "new")
            return self.make("Y", "1", DISTRICT_CODE, "new")
        if kind in (K.FOREIGN, K.HK_MACAO_TAIWAN):
            region = "310000" if roll < 0.5 else DISTRICT_CODE
        else:
            region = DISTRICT_CODE if roll < 0.85 else rng.choice(("310000", "310105", "310112"))
        style = "new" if rng.random() < 0.7 else rng.choice(("6", "13", "60"))
        return self.make("9", "1", region, style)


class NameMaker:
    """Enterprise names that sound like Shanghai's, unique within a run."""

    def __init__(self, rng, taken=()):
        self.rng = rng
        self.taken = set(taken)
        self.trades = cumulative(((t, i), w) for t, i, w in TRADES)

    def brand(self, length=2):
        return "".join(self.rng.sample(BRAND_CHARS, length))

    def unique(self, make):
        for attempt in range(200):
            name = make(2 if attempt < 20 else 3)
            if name not in self.taken:
                self.taken.add(name)
                return name
        raise RuntimeError("no unused enterprise name left")

    def make(self, kind, roads):
        """(name, industry) of a new enterprise of ``kind``."""
        rng, K = self.rng, Enterprise.Kind
        trade, industry = pick(rng, *self.trades)
        if kind == K.FOREIGN:
            return self.unique(
                lambda n: f"{''.join(rng.sample(FOREIGN_SYLLABLES, n))}（上海）{trade}有限公司"
            ), industry
        if kind == K.HK_MACAO_TAIWAN:
            return self.unique(lambda n: f"{self.brand(n)}（上海）{trade}有限公司"), industry
        if kind == K.STATE:
            return self.unique(lambda n: f"上海徐汇{self.brand(n)}{trade}有限公司"), industry
        if kind == K.COLLECTIVE:
            unit = rng.choice(COLLECTIVE_UNITS)
            return self.unique(
                lambda n: f"上海市徐汇区{rng.choice(roads) if n == 2 else self.brand()}{unit}"
            ), "O"
        if kind == K.SOCIAL_GROUP:
            topic = rng.choice(SOCIAL_GROUPS)
            return self.unique(lambda n: f"上海市徐汇区{self.brand(n)}{topic}协会"), "S"
        if kind == K.PRIVATE_NON_ENTERPRISE:
            unit, industry = rng.choice(NON_ENTERPRISE_UNITS)
            return self.unique(lambda n: f"上海市徐汇区{self.brand(n)}{unit}"), industry
        if kind == K.FOUNDATION:
            return self.unique(lambda n: f"上海{self.brand(n)}公益基金会"), "S"
        if kind == K.PUBLIC_INSTITUTION:
            unit = rng.choice(PUBLIC_UNITS)
            return self.unique(lambda n: f"上海市徐汇区{self.brand(n)}{unit}"), "S"
        if kind == K.OTHER:
            return self.unique(lambda n: f"上海{self.brand(n)}律师事务所"), "L"
        suffix = "股份有限公司" if rng.random() < 0.04 else "有限公司"
        return self.unique(lambda n: f"上海{self.brand(n)}{trade}{suffix}"), industry


def branch_enterprise(name):
    """(kind, industry, authority, type) of the enterprise a firm branch is named after."""
    K = Enterprise.Kind
    if name.endswith("律师事务所"):
        return K.OTHER, "L"
    if name.endswith("会计师事务所"):
        return K.PRIVATE, "L"
    if name.endswith("社会工作服务社"):
        return K.PRIVATE_NON_ENTERPRISE, "S"
    if name.endswith("养老服务中心"):
        return K.PRIVATE_NON_ENTERPRISE, "Q"
    for trade, industry, _weight in TRADES:
        if trade in name:
            return K.PRIVATE, industry
    return K.PRIVATE, "L"


def employees(rng, kind):
    K = Enterprise.Kind
    mu = {K.FOREIGN: 3.6, K.HK_MACAO_TAIWAN: 3.3, K.STATE: 4.0, K.PUBLIC_INSTITUTION: 3.8}.get(
        kind, 2.2
    )
    return min(20_000, int(rng.lognormvariate(mu, 1.2)) + 1)


def spread(rng, centre, low, high, sigma=0.0065):
    value = rng.gauss(centre, sigma)
    low, high = float(low) + 0.004, float(high) - 0.004
    return Decimal(f"{min(max(value, low), high):.6f}")


# --- the demo registers ---------------------------------------------------------------------


class DemoRegisters:
    def __init__(self, stderr, rng, today=None):
        self.stderr = stderr
        self.rng = rng
        self.today = today or timezone.localdate()

    def say(self, text):
        self.stderr.write(f"buildings: {text}")

    def run(self, count):
        if count <= 0:
            self.say("--enterprises 0: registers left out")
            return
        if Enterprise.objects.exists() or Building.objects.exists() or Park.objects.exists():
            self.say("the registers are not empty, none added")
            return
        district = Region.objects.filter(code=DISTRICT_CODE).first()
        if district is None:
            self.say("no demo district (徐汇区) to put the registers in, none added")
            return
        started = time.monotonic()
        self.load_regions()
        with transaction.atomic(), contextlib.ExitStack() as stack:
            # Foreign keys checked per statement: with the audit triggers writing an event per
            # row, checks deferred to commit would make every statement walk a growing queue.
            for model in (Organization, LeadershipPosition, Enterprise, Tenancy, ServiceSite):
                stack.enter_context(imports.foreign_keys_checked_per_statement(model))
            parks = self.create_parks()
            buildings = self.create_buildings(parks)
            enterprises = self.plan_enterprises(count, buildings)
            organizations = self.create_building_organizations(buildings, enterprises)
            imports.copy_create(Enterprise, enterprises)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE buildings_enterprise")
            tenants = [e.pk for e in enterprises if e.building_id]
            sync_tenancies(tenants)
            Tenancy.objects.bulk_create(self.past_tenancies, batch_size=2000)
            sites = self.create_service_sites(buildings, enterprises)
            self.create_positions(organizations)
            linked = self.link_employers(enterprises)
        self.say(
            f"{len(parks)} parks, {len(buildings)} buildings, {len(enterprises)} enterprises "
            f"({len(tenants)} tenants), {len(organizations)} building Party organisations, "
            f"{sites} service sites, {linked} members linked to their employer "
            f"in {time.monotonic() - started:.0f}s"
        )
        self.refresh_coverage()

    def refresh_coverage(self):
        try:
            from buildings import coverage
        except ImportError:
            self.say("buildings.coverage is not there yet: coverage facts not refreshed")
            return
        started = time.monotonic()
        coverage.refresh()
        self.say(f"coverage refreshed in {time.monotonic() - started:.1f}s")

    # --- regions ---------------------------------------------------------------------------

    def load_regions(self):
        self.streets = {
            r.code: r
            for r in Region.objects.filter(code__in=list(STREETS), parent__code=DISTRICT_CODE)
        }
        self.communities = {}
        for community in Region.objects.filter(
            level=Region.Level.COMMUNITY, parent__code__in=list(self.streets)
        ).order_by("code"):
            self.communities.setdefault(community.parent_id, []).append(community)
        self.street_of = {
            c.pk: street
            for street in self.streets.values()
            for c in self.communities.get(street.pk, [])
        }
        # Where enterprises outside buildings are: by street, in proportion to its buildings.
        weights = []
        for code, (_lat, _lng, _roads, buildings) in STREETS.items():
            street = self.streets.get(code)
            if street is None:
                continue
            for community in self.communities.get(street.pk, []):
                share = (buildings + 6) / len(self.communities[street.pk])
                weights.append((community, share * self.rng.uniform(0.5, 1.5)))
        self.community_cum = cumulative(weights)

    def roads(self, region):
        street = self.street_of.get(region.pk, region)
        return STREETS.get(street.code, STREETS["310104014"])[2]

    def address(self, region, number=None):
        number = number or self.rng.randint(1, 2000)
        return f"上海市徐汇区{self.rng.choice(self.roads(region))}{number}号"

    # --- parks and buildings ------------------------------------------------------------

    def create_parks(self):
        parks = []
        for code, name, _short, street_code, operator, _n in PARKS:
            street = self.streets.get(street_code)
            if street is None:
                continue
            parks.append(
                Park(
                    code=code,
                    name=name,
                    region=street,
                    address=self.address(street),
                    operator=operator,
                )
            )
        return Park.objects.bulk_create(parks)

    def create_buildings(self, parks):
        rng = self.rng
        by_code = {p.code: p for p in parks}
        buildings, names, number = [], set(), 0
        for street_code, (lat, lng, _roads, count) in STREETS.items():
            street = self.streets.get(street_code)
            communities = self.communities.get(street.pk) if street else None
            if not communities:
                continue
            plan = []
            for code, _name, short, park_street, _operator, n in PARKS:
                if park_street == street_code and code in by_code:
                    plan += [
                        (Building.Kind.PARK, f"{short}{k}号楼", by_code[code])
                        for k in range(1, n + 1)
                    ]
            plan += [(Building.Kind.MARKET, name, None) for name in MARKETS.get(street_code, ())]
            while len(plan) < count:
                name = rng.choice(BUILDING_WORDS) + rng.choice(BUILDING_SUFFIXES)
                if name not in names and name not in {p[1] for p in plan}:
                    plan.append((Building.Kind.OFFICE, name, None))
            # A park's buildings stand together: one community per park.
            park_home = {}
            for kind, name, park in plan:
                names.add(name)
                number += 1
                if park is not None:
                    community = park_home.setdefault(park.code, rng.choice(communities))
                else:
                    community = rng.choice(communities)
                if kind == Building.Kind.OFFICE:
                    floors, basement, plate = (
                        int(rng.triangular(8, 45, 18)),
                        rng.randint(1, 4),
                        (1200, 3000),
                    )
                elif kind == Building.Kind.PARK:
                    floors, basement, plate = rng.randint(3, 15), rng.randint(0, 2), (800, 2500)
                else:
                    floors, basement, plate = rng.randint(3, 9), rng.randint(1, 3), (3000, 9000)
                area = floors * rng.randint(*plate)
                buildings.append(
                    Building(
                        code=f"B{number:03d}",
                        name=name,
                        kind=kind,
                        address=self.address(community),
                        region=community,
                        park=park,
                        latitude=spread(
                            rng, lat, DISTRICT_BOUNDS["lat_min"], DISTRICT_BOUNDS["lat_max"]
                        ),
                        longitude=spread(
                            rng, lng, DISTRICT_BOUNDS["lng_min"], DISTRICT_BOUNDS["lng_max"]
                        ),
                        floors=floors,
                        basement_floors=basement,
                        gross_floor_area=Decimal(area),
                        property_manager=rng.choice(PROPERTY_MANAGERS),
                        contact_phone=phone(rng),
                    )
                )
        return Building.objects.bulk_create(buildings)

    # --- enterprises ---------------------------------------------------------------------

    def plan_enterprises(self, count, buildings):
        """Unsaved enterprises: those of the Party branches first, then the rest up to
        ``count``; ``self.past_tenancies`` gets the closed tenancies of those that left."""
        rng = self.rng
        self.usccs = UsccMaker(rng)
        self.names = NameMaker(rng)
        self.buildings = buildings
        self.building_cum = cumulative(
            (b, b.floors * {"office": 3, "park": 4, "market": 8}[b.kind]) for b in buildings
        )
        self.in_street = {}
        for b in buildings:
            self.in_street.setdefault(self.street_of[b.region_id].pk, []).append(b)
        self.past_tenancies = []
        self.branch_enterprises = {}  # organisation id -> [enterprise]
        enterprises = self.branch_plan(count)
        kinds = cumulative(KINDS)
        while len(enterprises) < count:
            kind = pick(rng, *kinds)
            region = pick(rng, *self.community_cum)
            name, industry = self.names.make(kind, self.roads(region))
            enterprises.append(self.enterprise(kind, name, industry, region))
        self.add_pilot_codes(enterprises)
        self.cover_joint_branches(enterprises)
        return enterprises

    def enterprise(self, kind, name, industry, region, *, building_share=0.35, organization=None):
        rng, today = self.rng, self.today
        in_building = rng.random() < (
            building_share if kind not in Enterprise.SOCIAL_KINDS else building_share / 3
        )
        building = None
        if in_building:
            street = self.street_of.get(region.pk)
            local = self.in_street.get(street.pk) if street else None
            building = rng.choice(local) if local and rng.random() < 0.6 else None
            building = building or pick(rng, *self.building_cum)
            region = building.region
        status, status_on = Enterprise.Status.ACTIVE, None
        if organization is None:
            roll = rng.random()
            if roll < 0.03:
                status = Enterprise.Status.MOVED_OUT
            elif roll < 0.05:
                status = Enterprise.Status.DEREGISTERED
        if status != Enterprise.Status.ACTIVE:
            status_on = today - timedelta(days=rng.randint(10, 4 * 365))
        number = rng.randint(1, 2000)
        road = rng.choice(self.roads(region))
        floor = room = None
        moved_in = None
        if building is not None:
            low = -building.basement_floors if building.kind == Building.Kind.MARKET else 1
            floor = rng.randint(low, building.floors)
            floor = floor or 1
            room = (
                f"{floor}{rng.randint(1, 28):02d}"
                if floor > 0
                else f"B{-floor}-{rng.randint(1, 40):02d}"
            )
            moved_in = today - timedelta(days=int(rng.triangular(30, 6000, 700)))
            if status_on is not None:
                moved_in = min(moved_in, status_on - timedelta(days=rng.randint(30, 900)))
            operating = f"{building.address}{building.name}{room}室"
        else:
            operating = f"上海市徐汇区{road}{number}号"
        registered = (
            operating
            if rng.random() < 0.9
            else f"上海市徐汇区{rng.choice(self.roads(region))}{rng.randint(1, 2000)}号"
        )
        enterprise = Enterprise(
            uscc=self.usccs.for_kind(kind, rng),
            name=name,
            name_grams=name_grams(name),
            kind=kind,
            industry=industry,
            legal_representative=person(rng),
            employees=employees(rng, kind),
            registered_address=registered,
            operating_address=operating,
            region=region,
            status=status,
            status_on=status_on,
            party_organization=organization,
        )
        if building is not None:
            if status == Enterprise.Status.ACTIVE:
                enterprise.building, enterprise.floor, enterprise.room = building, floor, room
                enterprise.moved_in_on = moved_in
            else:  # left the building: its tenancy is history
                self.past_tenancies.append(
                    Tenancy(
                        enterprise=enterprise,
                        building=building,
                        floor=floor,
                        room=room,
                        moved_in_on=moved_in,
                        moved_out_on=status_on,
                    )
                )
        return enterprise

    def branch_plan(self, count):
        """The enterprises of the demo's enterprise branches (综合党委's firms) and of the
        district bodies' state enterprises, schools and hospitals."""
        district = Organization.objects.filter(path__startswith=f"/D{DISTRICT_CODE}/")
        firms = district.filter(
            kind__in=Organization.BRANCH_KINDS,
            sector__in=[
                Organization.Sector.PRIVATE_ENTERPRISE,
                Organization.Sector.SOCIAL_ORGANIZATION,
            ],
            dissolved_on__isnull=True,
        ).select_related("region")
        bodies = district.filter(
            kind=Organization.Kind.BRANCH,
            sector__in=[
                Organization.Sector.STATE_ENTERPRISE,
                Organization.Sector.PUBLIC_INSTITUTION,
            ],
            dissolved_on__isnull=True,
            region__code=DISTRICT_CODE,
        ).select_related("region")
        communities = [c for cs in self.communities.values() for c in cs]
        planned = []
        for org in list(firms.order_by("code")) + list(bodies.order_by("code")):
            if len(planned) >= count:
                break
            base = _seeding._employer(org)
            if org.sector == Organization.Sector.STATE_ENTERPRISE:
                kind, industry = Enterprise.Kind.STATE, "L"
                name = base if base.startswith("上海") else "上海" + base
                if name.endswith("公司") and not name.endswith("有限公司") and "分公司" not in name:
                    name = name[:-2] + "有限公司"
                elif not name.endswith("公司"):
                    name += "有限公司"
            elif org.sector == Organization.Sector.PUBLIC_INSTITUTION:
                kind = Enterprise.Kind.PUBLIC_INSTITUTION
                industry = "P" if "学" in base else "Q"
                name = base if base.startswith("上海") else "上海市" + base
            else:
                kind, industry = branch_enterprise(base)
                name = base
            if name in self.names.taken:
                street = self.street_of.get(org.region_id)
                place = street.name.removesuffix("街道") if street else org.region.name
                name = f"{name}{place}分{'所' if name.endswith('所') else '公司'}"
            self.names.taken.add(name)
            region = org.region
            if region.level != Region.Level.COMMUNITY:
                region = self.rng.choice(communities)
            enterprise = self.enterprise(
                kind, name, industry, region, building_share=0.6, organization=org
            )
            if kind == Enterprise.Kind.STATE:
                enterprise.employees = max(enterprise.employees, self.rng.randint(80, 3000))
            self.branch_enterprises[org.pk] = [enterprise]
            planned.append(enterprise)
        return planned

    def cover_joint_branches(self, enterprises):
        """Each joint branch (联合党支部) also covers 2-7 more small enterprises of its
        street, without an organisation yet, tenants of the same building where possible."""
        rng = self.rng
        free = {}
        for e in enterprises:
            if (
                e.party_organization is None
                and e.status == Enterprise.Status.ACTIVE
                and (e.kind in Enterprise.TWO_NEW_KINDS and e.employees < 50)
            ):
                street = self.street_of.get(e.region_id)
                free.setdefault(street.pk if street else None, []).append(e)
        for pool in free.values():
            rng.shuffle(pool)
        for org_id, (anchor,) in list(self.branch_enterprises.items()):
            org = anchor.party_organization
            if org.kind != Organization.Kind.JOINT_BRANCH:
                continue
            street = self.street_of.get(anchor.region_id)
            pool = free.get(street.pk if street else None, [])
            wanted = rng.randint(2, 7)
            same = [e for e in pool if anchor.building_id and e.building_id == anchor.building_id]
            same = same[:wanted]
            chosen = (same + [e for e in pool[: 2 * wanted] if e not in same])[:wanted]
            for e in chosen:
                pool.remove(e)
                e.party_organization = org
            self.branch_enterprises[org_id] = [anchor, *chosen]

    def add_pilot_codes(self, enterprises):
        """3-5 enterprises registered with an early pilot-region code, accepted by an
        override (the reason and who accepted it, as the form would record)."""
        from django.contrib.auth import get_user_model

        User = get_user_model()
        approver = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if approver is None:
            approver = next(
                (
                    u
                    for u in User.objects.filter(username="demo_district", is_active=True)
                    if u.has_perm(OVERRIDE_PERMISSION)
                ),
                None,
            )
        candidates = [
            e
            for e in enterprises
            if e.kind == Enterprise.Kind.PRIVATE and e.party_organization is None
        ]
        chosen = self.rng.sample(candidates, min(len(PILOT_REGIONS), len(candidates)))
        for (region, city), e in zip(PILOT_REGIONS, chosen, strict=False):
            e.uscc = self.usccs.make("9", "1", region, "1", check_ok=False)
            e.uscc_override_reason = OVERRIDE_REASON.format(city=city)
            e.uscc_override_by = approver

    # --- Party organisations in buildings --------------------------------------------

    def create_building_organizations(self, buildings, enterprises):
        """楼宇党组织 in the ~30 buildings with most tenants: a joint branch (a 党总支 over
        two in the six largest), each covering 3-8 small tenants without an organisation."""
        rng, today = self.rng, self.today
        tenants = {}
        for e in enterprises:
            if e.building_id:
                tenants.setdefault(e.building_id, []).append(e)
        ranked = sorted(
            (b for b in buildings if b.kind != Building.Kind.MARKET),
            key=lambda b: (-len(tenants.get(b.pk, ())), b.code),
        )[:BUILDING_ORGANIZATIONS]
        parents = {
            o.region_id: o
            for o in Organization.objects.filter(
                code__in=[f"S{code[-3:]}ZH" for code in STREETS], dissolved_on__isnull=True
            )
        }
        if not parents:
            return []

        def new_org(code, name, kind, parent, building):
            started = today - timedelta(days=rng.randint(30, 3 * 365 - 30))
            org = Organization(
                code=code,
                name=name,
                kind=kind,
                sector=Organization.Sector.BUILDING,
                parent=parent,
                region=building.region,
                building=building,
                founded_on=started - timedelta(days=365 * rng.randint(0, 8)),
                term_number=rng.randint(1, 4),
                term_started_on=started,
                term_end=started + timedelta(days=3 * 365),
                contact_phone=building.contact_phone,
                address=building.address,
            )
            org.path = f"{parent.path}{code}/"
            org.depth = parent.depth + 1
            return org

        tops, joints = [], []
        for index, building in enumerate(ranked):
            parent = parents.get(self.street_of[building.region_id].pk)
            if parent is None:
                continue
            code = f"{parent.code}L{index + 1:02d}"
            if index < 6:
                general = new_org(
                    code, f"{building.name}楼宇党总支", "general_branch", parent, building
                )
                tops.append(general)
                for n in (1, 2):
                    joints.append(
                        new_org(
                            f"{code}B{n}",
                            f"{building.name}第{'一二'[n - 1]}联合党支部",
                            "joint_branch",
                            general,
                            building,
                        )
                    )
            else:
                joints.append(
                    new_org(code, f"{building.name}联合党支部", "joint_branch", parent, building)
                )
        Organization.objects.bulk_create(tops)
        Organization.objects.bulk_create(joints)  # parent_id: the 党总支's new id
        for org in joints:
            free = [
                e
                for e in tenants.get(org.building.pk, ())
                if e.party_organization is None
                and e.employees < 80
                and e.kind in Enterprise.TWO_NEW_KINDS
            ]
            rng.shuffle(free)
            for e in free[: rng.randint(3, 8)]:
                e.party_organization = org
        return tops + joints

    def create_positions(self, organizations):
        titles = {
            "general_branch": (
                LeadershipPosition.Title.SECRETARY,
                LeadershipPosition.Title.DEPUTY_SECRETARY,
                LeadershipPosition.Title.ORGANIZATION_MEMBER,
            ),
            "joint_branch": (
                LeadershipPosition.Title.SECRETARY,
                LeadershipPosition.Title.ORGANIZATION_MEMBER,
            ),
        }
        LeadershipPosition.objects.bulk_create(
            LeadershipPosition(
                organization=org,
                title=title,
                holder_name=person(self.rng),
                started_on=org.term_started_on,
            )
            for org in organizations
            for title in titles[org.kind]
        )

    # --- service sites -----------------------------------------------------------------

    def create_service_sites(self, buildings, enterprises):
        """A 党建服务中心 per street, 党建服务站 and 金领驿站 in buildings; full-time workers
        enough for ~150 two-new organisations each, too few in the busiest streets."""
        rng = self.rng
        two_new = dict.fromkeys(self.streets.values(), 0)
        for e in enterprises:
            if e.status == Enterprise.Status.ACTIVE and e.kind in Enterprise.TWO_NEW_KINDS:
                street = self.street_of.get(e.region_id)
                if street is not None:
                    two_new[street] += 1
        understaffed = set(
            sorted(two_new, key=lambda s: (-two_new[s], s.code))[:UNDERSTAFFED_STREETS]
        )
        offices = [b for b in buildings if b.kind != Building.Kind.MARKET]
        stations = rng.sample(offices, min(STATIONS, len(offices)))
        golden = rng.sample(
            [b for b in offices if b.kind == Building.Kind.OFFICE] or offices,
            min(GOLDEN_COLLAR_SITES, len(offices)),
        )
        sites, in_street = [], {}
        hours = (
            "工作日 9:00-17:00",
            "周一至周五 8:30-17:30，周六 9:00-12:00",
            "工作日 11:30-13:30、17:00-20:00",
        )
        for kind, label, chosen, code in (
            (ServiceSite.Kind.STATION, "党建服务站", stations, "ZD"),
            (ServiceSite.Kind.GOLDEN_COLLAR, "金领驿站", golden, "JL"),
        ):
            for building in sorted(chosen, key=lambda b: b.code):
                street = self.street_of[building.region_id]
                workers = 0 if street in understaffed else rng.choice((0, 1, 1, 2))
                in_street[street] = in_street.get(street, 0) + workers
                sites.append(
                    ServiceSite(
                        code=f"{code}{building.code}",
                        name=f"{building.name}{label}",
                        kind=kind,
                        region=building.region,
                        building=building,
                        address=f"{building.address}{building.name}{rng.randint(1, 3)}楼",
                        opening_hours=hours[2]
                        if kind == ServiceSite.Kind.GOLDEN_COLLAR
                        else rng.choice(hours[:2]),
                        full_time_workers=workers,
                        contact_phone=phone(rng),
                        opened_on=self.today - timedelta(days=rng.randint(60, 8 * 365)),
                    )
                )
        for street in sorted(self.streets.values(), key=lambda s: s.code):
            if street.pk not in self.communities:
                continue
            if street in understaffed:
                # Too few: over STAFFING_MAX_PER_WORKER each (none at all when that is < 1).
                total = two_new[street] // (STAFFING_MAX_PER_WORKER + 60)
            else:
                total = max(2, math.ceil(two_new[street] / 150))
            sites.append(
                ServiceSite(
                    code=f"ZX{street.code}",
                    name=f"{street.name}党建服务中心",
                    kind=ServiceSite.Kind.CENTER,
                    region=street,
                    address=self.address(street),
                    opening_hours=hours[1],
                    full_time_workers=max(0, total - in_street.get(street, 0)),
                    contact_phone=phone(rng),
                    opened_on=self.today - timedelta(days=rng.randint(365, 10 * 365)),
                )
            )
        ServiceSite.objects.bulk_create(sites)
        return len(sites)

    # --- members' employers ------------------------------------------------------------

    def link_employers(self, enterprises):
        """Members' employer: an enterprise's branch members that enterprise (a joint
        branch's, one of those it covers); working members of residential branches an
        enterprise, a few hundred enterprises with no organisation of their own getting
        three or more full members (应建未建). One UPDATE from a temporary table."""
        rng = self.rng
        today = self.today
        sectors = dict(
            Organization.objects.filter(path__startswith=f"/D{DISTRICT_CODE}/").values_list(
                "pk", "sector"
            )
        )
        active = [e for e in enterprises if e.status == Enterprise.Status.ACTIVE]
        links, pool = [], []
        members = Member.objects.filter(
            organization__path__startswith=f"/D{DISTRICT_CODE}/", employer__isnull=True
        ).values_list("pk", "organization_id", "category", "status", "occupation", "birth_date")
        for pk, org, category, status, occupation, born in members.order_by("pk").iterator(
            chunk_size=20_000
        ):
            if status != Member.Status.NORMAL or occupation == "离退休人员":
                continue
            if org in self.branch_enterprises:
                links.append((pk, rng.choice(self.branch_enterprises[org]).pk))
                continue
            if sectors.get(org) != Organization.Sector.COMMUNITY:
                continue
            if born and (today.year - born.year) >= 60:
                continue
            share = {"企业职工": 0.85, "专业技术人员": 0.8, "个体工商户": 0.3}.get(occupation, 0)
            if rng.random() < share:
                pool.append((pk, category))
        # Gaps: enterprises without an own organisation get 3-6 full members each.
        candidates = [
            e
            for e in active
            if e.kind in Enterprise.TWO_NEW_KINDS
            and (e.party_organization is None or e.party_organization.kind == "joint_branch")
        ]
        gaps = rng.sample(candidates, min(len(candidates), max(5, len(enterprises) // 100)))
        full = [m for m in pool if m[1] == Member.Category.FULL]
        rng.shuffle(full)
        taken = set()
        for e in gaps:
            want = rng.randint(3, 6)
            if len(full) < want:
                break
            for _ in range(want):
                pk, _category = full.pop()
                taken.add(pk)
                links.append((pk, e.pk))
        # The rest: an enterprise somewhat by size (most get one or two members, or none).
        weights = cumulative((e, math.sqrt(e.employees or 1)) for e in active)
        for pk, _category in pool:
            if pk not in taken:
                links.append((pk, pick(rng, *weights).pk))
        with connection.cursor() as cursor, _seeding.audit_triggers_disabled(Member):
            cursor.execute(
                "CREATE TEMPORARY TABLE seed_employer (member_id bigint PRIMARY KEY, "
                "enterprise_id bigint NOT NULL) ON COMMIT DROP"
            )
            lines = "".join(f"{m}\t{e}\n" for m, e in links)
            cursor.cursor.copy_expert(
                "COPY seed_employer (member_id, enterprise_id) FROM STDIN",
                _seeding.IterFile([lines.encode()]),
            )
            cursor.execute(
                "UPDATE members_member m SET employer_id = s.enterprise_id, employer_name = '', "
                "updated_at = now() FROM seed_employer s WHERE m.id = s.member_id"
            )
            linked = cursor.rowcount
            cursor.execute("DROP TABLE seed_employer")
        return linked
