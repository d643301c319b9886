"""The grids app's step of ``seed_demo`` (portal/management/commands/seed_demo.py): the demo
district's city grids (城市网格库) and the work done in them.

- **Grids**: about four per community (3-5), about 1,300 for Xuhui's 313 communities. There
  are no real community boundaries in ``data/``, so the layout is schematic: the district's
  bounding box (``buildings.models.DISTRICT_BOUNDS``) is cut into one block per street
  (streets ordered north to south, west to east by their centres), each street block into one
  cell per community and each community cell into its grids. Cells of a row share their
  edges exactly and the last cell of a row stretches to the block's edge, so the grids tile
  each community with valid, non-overlapping rectangles.
- **People**: households and population per grid; a leader (网格长: distinct members, a member
  leads one grid at most) and 2-4 grid members (网格员) per grid, drawn from the members of
  branches in the grid's community, else its street; 60% of the members who live in a
  community (``residential_region``) register with one of its grids (双报到).
- **Buildings** get the grid of their community whose cell holds their point, else the
  nearest one.
- **Case categories**: the default list with stage deadlines (hours); kept if they exist.
- **Work**: ``--grid-cases`` cases in every state (about one in six open ones overdue), each
  with the timeline its state implies (report, accept, dispatch, start, resolve, verify,
  close; rejections, reopenings and escalations too) and the deadline of its current stage;
  ``--grid-wishes`` micro-wishes in every state with their steps; ``--grid-visits`` visits
  over the last 90 days, those that found a need linked to the case they opened.

Seeding bypasses the services for speed but writes what they would: states, steps, deadlines,
overdue flags and numbers agree. Bulk inserts, audit triggers on. Each part is written only
when its table is empty, so a second run adds nothing.
"""

import bisect
import math
import time as clock
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from grids.models import Case, CaseCategory, CaseStep, Grid, Visit, Wish, WishStep
from portal.models import Region

DISTRICT_CODE = "310104"

#: (code, name, group, accept, dispatch, resolve, verify hours, keywords)
CATEGORIES = (
    ("HJWS", "环境卫生", "城市管理", 4, 8, 48, 24, "垃圾 保洁 清运 异味"),
    ("SRZX", "市容秩序", "城市管理", 4, 8, 72, 24, "乱设摊 占道 乱张贴"),
    ("WYGL", "物业管理", "住房保障", 8, 24, 120, 48, "物业 电梯 门禁 维修基金"),
    ("LLJF", "邻里纠纷", "矛盾调解", 8, 24, 168, 48, "纠纷 调解 漏水 噪声"),
    ("WLFW", "为老服务", "民生服务", 4, 8, 72, 24, "独居老人 助餐 助浴 长护险"),
    ("BKJZ", "帮困救助", "民生服务", 8, 24, 120, 48, "低保 困难家庭 临时救助"),
    ("TCGL", "停车管理", "城市管理", 8, 24, 120, 48, "停车 非机动车 充电"),
    ("WZDJ", "违章搭建", "城市管理", 8, 24, 240, 72, "违建 搭建 拆违"),
    ("ZSRM", "噪声扰民", "城市管理", 2, 4, 48, 24, "噪声 装修 施工 广场舞"),
    ("SSBX", "设施报修", "市政设施", 4, 8, 72, 24, "路灯 井盖 破损 报修"),
    ("AQYH", "安全隐患", "安全生产", 2, 4, 24, 12, "消防通道 飞线充电 燃气"),
    ("LHYH", "绿化养护", "市政设施", 8, 24, 168, 48, "树木 修剪 绿地"),
    ("WMYC", "文明养宠", "文明创建", 8, 24, 120, 48, "犬只 养宠 粪便"),
    ("QTXQ", "其他需求", "其他", 24, 24, 168, 48, ""),
)

