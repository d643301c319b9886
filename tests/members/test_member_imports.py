"""Member import at scale (issue 3, item 6): a 党员 file with Chinese headers is validated row
by row, every bad row reported with its row number, header and reason, nothing written if
any row is bad; a clean file is written with bulk statements (a bounded number of queries
however many rows), upserted by the ID number's blind index, so a re-run changes nothing.
No plain ID number or mobile reaches the member table or its audit events.
"""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Member, MemberEvent, add_years
from portal import imports, validators
from portal.models import ImportJob

SPEC = "members.member"
HEADER = [
    "姓名",
    "身份证号",
    "性别",
    "民族",
    "出生日期",
    "手机号",
    "学历",
    "职业",
    "工作单位统一社会信用代码",
    "工作单位",
    "所在党支部编码",
    "党员类别",
    "入党日期",
    "转正日期",
    "党籍状态",
    "状态变更日期",
    "失联党员",
    "失联日期",
    "流动党员",
    "流向地",
    "居住地社区代码",
    "报到网格编码",
    "备注",
]
COL = {name: i for i, name in enumerate(HEADER)}
BRANCH_A = "S003C001B01"  # the fixture's 党支部 in street A
BRANCH_B = "S004C001B01"  # and in street B
GENERAL_A = "S003C001"  # a 党总支: members may not be registered there
COMMUNITY_A = "310104003001"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "秀英", "建国", "晓红", "志强", "海燕", "思远", "雨欣", "浩然"]

BAD_CHECKSUM, BAD_BIRTH_DATE, BAD_ORGANIZATION = 99, 499, 899  # file rows 101, 501, 901


def id_number(born, seq, region="310104"):
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + validators.id_check_char(first17)


def member_rows(count=1000, seq_offset=0, today=None):
    """``count`` valid new members over the two fixture branches, with every column used:
    probationary members, a death, lost-contact and flowing members, 双报到 communities."""
    today = today or date.today()
    rows = []
    for i in range(count):
        n = i + seq_offset
        born = date(1940 + n % 60, 1 + n % 12, 1 + n % 28)
        seq = n % 1000
        region = ("310104", "310105", "320102", "310103")[(n // 1000) % 4]
        joined = add_years(born, 18 + n % 30)
        if joined > today - timedelta(days=400):
            joined = today - timedelta(days=400 + n % 300)
        row = [""] * len(HEADER)
        row[COL["姓名"]] = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 20) % len(GIVEN)]
        row[COL["身份证号"]] = id_number(born, seq, region)
        row[COL["性别"]] = "男" if seq % 2 else "女"
        row[COL["民族"]] = ("汉族", "汉", "03", "满族")[n % 4]
        row[COL["出生日期"]] = born.isoformat() if n % 3 else ""
        row[COL["手机号"]] = f"139{n:08d}" if n % 10 else ""
        row[COL["学历"]] = ("大学本科", "研究生", "大学专科", "高中")[n % 4]
        row[COL["职业"]] = "专业技术人员"
        row[COL["工作单位"]] = "上海某某科技有限公司" if n % 2 else ""
        row[COL["所在党支部编码"]] = BRANCH_A if n % 2 == 0 else BRANCH_B
        if n % 50 == 7:
            row[COL["党员类别"]] = "预备党员"
            row[COL["入党日期"]] = (today - timedelta(days=100)).isoformat()
        else:
            row[COL["党员类别"]] = "正式党员"
            row[COL["入党日期"]] = joined.isoformat()
            row[COL["转正日期"]] = (add_years(joined, 1) + timedelta(days=n % 20)).isoformat()
        row[COL["党籍状态"]] = "正常"
        if n % 200 == 9:
            row[COL["党籍状态"]] = "死亡"
            row[COL["状态变更日期"]] = "2024-03-01"
        row[COL["失联党员"]] = "否" if n % 5 else ""
        if n % 100 == 3:
            row[COL["失联党员"]] = "是"
            row[COL["失联日期"]] = "2023/6/1"
        row[COL["流动党员"]] = "0"
        if n % 100 == 5:
            row[COL["流动党员"]] = "1"
            row[COL["流向地"]] = "江苏省苏州市"
        if n % 10 == 1:
            row[COL["居住地社区代码"]] = COMMUNITY_A
        row[COL["备注"]] = f"导入测试 {n}"
        rows.append(row)
    return rows


