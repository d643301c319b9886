"""Synthetic Party members for ``seed_demo`` and ``seed_scale`` (not a command: the leading
underscore keeps Django from listing it).

Every member is valid by ``Member.clean()``: a GB 11643 ID number with a real Shanghai (or
other province's) region prefix, its birth date and gender agreeing with the member's, 18 or
older at joining, full members a year or more after joining, dates for every status, lost
contact and flowing flag. Names come from Faker's zh_CN name lists (weighted surnames,
gendered given names). ID numbers and mobiles are encrypted, blind-indexed and masked here,
as ``Member.save()`` would, and rows go to PostgreSQL through ``COPY`` (text format),
streamed from a generator, so the server inserts while Python generates.
"""

import bisect
import collections
import contextlib
import itertools
import multiprocessing
import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ZhNames

from members.models import Member, add_years, id_number_hash
from portal import crypto, imports, validators
from portal.search import name_grams

# Where members were born (the first six digits of their ID numbers): Xuhui first, the rest
# of Shanghai, then the provinces people move to Shanghai from. Codes abolished since
# (310103 卢湾区, 310108 闸北区, 310230 崇明县, 310225 南汇县) remain valid in old numbers.
ID_PREFIXES = (
    ("310104", 30),
    ("310101", 5),
    ("310103", 3),
    ("310105", 4),
    ("310106", 3),
    ("310107", 3),
    ("310108", 2),
    ("310109", 2),
    ("310110", 3),
    ("310112", 4),
    ("310113", 2),
    ("310115", 5),
    ("310225", 1),
    ("310230", 1),
    ("320102", 2),
    ("320583", 1),
    ("330102", 2),
    ("330106", 1),
    ("340104", 2),
    ("360102", 1),
    ("370102", 1),
    ("410105", 2),
    ("420106", 1),
    ("430104", 1),
    ("510107", 1),
    ("350102", 1),
    ("130102", 1),
    ("230102", 1),
    ("610103", 1),
    ("220104", 1),
)
MOBILE_PREFIXES = tuple(
    str(n)
    for n in (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 173, 176)
    + (177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 198, 199)
)
ETHNICITIES = (("01", 965), ("03", 10), ("11", 8), ("02", 3), ("08", 3), ("10", 4), ("15", 3))
DESTINATIONS = (
    "北京市海淀区",
    "江苏省苏州市",
    "江苏省南京市",
    "浙江省杭州市",
    "浙江省宁波市",
    "广东省深圳市",
    "广东省广州市",
    "安徽省合肥市",
    "四川省成都市",
    "湖北省武汉市",
    "新疆维吾尔自治区喀什地区（援疆）",
    "云南省普洱市（援滇）",
    "美国（留学）",
    "英国（留学）",
)
FIRMS = (
    "上海汇智信息技术有限公司",
    "上海西岸文化传媒有限公司",
    "上海徐光软件科技有限公司",
    "上海漕溪物业管理有限公司",
    "上海衡山商贸有限公司",
    "上海枫林生物医药有限公司",
    "上海田林建筑设计有限公司",
    "上海云锦教育培训有限公司",
    "中国银行上海市分行",
    "上海交通大学",
    "复旦大学附属中山医院",
    "上海市第六人民医院",
)
OCCUPATIONS = {
    "government": ("公务员", "公务员", "参照公务员法管理人员", "机关工勤人员"),
    "state_enterprise": ("企业管理人员", "专业技术人员", "企业职工"),
    "private_enterprise": ("专业技术人员", "企业管理人员", "企业职工", "销售人员"),
    "social_organization": ("社会组织从业人员", "律师", "会计师", "社会工作者"),
    "community": ("社区工作者", "自由职业者", "企业职工", "专业技术人员", "个体工商户", "学生"),
}
EDUCATION_BY_BIRTH = (
    # (born before, [(education, weight)])
    (
        1950,
        (("junior", 35), ("high_school", 30), ("vocational", 15), ("college", 12), ("bachelor", 8)),
    ),
    (
        1970,
        (
            ("junior", 12),
            ("high_school", 25),
            ("vocational", 20),
            ("college", 20),
            ("bachelor", 20),
            ("postgraduate", 3),
        ),
    ),
    (
        1990,
        (
            ("high_school", 5),
            ("vocational", 8),
            ("college", 22),
            ("bachelor", 50),
            ("postgraduate", 15),
        ),
    ),
    (9999, (("high_school", 2), ("college", 10), ("bachelor", 58), ("postgraduate", 30))),
)

SURNAMES = list(ZhNames.last_names)
SURNAME_CUM = list(itertools.accumulate(ZhNames.last_names.values()))
GIVEN = {True: list(ZhNames.first_names_male), False: list(ZhNames.first_names_female)}
GIVEN_CHARS = {male: [n for n in names if len(n) == 1] for male, names in GIVEN.items()}