#: (category code, title, description) of the demo's cases.
CASE_TEXTS = (
    ("HJWS", "小区垃圾箱房异味大", "垃圾箱房清运不及时，夏天异味明显，居民反映强烈。"),
    ("HJWS", "楼道堆放杂物", "多户在楼道堆放纸板和旧家具，影响通行和消防安全。"),
    ("SRZX", "路口流动摊贩占道经营", "早晚高峰有流动摊贩占用人行道，行人只能走机动车道。"),
    ("WYGL", "电梯频繁故障", "3号楼电梯一周内停运两次，有老人被困。"),
    ("WYGL", "单元门禁损坏", "单元门禁损坏一个多月未修，陌生人随意进出。"),
    ("LLJF", "楼上漏水影响楼下", "楼上卫生间渗水，楼下天花板发霉，双方协商未果。"),
    ("WLFW", "独居老人需要助餐", "独居老人行动不便，希望每天有人送餐。"),
    ("WLFW", "老人申请长护险评估", "家属希望社区协助办理长护险评估。"),
    ("BKJZ", "困难家庭申请临时救助", "家庭成员突发重病，医疗费用负担重。"),
    ("TCGL", "非机动车乱停放", "小区门口非机动车停放无序，堵塞消防通道。"),
    ("TCGL", "电动车飞线充电", "有居民从楼上拉电线给电动车充电。"),
    ("WZDJ", "底楼住户违章搭建", "底楼住户在公共绿地搭建阳光房。"),
    ("ZSRM", "夜间装修噪声", "晚上十点后仍在装修，影响休息。"),
    ("ZSRM", "广场舞音响声音过大", "傍晚广场舞音响声音过大，附近居民有意见。"),
    ("SSBX", "路灯不亮", "弄堂内两盏路灯不亮，夜间出行不安全。"),
    ("SSBX", "人行道井盖松动", "人行道井盖松动，踩上去有响声。"),
    ("AQYH", "消防通道被占", "消防通道长期被车辆占用。"),
    ("LHYH", "树枝遮挡窗户", "行道树枝叶过密，遮挡低层住户采光。"),
    ("WMYC", "遛狗不牵绳", "小区内有居民遛狗不牵绳，儿童受惊。"),
    ("QTXQ", "希望增设休息座椅", "老人希望在小区花园增设休息座椅。"),
)

WISH_TEXTS = (
    ("一台收音机", "老人喜欢听评弹和新闻。"),
    ("一套小学课外读物", "孩子喜欢看书，家里书很少。"),
    ("一副老花镜", "老人视力下降，看报纸困难。"),
    ("一辆助行器", "老人腿脚不便，出门需要助行器。"),
    ("冬天的棉被", "家里被子太薄，冬天很冷。"),
    ("一双运动鞋", "孩子参加学校运动会需要运动鞋。"),
    ("学习用的台灯", "孩子晚上写作业光线不好。"),
    ("陪老人过一次生日", "独居老人希望有人陪着过生日。"),
    ("理一次发", "行动不便，希望有志愿者上门理发。"),
    ("一只电饭煲", "旧电饭煲坏了。"),
    ("一次体检", "希望做一次全面体检。"),
    ("智能手机使用辅导", "想学会用手机挂号和视频通话。"),
)
UNITS = (
    "徐汇区图书馆",
    "徐汇区青少年活动中心",
    "上海市第六人民医院志愿者服务队",
    "徐汇区税务局党支部",
    "漕河泾开发区青年志愿者协会",
    "徐家汇商城党支部",
)
ROADS = ("天平路", "衡山路", "漕溪北路", "田林路", "龙华中路", "康健路", "虹梅路", "华泾路")
VISIT_NOTES = (
    "入户了解家庭情况，居民反映总体满意。",
    "宣传垃圾分类和反诈知识。",
    "了解老人身体状况和生活需求。",
    "走访企业，了解经营情况和党员情况。",
    "检查楼道消防设施，提醒不要堆放杂物。",
    "了解企业用工和党建工作需求。",
)


def add_arguments(parser):
    parser.add_argument(
        "--grid-cases", type=int, default=3000, help="demo cases (需求/问题), default 3000"
    )
    parser.add_argument(
        "--grid-wishes", type=int, default=600, help="demo micro-wishes, default 600"
    )
    parser.add_argument("--grid-visits", type=int, default=8000, help="demo visits, default 8000")


def seed_demo(command, options, rng):
    DemoGrids(command.stderr, rng, options).run()