def bad_rows():
    """``member_rows()`` with exactly three bad rows."""
    rows = [list(row) for row in member_rows()]
    number = rows[BAD_CHECKSUM][COL["身份证号"]]
    wrong = "0" if number[-1] != "0" else "1"
    rows[BAD_CHECKSUM][COL["身份证号"]] = number[:-1] + wrong
    born = date.fromisoformat(rows[BAD_BIRTH_DATE][COL["入党日期"]])  # any other date
    rows[BAD_BIRTH_DATE][COL["出生日期"]] = (born - timedelta(days=8000)).isoformat()
    rows[BAD_ORGANIZATION][COL["所在党支部编码"]] = GENERAL_A
    return rows


def to_csv(rows, header=HEADER):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run(content, user, filename="members.csv", **kwargs):
    return imports.get_spec(SPEC).run(content, filename, user, **kwargs)


def errors_of(result):
    return sorted((e.row, e.column, e.message) for e in result.errors)


def state():
    """Everything an import could change: every stored member column and the events."""
    fields = [f.attname for f in Member._meta.concrete_fields]
    return sorted(Member.objects.values_list(*fields)), MemberEvent.objects.count()


def plain_leaks(plain_values):
    """The plain values found anywhere in the member table or its events, read as text."""
    found = set()
    with connection.cursor() as cursor:
        for table in ("members_member", "members_memberevent"):
            cursor.execute(f"SELECT t::text FROM {table} t")  # noqa: S608 - fixed names
            for (text,) in cursor.fetchall():
                # Any ID number or mobile inside the text lies within a run of [0-9X].
                for run_ in re.findall(r"[0-9X]{11,}", text):
                    for width in (11, 18):
                        found.update(
                            run_[i : i + width]
                            for i in range(len(run_) - width + 1)
                            if run_[i : i + width] in plain_values
                        )
    return found


# --- the 3 bad rows of 1,000 ------------------------------------------------------------


def test_three_bad_rows_of_a_thousand_are_reported_and_nothing_is_written(users, district):
    before = state()

    result = run(to_csv(bad_rows()), users["admin"])

    assert result.total == 1000
    assert errors_of(result) == [
        (101, "身份证号", "身份证号码校验位不正确，请核对号码是否有误。"),
        (501, "出生日期", errors_of(result)[1][2]),
        (901, "所在党支部编码", "党员只能编入党支部（含联合党支部、临时党支部）。"),
    ]
    assert errors_of(result)[1][2].startswith("出生日期与身份证号不一致")
    assert (result.created, result.updated) == (0, 0)
    assert state() == before


def test_corrected_file_is_written_once_and_a_rerun_changes_nothing(
    users, district, django_assert_max_num_queries
):
    admin = users["admin"]
    rows = member_rows()
    content = to_csv(rows)
    assert not run(to_csv(bad_rows()), admin).ok
    events = MemberEvent.objects.count()

    with django_assert_max_num_queries(30):
        result = run(content, admin)

    assert result.ok, errors_of(result)[:5]
    assert (result.total, result.created, result.updated, result.unchanged) == (1000, 1000, 0, 0)
    assert Member.objects.count() == 1000
    assert MemberEvent.objects.count() == events + 1000  # one insert event per member

    # Stored as every other door stores a member: encrypted, indexed, masked, grams.
    first = rows[0]
    member = Member.objects.select_related("organization").get(
        id_number_hash=imports.get_spec(SPEC).natural_key({"id_number": first[COL["身份证号"]]})
    )
    assert member.id_number == first[COL["身份证号"]]
    assert member.id_number_masked == validators.mask_id_number(first[COL["身份证号"]])
    assert member.organization.code == BRANCH_A
    assert member.name == first[COL["姓名"]]
    assert member.name_grams and Member.objects.filter(name_grams__contains=[member.name[0]])
    with_mobile = Member.objects.exclude(mobile_cipher="")
    assert with_mobile.count() == 900
    assert {len(m) for m in with_mobile.values_list("mobile_masked", flat=True)} == {11}
    assert Member.objects.filter(category="probationary").count() == 20
    assert Member.objects.filter(status="deceased").count() == 5
    assert Member.objects.filter(lost_contact=True).count() == 10
    assert Member.objects.filter(flowing=True, flowing_destination="江苏省苏州市").count() == 10
    assert Member.objects.filter(residential_region__code=COMMUNITY_A).count() == 100
    assert set(Member.objects.values_list("ethnicity", flat=True)) == {"01", "03", "11"}
    # Birth dates and genders left blank come from the ID number.
    assert not Member.objects.filter(birth_date__isnull=True).exists()
    assert not Member.objects.filter(gender="").exists()
    sample = Member.objects.order_by("?")[:20]
    for member in sample:
        member.full_clean()  # what the import wrote passes the model's own rules

    # No plain ID number or mobile anywhere in the table or the audit events.
    plain = {r[COL["身份证号"]] for r in rows} | {r[COL["手机号"]] for r in rows} - {""}
    assert plain_leaks(plain) == set()

    snapshot = state()
    again = run(content, admin)
    assert again.ok
    assert (again.total, again.created, again.updated, again.unchanged) == (1000, 0, 0, 1000)
    assert state() == snapshot  # no row, no column, no updated_at, no event changed