@dataclass(frozen=True)
class Branch:
    """What generating a member needs to know of its branch."""

    id: int
    name: str
    sector: str
    weight: float
    #: Communities a member of this branch may live in (双报到), region ids.
    communities: tuple = ()


def _cumulative(pairs):
    values, total, cum = [], 0, []
    for value, weight in pairs:
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


_PREFIXES = _cumulative(ID_PREFIXES)
_ETHNICITIES = _cumulative(ETHNICITIES)
_EDUCATION = [(year, _cumulative(pairs)) for year, pairs in EDUCATION_BY_BIRTH]


def _pick(rng, values, cum):
    """A weighted choice by cumulative weights (``random.choices`` for one, faster)."""
    return values[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _employer(branch):
    name = branch.name
    for suffix in ("联合党支部", "临时党支部", "党支部"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.startswith("区"):
        name = "徐汇" + name
    return name


class MemberMaker:
    """Member rows (dicts of column values) for a set of branches, deterministic per seed.

    ``seq_range`` is the range of the three sequence digits (15-17) of the ID numbers made;
    ``seed_demo`` and ``seed_scale`` use disjoint ranges, so their numbers never collide.
    """

    def __init__(self, branches, seed, today=None, seq_range=(0, 500), now=None):
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.branches = branches
        self._branch_cum = _cumulative((b, b.weight) for b in branches)
        self.seq_range = seq_range
        self.seen = set()
        self.now = now or timezone.now()

    # --- a person ----------------------------------------------------------------------

    def name(self, male):
        rng = self.rng
        surname = _pick(rng, SURNAMES, SURNAME_CUM)
        if rng.random() < 0.45:
            chars = GIVEN_CHARS[male]
            return surname + rng.choice(chars) + rng.choice(chars)
        return surname + rng.choice(GIVEN[male])

    def id_number(self, born, male):
        rng = self.rng
        prefixes, cum = _PREFIXES
        low, high = self.seq_range
        for _attempt in range(10_000):  # 7,500+ numbers per birth date and gender
            prefix = _pick(rng, prefixes, cum)
            seq = rng.randrange(low // 2, high // 2) * 2 + (1 if male else 0)
            first17 = f"{prefix}{born:%Y%m%d}{seq:03d}"
            if first17 not in self.seen:
                self.seen.add(first17)
                return first17 + validators.id_check_char(first17)
        raise RuntimeError(f"no ID number left for births on {born}")

    def day_between(self, start, end):
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def make(self):
        """One member's column values (a dict keyed by attname)."""
        rng, today = self.rng, self.today
        branches, cum = self._branch_cum
        branch = _pick(rng, branches, cum)
        community = branch.sector == "community"
        probationary = rng.random() < 0.03
        if probationary:
            age = int(rng.triangular(19, 40, 24))
        elif community:
            age = int(rng.triangular(22, 96, 74))
        else:
            age = int(rng.triangular(21, 66, 38))
        male = rng.random() < (0.68 if age >= 60 else 0.54)
        born = self.day_between(date(today.year - age - 1, today.month, 1), add_years(today, -age))
        born = min(born, add_years(today, -19))
        number = self.id_number(born, male)
        earliest = add_years(born, 18)
        if probationary:
            joined = self.day_between(max(earliest, today - timedelta(days=360)), today)
            full_on = None
        else:
            joined = earliest + timedelta(days=int(rng.triangular(0, 30, 6) * 365.25))
            joined = min(joined, add_years(today, -1) - timedelta(days=rng.randrange(1, 60)))
            if joined < earliest:  # too young for a year of probation: still probationary
                joined, full_on = self.day_between(earliest, today), None
            else:
                full_on = min(add_years(joined, 1) + timedelta(days=rng.randrange(0, 45)), today)
        category = Member.Category.PROBATIONARY if full_on is None else Member.Category.FULL
        status, status_on = Member.Status.NORMAL, None
        roll = rng.random()
        if age >= 65 and roll < 0.03:
            status = Member.Status.DECEASED
        elif roll > 0.9965:
            status = (
                Member.Status.SUSPENDED,
                Member.Status.SUSPENDED,
                Member.Status.EXPELLED,
                Member.Status.WITHDRAWN,
            )[rng.randrange(4)]
        if status != Member.Status.NORMAL:
            status_on = self.day_between(max(joined, today - timedelta(days=5 * 365)), today)
        lost = status == Member.Status.NORMAL and rng.random() < 0.004
        flowing = status == Member.Status.NORMAL and age < 60 and rng.random() < 0.035
        retired = age >= (60 if male else 55)
        if retired:
            occupation, employer = "离退休人员", ""
        elif community:
            occupation = rng.choice(OCCUPATIONS["community"])
            employer = rng.choice(FIRMS) if rng.random() < 0.5 else ""
        elif branch.sector == "public_institution":
            school = "学" in branch.name or "学校" in branch.name
            health = "医" in branch.name or "卫生" in branch.name or "疾病" in branch.name
            occupation = "教师" if school else "医务人员" if health else "专业技术人员"
            employer = _employer(branch)
        else:
            occupation = rng.choice(OCCUPATIONS.get(branch.sector, OCCUPATIONS["community"]))
            employer = _employer(branch)
        if community and occupation == "学生":
            employer = ""
        year = born.year
        education_values, education_cum = next(e for limit, e in _EDUCATION if year < limit)
        ethnicity_values, ethnicity_cum = _ETHNICITIES
        mobile = ""
        if rng.random() < 0.93 and status == Member.Status.NORMAL:
            mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        residential = None
        if branch.communities and not retired and rng.random() < 0.4:
            residential = rng.choice(branch.communities)
        note = ""
        if joined <= add_years(today, -50) and status == Member.Status.NORMAL:
            note = "光荣在党50年"
        name = self.name(male)
        values = {
            "created_at": self.now,
            "updated_at": self.now,
            "name": name,
            "name_grams": name_grams(name),
            "gender": Member.Gender.MALE if male else Member.Gender.FEMALE,
            "ethnicity": _pick(rng, ethnicity_values, ethnicity_cum),
            "birth_date": born,
            "id_number_cipher": crypto.encrypt(number),
            "id_number_hash": id_number_hash(number),
            "id_number_masked": validators.mask_id_number(number),
            "mobile_cipher": crypto.encrypt(mobile) if mobile else "",
            "mobile_hash": crypto.blind_index(mobile, "mobile") if mobile else "",
            "mobile_masked": validators.mask_mobile(mobile),
            "education": _pick(rng, education_values, education_cum),
            "occupation": occupation,
            "employer_name": employer,
            "organization_id": branch.id,
            "category": category,
            "joined_on": joined,
            "full_member_on": full_on,
            "status": status,
            "status_on": status_on,
            "lost_contact": lost,
            "lost_contact_on": self.day_between(joined, today) if lost else None,
            "flowing": flowing,
            "flowing_destination": rng.choice(DESTINATIONS) if flowing else "",
            "residential_region_id": residential,
            "note": note,
        }
        return values


# --- COPY ---------------------------------------------------------------------------------


def copy_columns():
    """The member table's columns COPY fills: every concrete column but the id."""
    return [f for f in Member._meta.concrete_fields if not f.primary_key]


class RowEncoder:
    """Dicts of member values -> COPY lines; columns missing from a dict take the field's
    default (a column added to the model later does not break the seeders)."""

    def __init__(self):
        self.columns = copy_columns()
        self.names = [f.attname for f in self.columns]
        self.defaults = {
            f.attname: imports.copy_value(
                f.get_default() if f.has_default() else ("" if not f.null else None)
            )
            for f in self.columns
        }

    def line(self, values):
        defaults = self.defaults
        return (
            "\t".join(
                imports.copy_value(values[name]) if name in values else defaults[name]
                for name in self.names
            )
            + "\n"
        )

    def sql(self):
        table = connection.ops.quote_name(Member._meta.db_table)
        names = ", ".join(connection.ops.quote_name(f.column) for f in self.columns)
        return f"COPY {table} ({names}) FROM STDIN"


class IterFile:
    """A read-only file over an iterator of ``bytes`` blocks, for ``copy_expert``."""

    def __init__(self, blocks):
        self._blocks = iter(blocks)
        self._buffer = memoryview(b"")

    def read(self, size=-1):
        while not self._buffer:
            try:
                self._buffer = memoryview(next(self._blocks))
            except StopIteration:
                return b""
        if size is None or size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return bytes(data)

    readline = read


def copy_blocks(blocks, *, with_context=True):
    """COPY ``blocks`` (bytes of COPY text lines) into the member table, on Django's
    connection, inside the caller's transaction. ``with_context``: run a statement through
    Django first, so pghistory's context (the command that runs) is set for the
    transaction and the insert events the triggers write name it."""
    encoder = RowEncoder()
    # Foreign keys checked as rows arrive: deferred checks queued for 100,000 rows make each
    # audit trigger's statement walk the queue (quadratic, minutes instead of seconds).
    with (
        imports.foreign_keys_checked_per_statement(Member),
        connection.cursor() as cursor,
    ):
        if with_context:
            # pghistory sets its context with set_config(..., is_local => true) before each
            # statement Django runs; COPY through the raw cursor is not one of them.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.cursor.copy_expert(encoder.sql(), IterFile(blocks), size=1 << 16)


# --- generating in parallel ----------------------------------------------------------------

_worker_config = {}


def _init_worker(config):
    _worker_config.clear()
    _worker_config.update(config)


def _make_block(task):
    """One block of members: COPY lines and the blind-index keys of their ID numbers."""
    index, rows = task
    config = _worker_config
    maker = MemberMaker(
        config["branches"],
        seed=config["seed"] * 1_000_003 + index,
        today=config["today"],
        seq_range=config["seq_range"],
        now=config["now"],
    )
    encoder = RowEncoder()
    lines, keys = [], []
    for _ in range(rows):
        values = maker.make()
        lines.append(encoder.line(values))
        keys.append(blind_key(values["id_number_hash"]))
    return lines, keys


def blind_key(id_hash):
    """A compact (64-bit) form of an ID number's blind index, to recognise duplicates."""
    return int(id_hash[:16], 16)


def member_blocks(
    branches,
    count,
    *,
    seed,
    today=None,
    seq_range=(0, 500),
    workers=1,
    block_rows=5000,
    seen=None,
    progress=None,
):
    """COPY blocks of exactly ``count`` new members, generated by ``workers`` processes
    (forked; 1: in this process), in a deterministic order for a given seed. ``seen``:
    ``blind_key`` values of ID numbers not to use again (those registered already); numbers
    that two blocks both drew are dropped and made up for by further blocks."""
    seen = set() if seen is None else seen
    config = {
        "branches": branches,
        "seed": seed,
        "today": today or timezone.localdate(),
        "seq_range": seq_range,
        "now": timezone.now(),
    }
    pool = None
    if workers > 1:
        # Fork: the children inherit Django's settings (the keys) and never use the
        # database connection they inherit.
        pool = multiprocessing.get_context("fork").Pool(
            workers, initializer=_init_worker, initargs=(config,)
        )
    else:
        _init_worker(config)
    done, index = 0, 0
    pending = collections.deque()
    try:
        while done < count:
            # At most two blocks per worker in flight: generation may outrun the database,
            # and finished blocks waiting in memory would pile up.
            wanted = count - done - sum(rows for _i, rows, _r in pending)
            while wanted > 0 and len(pending) < 2 * max(workers, 1):
                rows = min(block_rows, wanted)
                task = (index, rows)
                result = pool.apply_async(_make_block, (task,)) if pool else None
                pending.append((index, rows, result))
                index += 1
                wanted -= rows
            if not pending:
                break
            block_index, rows, result = pending.popleft()
            lines, keys = result.get() if pool else _make_block((block_index, rows))
            accepted = []
            for line, key in zip(lines, keys, strict=True):
                if key not in seen:
                    seen.add(key)
                    accepted.append(line)
            done += len(accepted)
            yield "".join(accepted).encode()
            if progress:
                progress(done)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


@contextlib.contextmanager
def audit_triggers_disabled(*models):
    """Inside a transaction: the pghistory triggers of ``models`` off until the block ends
    (DDL is transactional, so a failure re-enables them with the rollback). The models'
    foreign keys are checked per statement meanwhile: a table with pending deferred checks
    cannot be altered back. Takes an exclusive lock on each table."""
    import pghistory.trigger
    import pgtrigger

    triggers = [
        (model, trigger.get_pgid(model))
        for model, trigger in pgtrigger.registered()
        if model in models and isinstance(trigger, pghistory.trigger.Event)
    ]
    quote = connection.ops.quote_name
    with contextlib.ExitStack() as stack:
        for model in models:
            stack.enter_context(imports.foreign_keys_checked_per_statement(model))
        with connection.cursor() as cursor:
            for model, name in triggers:
                table = quote(model._meta.db_table)
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {quote(name)}")
        yield
        with connection.cursor() as cursor:
            for model, name in triggers:
                table = quote(model._meta.db_table)
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {quote(name)}")


@contextlib.contextmanager
def indexes_rebuilt(model, maintenance_work_mem="512MB"):
    """Inside a transaction: the table's secondary indexes (those backing no constraint)
    dropped, then rebuilt when the block ends, which for millions of new rows is much
    faster than maintaining them row by row. The primary key and unique constraints stay,
    so duplicates still fail."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_get_indexdef(c.oid)
            FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
            ORDER BY c.relname
            """,
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        yield
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{maintenance_work_mem}'")
        for _name, definition in indexes:
            cursor.execute(definition)


#: How many members a branch of each sector gets, relative to a community branch's 1.8.
SECTOR_WEIGHTS = {
    "community": 1.8,
    "government": 1.0,
    "public_institution": 1.3,
    "state_enterprise": 1.1,
    "private_enterprise": 0.35,
    "social_organization": 0.25,
}