def _cn(n):
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def split(low, high, count):
    """``count + 1`` edges from ``low`` to ``high``, rounded to 6 decimals (shared exactly by
    neighbouring cells)."""
    return [round(low + (high - low) * i / count, 6) for i in range(count)] + [round(high, 6)]


def cells(box, count):
    """``count`` rectangles tiling ``box`` (min_lng, min_lat, max_lng, max_lat): rows from
    north to south, the last row's cells wider so that the row reaches the box's edge."""
    min_lng, min_lat, max_lng, max_lat = box
    width, height = max_lng - min_lng, max_lat - min_lat
    cols = max(1, round(math.sqrt(count * width / height))) if height > 0 else count
    cols = min(cols, count)
    rows = math.ceil(count / cols)
    lat_edges = split(max_lat, min_lat, rows)
    out = []
    for r in range(rows):
        in_row = min(cols, count - r * cols)
        lng_edges = split(min_lng, max_lng, in_row)
        for c in range(in_row):
            out.append((lng_edges[c], lat_edges[r + 1], lng_edges[c + 1], lat_edges[r]))
    return out


def polygon(box):
    min_lng, min_lat, max_lng, max_lat = box
    ring = [
        [min_lng, min_lat],
        [max_lng, min_lat],
        [max_lng, max_lat],
        [min_lng, max_lat],
        [min_lng, min_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


class timestamps_as_given:
    """Inside the block, ``auto_now``/``auto_now_add`` of the given fields keep the values the
    seed sets (a case reported 30 days ago keeps that date); restored afterwards."""

    def __init__(self, *fields):
        self.fields = fields

    def __enter__(self):
        self.saved = [(f, f.auto_now, f.auto_now_add) for f in self.fields]
        for field in self.fields:
            field.auto_now = field.auto_now_add = False

    def __exit__(self, *exc):
        for field, auto_now, auto_now_add in self.saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def reserve_ids(model, count):
    """``count`` fresh primary keys of ``model``'s identity sequence (numbers derive from them)."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _fields(model, *names):
    return [model._meta.get_field(name) for name in names]


class DemoGrids:
    def __init__(self, stderr, rng, options, now=None):
        self.stderr = stderr
        self.rng = rng
        self.options = options
        self.now = now or timezone.now()

    def say(self, text):
        self.stderr.write(f"grids: {text}")

    def run(self):
        district = Region.objects.filter(code=DISTRICT_CODE).first()
        if district is None:
            self.say("no demo district (徐汇区) to lay grids out in, none added")
            return
        started = clock.monotonic()
        self.district = district
        with transaction.atomic():
            categories = self.ensure_categories()
            if Grid.objects.exists():
                self.say("grids exist already, none added")
            else:
                self.create_grids()
            self.load()
            self.assign_buildings()
            self.register_members()
            cases = self.create_cases(categories, self.options.get("grid_cases", 3000))
            wishes = self.create_wishes(self.options.get("grid_wishes", 600))
            visits = self.create_visits(self.options.get("grid_visits", 8000))
        self.say(
            f"{len(self.grids)} grids, {cases} cases, {wishes} wishes, {visits} visits "
            f"in {clock.monotonic() - started:.0f}s"
        )
        # Buildings now sit in grids: the coverage figures gain their grid rows.
        from buildings import coverage

        self.say(f"coverage refreshed in {coverage.refresh()['seconds']}s")

    # --- categories --------------------------------------------------------------------

    def ensure_categories(self):
        CaseCategory.objects.bulk_create(
            [
                CaseCategory(
                    code=code,
                    name=name,
                    group=group,
                    accept_hours=accept,
                    dispatch_hours=dispatch,
                    resolve_hours=resolve,
                    verify_hours=verify,
                    keywords=keywords,
                )
                for code, name, group, accept, dispatch, resolve, verify, keywords in CATEGORIES
            ],
            ignore_conflicts=True,
        )
        return {c.code: c for c in CaseCategory.objects.filter(active=True)}

    # --- grids -------------------------------------------------------------------------

    def street_blocks(self, streets):
        """One block of the district's bounding box per street, placed roughly where the
        street lies (by the centres the buildings step uses), north to south."""
        from buildings.models import DISTRICT_BOUNDS

        try:
            from buildings.seeding import STREETS as centres
        except ImportError:
            centres = {}
        ordered = sorted(streets, key=lambda s: (-centres.get(s.code, (0, 0))[0], s.code))
        box = (
            float(DISTRICT_BOUNDS["lng_min"]),
            float(DISTRICT_BOUNDS["lat_min"]),
            float(DISTRICT_BOUNDS["lng_max"]),
            float(DISTRICT_BOUNDS["lat_max"]),
        )
        blocks = cells(box, len(ordered))
        # Within each row of blocks (same top edge), west to east by the street's centre.
        rows = {}
        for block, street in zip(blocks, ordered, strict=True):
            rows.setdefault(block[3], []).append((block, street))
        placed = {}
        for row in rows.values():
            streets_in_row = sorted(
                (s for _b, s in row), key=lambda s: (centres.get(s.code, (0, 0))[1], s.code)
            )
            for (block, _s), street in zip(row, streets_in_row, strict=True):
                placed[street.pk] = block
        return placed

    def create_grids(self):
        rng = self.rng
        communities = {}
        for community in Region.objects.filter(
            level=Region.Level.COMMUNITY, path__startswith=self.district.path
        ).order_by("code"):
            communities.setdefault(community.parent_id, []).append(community)
        streets = list(Region.objects.filter(pk__in=list(communities)).order_by("code"))
        blocks = self.street_blocks(streets)
        grids = []
        for street in streets:
            for community, cell in zip(
                communities[street.pk],
                cells(blocks[street.pk], len(communities[street.pk])),
                strict=True,
            ):
                count = rng.choice((3, 4, 4, 4, 5, 5))
                base = community.name.removesuffix("居委会").removesuffix("村委会")
                for i, box in enumerate(cells(cell, count), start=1):
                    boundary = polygon(box)
                    households = rng.randint(280, 950)
                    grids.append(
                        Grid(
                            code=f"G{community.code}{i:02d}",
                            name=f"{base}第{_cn(i)}网格",
                            region=community,
                            boundary=boundary,
                            min_lng=box[0],
                            min_lat=box[1],
                            max_lng=box[2],
                            max_lat=box[3],
                            center_lng=round((box[0] + box[2]) / 2, 6),
                            center_lat=round((box[1] + box[3]) / 2, 6),
                            households=households,
                            population=round(households * rng.uniform(2.1, 2.8)),
                        )
                    )
        Grid.objects.bulk_create(grids, batch_size=2000)
        self.staff_grids(grids)

    def staff_grids(self, grids):
        """A leader (distinct) and 2-4 grid members per grid: members of the branches in the
        grid's community first, then of its street."""
        from members.models import Member
        from organizations.models import Organization

        rng = self.rng
        street_of = dict(
            Region.objects.filter(level=Region.Level.COMMUNITY).values_list("pk", "parent_id")
        )
        by_community, by_street = {}, {}
        members = Member.objects.filter(
            status=Member.Status.NORMAL,
            organization__kind__in=Organization.BRANCH_KINDS,
            organization__path__startswith=f"/D{DISTRICT_CODE}/",
        ).values_list("pk", "organization__region_id")
        for pk, region in members.order_by("pk").iterator(chunk_size=20_000):
            by_community.setdefault(region, []).append(pk)
            by_street.setdefault(street_of.get(region, region), []).append(pk)
        for pool in (*by_community.values(), *by_street.values()):
            rng.shuffle(pool)
        used = set()

        def draw(region_id):
            for pool in (by_community.get(region_id, ()), by_street.get(street_of[region_id], ())):
                while pool:
                    pk = pool.pop()
                    if pk not in used:
                        used.add(pk)
                        return pk
            return None

        links = []
        for grid in grids:
            grid.leader_id = draw(grid.region_id)
            for _ in range(rng.randint(2, 4)):
                worker = draw(grid.region_id)
                if worker is not None:
                    links.append(Grid.workers.through(grid_id=grid.pk, member_id=worker))
        Grid.objects.bulk_update(grids, ["leader"], batch_size=2000)
        Grid.workers.through.objects.bulk_create(links, batch_size=5000)

    def load(self):
        self.grids = list(
            Grid.objects.select_related("region")
            .order_by("code")
            .only(
                "id",
                "code",
                "name",
                "region",
                "region__name",
                "region__parent",
                "min_lng",
                "min_lat",
                "max_lng",
                "max_lat",
                "center_lng",
                "center_lat",
                "leader",
                "households",
            )
        )
        self.community_grids = {}
        for grid in self.grids:
            self.community_grids.setdefault(grid.region_id, []).append(grid)
        self.staff = {g.pk: [g.leader_id] if g.leader_id else [] for g in self.grids}
        for grid_id, member_id in Grid.workers.through.objects.values_list("grid_id", "member_id"):
            self.staff.setdefault(grid_id, []).append(member_id)

    # --- buildings and members ------------------------------------------------------------

    def grid_at(self, community_id, lng, lat):
        """The grid of the community whose cell holds the point, else the nearest one."""
        grids = self.community_grids.get(community_id)
        if not grids:
            return None
        if lng is None or lat is None:
            return grids[0]
        for grid in grids:
            if grid.min_lng <= lng <= grid.max_lng and grid.min_lat <= lat <= grid.max_lat:
                return grid
        return min(grids, key=lambda g: (g.center_lng - lng) ** 2 + (g.center_lat - lat) ** 2)

    def assign_buildings(self):
        from buildings.models import Building

        buildings = list(
            Building.objects.filter(grid__isnull=True, region_id__in=list(self.community_grids))
        )
        for building in buildings:
            lng = float(building.longitude) if building.longitude is not None else None
            lat = float(building.latitude) if building.latitude is not None else None
            building.grid = self.grid_at(building.region_id, lng, lat)
        Building.objects.bulk_update(buildings, ["grid"], batch_size=2000)
        self.say(f"{len(buildings)} buildings placed in their grids")

    def register_members(self):
        """双报到: 60% of the members living in a community register with one of its grids.
        One UPDATE from a temporary table, the members' audit trigger off (their insert
        events stay their history, as the buildings step does for employers)."""
        from members.management.commands import _seeding
        from members.models import Member

        if Member.objects.filter(residential_grid__isnull=False).exists():
            return
        rng = self.rng
        links = []
        for pk, region in (
            Member.objects.filter(residential_region_id__in=list(self.community_grids))
            .values_list("pk", "residential_region_id")
            .order_by("pk")
            .iterator(chunk_size=20_000)
        ):
            if rng.random() < 0.6:
                links.append((pk, rng.choice(self.community_grids[region]).pk))
        if not links:
            return
        with connection.cursor() as cursor, _seeding.audit_triggers_disabled(Member):
            cursor.execute("DROP TABLE IF EXISTS seed_residential_grid")
            cursor.execute(
                "CREATE TEMPORARY TABLE seed_residential_grid (member_id bigint PRIMARY KEY, "
                "grid_id bigint NOT NULL) ON COMMIT DROP"
            )
            lines = "".join(f"{m}\t{g}\n" for m, g in links)
            cursor.cursor.copy_expert(
                "COPY seed_residential_grid (member_id, grid_id) FROM STDIN",
                _seeding.IterFile([lines.encode()]),
            )
            cursor.execute(
                "UPDATE members_member m SET residential_grid_id = s.grid_id, updated_at = now() "
                "FROM seed_residential_grid s WHERE m.id = s.member_id"
            )
        self.say(f"{len(links)} members registered with their residential grid (双报到)")

    # --- cases -------------------------------------------------------------------------------

    #: State -> (weight, the actions of its timeline after "report").
    CASE_PATHS = {
        Case.State.REPORTED: (8, ()),
        Case.State.REJECTED: (4, ("reject",)),
        Case.State.ACCEPTED: (7, ("accept",)),
        Case.State.DISPATCHED: (10, ("accept", "dispatch")),
        Case.State.IN_PROGRESS: (14, ("accept", "dispatch", "start")),
        Case.State.RESOLVED: (8, ("accept", "dispatch", "start", "resolve")),
        Case.State.VERIFIED: (5, ("accept", "dispatch", "start", "resolve", "verify")),
        Case.State.CLOSED: (44, ("accept", "dispatch", "start", "resolve", "verify", "close")),
    }
    ACTION_TARGET = {
        "accept": Case.State.ACCEPTED,
        "reject": Case.State.REJECTED,
        "dispatch": Case.State.DISPATCHED,
        "start": Case.State.IN_PROGRESS,
        "resolve": Case.State.RESOLVED,
        "verify": Case.State.VERIFIED,
        "close": Case.State.CLOSED,
        "reopen": Case.State.IN_PROGRESS,
    }
    NOTES = {
        "reject": "经核实不属于网格处置范围，已告知反映人。",
        "dispatch": "请于时限内处置并反馈。",
        "start": "已到现场查看。",
        "resolve": "已处置完毕，现场照片已留存。",
        "verify": "回访反映人，对处置结果满意。",
        "close": "",
        "reopen": "回访时反映人表示问题仍未解决，重新办理。",
        "escalate": "社区协调不了，提请街道协调。",
    }

    def create_cases(self, categories, count):
        from grids.services import cases as case_services
        from organizations.models import Organization

        if count <= 0 or Case.objects.exists() or not self.grids:
            return 0
        rng = self.rng
        now = self.now
        branches = {}
        for pk, region in Organization.objects.filter(
            kind__in=Organization.BRANCH_KINDS, region_id__in=list(self.community_grids)
        ).values_list("pk", "region_id"):
            branches.setdefault(region, []).append(pk)
        states = list(self.CASE_PATHS)
        cum = list(_cumulative(self.CASE_PATHS[s][0] for s in states))
        texts = [t for t in CASE_TEXTS if t[0] in categories]
        pks = reserve_ids(Case, count)
        cases, steps = [], []
        self.visit_cases = []
        for pk in pks:
            grid = rng.choice(self.grids)
            state = states[bisect.bisect_right(cum, rng.random() * cum[-1])]
            code, title, description = rng.choice(texts)
            category = categories[code]
            actions = ["report", *self.CASE_PATHS[state][1]]
            if state == Case.State.IN_PROGRESS and rng.random() < 0.08:
                actions = ["report", "accept", "dispatch", "start", "resolve", "verify", "reopen"]
            escalated = state in case_services.UNRESOLVED and rng.random() < 0.04
            if escalated:
                actions.append("escalate")
            # Times: the current stage entered at ``last`` (open cases: recently, one in six
            # past its deadline), the earlier steps before it within their stages' hours.
            final = self.ACTION_TARGET.get(actions[-1], state)
            stage = case_services.stage_due(category, final, now)
            if state in Case.OPEN_STATES and stage is not None:
                hours = (stage - now).total_seconds() / 3600
                last = now - timedelta(hours=hours * rng.uniform(0.05, 1.2))
            else:
                last = now - timedelta(hours=rng.uniform(2, 24 * 120))
            times = [last]
            for _ in actions[1:]:
                times.append(times[-1] - timedelta(hours=rng.uniform(0.5, 30)))
            times.reverse()
            reported_at = times[0]
            source = rng.choices(
                [
                    Case.Source.UI,
                    Case.Source.MEMBER,
                    Case.Source.VISIT,
                    Case.Source.API,
                    Case.Source.OPEN311,
                ],
                [50, 20, 15, 10, 5],
            )[0]
            staff = self.staff.get(grid.pk) or [None]
            case = Case(
                id=pk,
                number=case_services.case_number(pk, reported_at),
                title=title,
                description=description,
                category=category,
                grid=grid,
                address=f"{rng.choice(ROADS)}{rng.randint(1, 999)}弄{rng.randint(1, 30)}号",
                source=source,
                reporter_member_id=rng.choice(staff) if source == Case.Source.MEMBER else None,
                reporter_name=""
                if source == Case.Source.MEMBER
                else rng.choice(("张", "王", "李", "陈")) + "先生",
                state=state,
                level=Case.Level.STREET if escalated else Case.Level.COMMUNITY,
                reported_at=reported_at,
                created_at=reported_at,
                updated_at=last,
            )
            if "dispatch" in actions:
                kind = rng.random()
                if kind < 0.5 and branches.get(grid.region_id):
                    case.assignee_organization_id = rng.choice(branches[grid.region_id])
                elif kind < 0.85 and staff[0] is not None:
                    case.assignee_member_id = rng.choice(staff)
                else:
                    case.assignee_unit = rng.choice(UNITS)
            case.due_at = case_services.stage_due(category, final, last)
            case.overdue = (
                state in Case.OPEN_STATES and case.due_at is not None and case.due_at < now
            )
            if state == Case.State.CLOSED:
                case.closed_at = last
            cases.append(case)
            previous = ""
            for action, when in zip(actions, times, strict=True):
                to_state = self.ACTION_TARGET.get(action, previous or Case.State.REPORTED)
                if action == "escalate":
                    to_state = previous
                steps.append(
                    CaseStep(
                        case_id=pk,
                        action=action,
                        from_state=previous,
                        to_state=to_state,
                        note=self.NOTES.get(action, ""),
                        due_at=case_services.stage_due(category, to_state, when),
                        created_at=when,
                    )
                )
                previous = to_state
            if source == Case.Source.VISIT:
                self.visit_cases.append(case)
        case_fields = _fields(Case, "reported_at", "created_at", "updated_at")
        with timestamps_as_given(*case_fields, *_fields(CaseStep, "created_at")):
            Case.objects.bulk_create(cases, batch_size=2000)
            CaseStep.objects.bulk_create(steps, batch_size=5000)
        return len(cases)

    # --- wishes ------------------------------------------------------------------------------

    WISH_PATHS = {
        Wish.State.SUBMITTED: (10, ()),
        Wish.State.PUBLISHED: (25, ("publish",)),
        Wish.State.REJECTED: (4, ("reject",)),
        Wish.State.CLAIMED: (15, ("publish", "claim")),
        Wish.State.FULFILLED: (10, ("publish", "claim", "fulfil")),
        Wish.State.CONFIRMED: (30, ("publish", "claim", "fulfil", "confirm")),
        Wish.State.WITHDRAWN: (6, ("publish", "withdraw")),
    }
    WISH_TARGET = {
        "submit": Wish.State.SUBMITTED,
        "publish": Wish.State.PUBLISHED,
        "reject": Wish.State.REJECTED,
        "claim": Wish.State.CLAIMED,
        "fulfil": Wish.State.FULFILLED,
        "confirm": Wish.State.CONFIRMED,
        "withdraw": Wish.State.WITHDRAWN,
    }

    def create_wishes(self, count):
        from grids.services.wishes import claim_days
        from members.management.commands import _seeding

        if count <= 0 or Wish.objects.exists() or not self.grids:
            return 0
        rng = self.rng
        now = self.now
        states = list(self.WISH_PATHS)
        cum = list(_cumulative(self.WISH_PATHS[s][0] for s in states))
        wishes, steps = [], []
        for pk in reserve_ids(Wish, count):
            grid = rng.choice(self.grids)
            state = states[bisect.bisect_right(cum, rng.random() * cum[-1])]
            actions = ["submit", *self.WISH_PATHS[state][1]]
            title, description = rng.choice(WISH_TEXTS)
            staff = self.staff.get(grid.pk) or []
            if state == Wish.State.CLAIMED:  # a live claim, within its period
                last = now - timedelta(days=rng.uniform(0, claim_days() - 1))
            else:
                last = now - timedelta(hours=rng.uniform(1, 24 * 60))
            times = [last]
            for _ in actions[1:]:
                times.append(times[-1] - timedelta(hours=rng.uniform(2, 24 * 3)))
            times.reverse()
            surname = rng.choice(_seeding.SURNAMES)
            wish = Wish(
                id=pk,
                number=f"W{times[0]:%Y%m}{pk:07d}",
                grid=grid,
                title=title,
                description=description,
                beneficiary_name=surname + rng.choice(("阿婆", "老伯", "小朋友", "师傅", "阿姨")),
                beneficiary_contact=f"139{rng.randrange(10**8):08d}",
                submitted_by_member_id=staff[0] if staff else None,
                state=state,
                created_at=times[0],
                updated_at=times[-1],
            )
            if "claim" in actions:
                claimed_at = times[actions.index("claim")]
                others = [m for m in staff[1:] if m != wish.submitted_by_member_id]
                if others and rng.random() < 0.7:
                    wish.claimed_by_member_id = rng.choice(others)
                else:
                    wish.claimed_by_unit = rng.choice(UNITS)
                wish.claimed_at = claimed_at
                if state == Wish.State.CLAIMED:
                    wish.claim_expires_at = claimed_at + timedelta(days=claim_days())
            if "fulfil" in actions:
                wish.fulfilled_at = times[actions.index("fulfil")]
                wish.proof_note = "心愿物品已送到，受助人表示感谢。"
            if "confirm" in actions:
                wish.confirmed_at = times[-1]
            wishes.append(wish)
            previous = ""
            for action, when in zip(actions, times, strict=True):
                steps.append(
                    WishStep(
                        wish_id=pk,
                        action=action,
                        from_state=previous,
                        to_state=self.WISH_TARGET[action],
                        note="不属于微心愿范围，建议走救助渠道。" if action == "reject" else "",
                        created_at=when,
                    )
                )
                previous = self.WISH_TARGET[action]
        with timestamps_as_given(
            *_fields(Wish, "created_at", "updated_at"), *_fields(WishStep, "created_at")
        ):
            Wish.objects.bulk_create(wishes, batch_size=2000)
            WishStep.objects.bulk_create(steps, batch_size=5000)
        return len(wishes)

    # --- visits ------------------------------------------------------------------------------

    def create_visits(self, count):
        from buildings.models import Building, Enterprise

        if count <= 0 or Visit.objects.exists() or not self.grids:
            return 0
        rng = self.rng
        today = timezone.localdate(self.now)
        buildings, enterprises = {}, {}
        for pk, grid in Building.objects.filter(grid__isnull=False).values_list("pk", "grid_id"):
            buildings.setdefault(grid, []).append(pk)
        for pk, grid in Enterprise.objects.filter(
            status=Enterprise.Status.ACTIVE, building__grid__isnull=False
        ).values_list("pk", "building__grid_id"):
            enterprises.setdefault(grid, []).append(pk)
        visits = []

        def visit(grid, day, case=None):
            staff = self.staff.get(grid.pk) or [None]
            roll = rng.random()
            fields = {}
            if roll < 0.2 and enterprises.get(grid.pk):
                target = Visit.Target.ENTERPRISE
                fields["enterprise_id"] = rng.choice(enterprises[grid.pk])
            elif roll < 0.28 and buildings.get(grid.pk):
                target = Visit.Target.BUILDING
                fields["building_id"] = rng.choice(buildings[grid.pk])
            else:
                target = Visit.Target.HOUSEHOLD
                # Households repeat: a grid's workers go back to the same doors.
                number = rng.randint(1, max(1, grid.households // 6))
                fields["household"] = (
                    f"{grid.region.name[:2]}{number // 12 + 1}号{number % 12 + 1}01室"
                )
            at = timezone.make_aware(datetime.combine(day, time.min)) + timedelta(
                hours=rng.uniform(9, 17)
            )
            visits.append(
                Visit(
                    grid=grid,
                    visitor_member_id=rng.choice(staff),
                    target=target,
                    visited_on=day,
                    notes=rng.choice(VISIT_NOTES),
                    needs_found=case.title if case is not None else "",
                    case=case,
                    created_at=at,
                    updated_at=at,
                    **fields,
                )
            )

        for case in getattr(self, "visit_cases", []):
            visit(case.grid, timezone.localdate(case.reported_at), case)
        for _ in range(max(0, count - len(visits))):
            visit(rng.choice(self.grids), today - timedelta(days=rng.randint(0, 89)))
        with timestamps_as_given(*_fields(Visit, "created_at", "updated_at")):
            Visit.objects.bulk_create(visits, batch_size=5000)
        return len(visits)


def _cumulative(weights):
    total = 0
    for weight in weights:
        total += weight
        yield total