def test_queries_are_bounded_whatever_the_row_count(users, district):
    content = to_csv(member_rows(3000))

    with CaptureQueriesContext(connection) as queries:
        result = run(content, users["admin"])

    assert result.ok, errors_of(result)[:5]
    assert result.created == 3000
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) <= 25, len(statements)
    inserts = [s for s in statements if s.startswith('INSERT INTO "members_member"')]
    assert len(inserts) == 1  # 3,000 rows in one batch


def test_xlsx_with_date_cells_numbers_and_other_spellings(users, district):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    born = date(1985, 2, 14)
    number = id_number(born, 124)  # even: female
    row = [""] * len(HEADER)
    row[COL["姓名"]] = "欧阳 晓雯"
    row[COL["身份证号"]] = number.lower()
    row[COL["民族"]] = "回族"
    row[COL["出生日期"]] = born  # a date cell
    row[COL["手机号"]] = 13812345678  # a number cell
    row[COL["所在党支部编码"]] = BRANCH_A
    row[COL["党员类别"]] = "full"  # the stored value works as well as the label
    row[COL["入党日期"]] = "2010年7月1日"
    row[COL["转正日期"]] = "20110701"
    row[COL["失联党员"]] = "否"
    row[COL["流动党员"]] = "是"
    row[COL["流向地"]] = "浙江省杭州市"
    sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = run(buffer.getvalue(), users["admin"], "members.xlsx")

    assert result.ok, errors_of(result)
    member = Member.objects.get()
    assert member.id_number == number
    assert member.mobile == "13812345678"
    assert (member.gender, member.birth_date, member.ethnicity) == ("female", born, "03")
    assert (member.joined_on, member.full_member_on) == (date(2010, 7, 1), date(2011, 7, 1))
    assert member.flowing and member.flowing_destination == "浙江省杭州市"
    assert member.status == Member.Status.NORMAL  # an empty cell takes the field's default
    assert "欧阳" in member.name_grams and "晓雯" in member.name_grams


def test_an_update_changes_only_what_the_file_changes(users, district):
    admin = users["admin"]
    rows = member_rows(10)
    assert run(to_csv(rows), admin).created == 10
    events = MemberEvent.objects.count()
    target = rows[4]
    key = imports.get_spec(SPEC).natural_key({"id_number": target[COL["身份证号"]]})
    stored = Member.objects.get(id_number_hash=key)
    target[COL["姓名"]] = "诸葛亮"
    target[COL["手机号"]] = "18600001111"
    # The same number written the other way: 15-digit legacy numbers and full-width digits
    # find the same member.
    rows[5][COL["身份证号"]] = "".join(chr(ord(c) + 0xFEE0) for c in rows[5][COL["身份证号"]])

    result = run(to_csv(rows), admin)

    assert result.ok, errors_of(result)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 9)
    member = Member.objects.get(pk=stored.pk)
    assert member.name == "诸葛亮"
    assert "诸葛" in member.name_grams
    assert member.mobile == "18600001111"
    assert member.mobile_masked == "186****1111"
    assert member.id_number_cipher == stored.id_number_cipher  # not re-encrypted needlessly
    assert member.updated_at > stored.updated_at
    assert MemberEvent.objects.count() == events + 1
    assert Member.objects.count() == 10


def test_a_registered_id_number_out_of_scope_is_refused_without_saying_where(users, district):
    """Street A's operator imports a number registered in street B: 已登记, and nothing
    about B (neither the organisation nor the member)."""
    assert run(to_csv(member_rows(4)), users["admin"]).ok  # rows 1, 3 are in B
    before = state()
    rows = member_rows(4)
    for row in rows:
        row[COL["所在党支部编码"]] = BRANCH_A

    result = run(to_csv(rows), users["operator_a"])

    assert errors_of(result) == [
        (3, "身份证号", "该身份证号已登记。"),
        (5, "身份证号", "该身份证号已登记。"),
    ]
    assert state() == before


def test_duplicates_within_the_file_and_bad_cells(users, district):
    rows = member_rows(4)
    rows[2][COL["身份证号"]] = rows[0][COL["身份证号"]].lower()
    rows[1][COL["失联党员"]] = "也许"
    rows[3][COL["入党日期"]] = "2010-13-01"
    rows[3][COL["手机号"]] = "12345"

    result = run(to_csv(rows), users["admin"])

    assert errors_of(result) == [
        (3, "失联党员", "“也许”不是有效的是否值，请填写“是”或“否”。"),
        (4, "身份证号", "与第 2 行重复。"),
        (5, "入党日期", "“2010-13-01”不是有效的日期，请按 2024-07-01 的格式填写。"),
        (5, "手机号", "手机号码应为11位数字，可带+86前缀。"),
    ]
    assert not Member.objects.exists()


def test_missing_required_columns_are_reported(users, district):
    header = [h for h in HEADER if h not in ("身份证号", "所在党支部编码")]
    result = run(to_csv([], header), users["admin"])
    assert errors_of(result) == [
        (1, "所在党支部编码", "缺少必需的列。"),
        (1, "身份证号", "缺少必需的列。"),
    ]


def test_template_and_upload_through_the_ui(
    client_for, users, district, django_capture_on_commit_callbacks
):
    client = client_for(users["admin"])
    template = client.get("/members/import/template.csv")
    assert template.status_code == 200
    text = template.content.decode("utf-8").lstrip("\ufeff")
    assert next(csv.reader(io.StringIO(text))) == HEADER

    assert client.get("/members/import/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/members/import/",
            {"file": SimpleUploadedFile("members.csv", to_csv(member_rows(50)))},
        )
    assert response.status_code == 302
    job = ImportJob.objects.latest("pk")
    assert (job.spec, job.status, job.created) == (SPEC, ImportJob.Status.DONE, 50), job.message
    assert Member.objects.count() == 50


@pytest.mark.parametrize(
    ("text", "value"),
    [("是", True), ("否", False), ("TRUE", True), ("false", False), ("1", True), ("0", False)],
)
def test_booleans(text, value):
    assert imports.parse_bool(text) is value


def test_employer_by_uscc_and_grid_by_code_link_the_registers(users, district):
    from grids.models import Grid
    from tests.buildings.conftest import make_enterprise, make_uscc

    employer = make_enterprise(district["a1"], "导入测试科技有限公司", 4242)
    grid = Grid.objects.create(code="GIMP01", name="导入网格", region=district["a1"])
    rows = member_rows(count=2)
    rows[0][COL["工作单位统一社会信用代码"]] = make_uscc(4242).lower()  # spelled loosely
    rows[0][COL["居住地社区代码"]] = COMMUNITY_A
    rows[0][COL["报到网格编码"]] = "GIMP01"
    rows[1][COL["工作单位统一社会信用代码"]] = make_uscc(4243)  # in no register
    result = run(to_csv(rows), users["admin"])
    assert errors_of(result) == [(3, "工作单位统一社会信用代码", errors_of(result)[0][2])]
    assert Member.objects.count() == 0

    rows[1][COL["工作单位统一社会信用代码"]] = ""
    result = run(to_csv(rows), users["admin"])
    assert result.ok, errors_of(result)
    linked = Member.objects.get(employer__isnull=False)
    assert (linked.employer, linked.residential_grid) == (employer, grid)
