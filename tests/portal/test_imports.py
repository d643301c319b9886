"""The import framework (DESIGN.md 6): validate every row, report every bad row, write all or
nothing in one transaction, re-running the same file changes nothing.

Organisation and region imports run on real PostgreSQL; the UI path goes through real HTTP
requests (Django's test client), the Celery task (eager, or a real worker on Redis) and the
job and error-report pages.
"""

import csv
import io
import os
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from pghistory.models import Events

from organizations.models import Organization, OrganizationEvent
from portal import imports
from portal.models import ImportJob, Region
from tests.portal.pagetables import table_rows

ORG_SPEC = "organizations.organization"
HEADER = ["组织编码", "组织名称", "组织类别", "所属领域", "上级组织编码", "区划代码"]
GENERAL = "S003C001"  # the fixture's A-street 居民区党总支
COMMUNITY = "310104003001"  # its community (上海新村居委会)

BAD_KIND_CODE = "T0500"  # row 551
BAD_GROUP_CODE = "T0150G1"  # row 951
BAD_PARENT_CODE = "T0700"  # row 751


# --- building files ----------------------------------------------------------------------


def org_rows():
    """1,000 new organisations under the A-street 党总支: 800 党支部 and 200 党小组 whose
    parents are 党支部 of the same file. The first 50 党小组 come before their parents."""
    branches = [
        [f"T{i:04d}", f"测试居民区第{i}党支部", "党支部", "居民区", GENERAL, COMMUNITY]
        for i in range(1, 801)
    ]
    groups = [
        [f"T{i:04d}G1", f"测试居民区第{i}党小组", "党小组", "居民区", f"T{i:04d}", COMMUNITY]
        for i in range(1, 201)
    ]
    return groups[:50] + branches + groups[50:]


def row_of(rows, code):
    """The file row number of ``code`` (the header is row 1)."""
    return next(i for i, row in enumerate(rows) if row[0] == code) + 2


def bad_rows():
    """``org_rows()`` with exactly three bad rows."""
    rows = [list(row) for row in org_rows()]
    for row in rows:
        if row[0] == BAD_KIND_CODE:
            row[2] = "党支队"  # no such 组织类别
        elif row[0] == BAD_GROUP_CODE:
            row[4] = GENERAL  # a 党小组 directly under a 党总支
        elif row[0] == BAD_PARENT_CODE:
            row[4] = "NOSUCH01"  # no such parent
    return rows


def to_csv(rows, header=HEADER, encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def to_xlsx(rows, header=HEADER):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(content, filename, user, **kwargs):
    return imports.get_spec(ORG_SPEC).run(content, filename, user, **kwargs)


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors]


def org_state():
    """Everything an import could change, to compare before and after."""
    return (
        Organization.objects.count(),
        Events.objects.count(),
        sorted(Organization.objects.values_list("code", "updated_at", "path")),
    )


EXPECTED_ERRORS = [
    (551, "组织类别", "“党支队”不是有效选项"),
    (751, "上级组织编码", "“NOSUCH01”不存在或不在您的管辖范围内。"),
    (951, "上级组织编码", "党小组只能设在党支部（含联合党支部、临时党支部）之下。"),
]


def assert_expected_errors(errors):
    """``errors`` as (row, column, message) are exactly the three bad rows of ``bad_rows``."""
    assert len(errors) == 3, errors
    for (row, column, message), (want_row, want_column, want_message) in zip(
        sorted(errors), EXPECTED_ERRORS, strict=True
    ):
        assert (int(row), column) == (want_row, want_column)
        assert message.startswith(want_message), message


# --- the framework, called directly ------------------------------------------------------


def test_three_bad_rows_of_a_thousand_are_reported_and_nothing_is_written(users, district):
    admin = users["admin"]
    before = org_state()
    rows = bad_rows()
    assert [row_of(rows, c) for c in (BAD_KIND_CODE, BAD_PARENT_CODE, BAD_GROUP_CODE)] == [
        551,
        751,
        951,
    ]

    result = run(to_csv(rows), "organizations.csv", admin)

    assert result.total == 1000
    assert not result.ok
    assert_expected_errors(errors_of(result))
    assert (result.created, result.updated) == (0, 0)
    assert org_state() == before


def test_a_clean_thousand_is_written_once_and_a_rerun_changes_nothing(
    users, district, django_assert_max_num_queries
):
    admin = users["admin"]
    count, events, _rows = org_state()
    content = to_csv(org_rows())

    # Bulk writes, not a query per row (DESIGN.md 7).
    with django_assert_max_num_queries(60):
        result = run(content, "organizations.csv", admin)

    assert result.ok, result.errors[:5]
    assert (result.total, result.created, result.updated, result.unchanged) == (1000, 1000, 0, 0)
    assert Organization.objects.count() == count + 1000
    assert Events.objects.count() == events + 1000  # one insert event per row
    general = district["a_general"]
    branch = Organization.objects.get(code="T0001")
    group = Organization.objects.get(code="T0001G1")
    assert branch.parent_id == general.pk
    assert branch.path == f"{general.path}T0001/"
    assert branch.depth == general.depth + 1
    assert group.parent_id == branch.pk
    assert group.path == f"{general.path}T0001/T0001G1/"
    assert group.depth == general.depth + 2
    assert group.region.code == COMMUNITY
    assert group.get_kind_display() == "党小组"
    assert Organization.objects.filter(path__startswith=general.path).count() == 1000 + 3

    state = org_state()
    again = run(content, "organizations.csv", admin)
    assert again.ok
    assert (again.total, again.created, again.updated, again.unchanged) == (1000, 0, 0, 1000)
    assert org_state() == state  # no row, no event, no updated_at changed


def test_corrected_file_after_errors_writes_everything(users, district):
    admin = users["admin"]
    assert not run(to_csv(bad_rows()), "organizations.csv", admin).ok
    result = run(to_csv(org_rows()), "organizations.csv", admin)
    assert result.ok
    assert result.created == 1000


def test_xlsx_upload_with_dates_and_numbers(users, district):
    rows = [
        [
            "X0001",
            "表格第一党支部",
            "党支部",
            "居民区",
            GENERAL,
            COMMUNITY,
            date(2020, 5, 4),
            3,
            "021-64000000",
        ],
        ["X0001G1", "表格第一党小组", "group", "community", "X0001", COMMUNITY, None, None, None],
    ]
    header = [*HEADER, "成立日期", "届次", "联系电话"]

    result = run(to_xlsx(rows, header), "organizations.xlsx", users["admin"])

    assert result.ok, errors_of(result)
    assert result.created == 2
    branch = Organization.objects.get(code="X0001")
    assert branch.founded_on == date(2020, 5, 4)
    assert branch.term_number == 3
    assert branch.contact_phone == "021-64000000"
    group = Organization.objects.get(code="X0001G1")
    assert group.parent == branch
    assert group.kind == Organization.Kind.GROUP
    assert group.founded_on is None


def test_missing_required_column_is_reported_at_row_one(users, district):
    header = [h for h in HEADER if h != "所属领域"]
    rows = [[c for i, c in enumerate(row) if i != 3] for row in org_rows()[:5]]
    before = org_state()

    result = run(to_csv(rows, header), "organizations.csv", users["admin"])

    assert errors_of(result) == [(1, "所属领域", "缺少必需的列。")]
    assert org_state() == before


def test_duplicate_codes_in_one_file_are_reported(users, district):
    rows = [
        ["DUP1", "重复党支部甲", "党支部", "居民区", GENERAL, COMMUNITY],
        ["OK01", "正常党支部", "党支部", "居民区", GENERAL, COMMUNITY],
        ["DUP1", "重复党支部乙", "党支部", "居民区", GENERAL, COMMUNITY],
    ]
    before = org_state()

    result = run(to_csv(rows), "organizations.csv", users["admin"])

    assert errors_of(result) == [(4, "组织编码", "与第 2 行重复。")]
    assert org_state() == before


def test_gb18030_csv_is_read(users, district):
    rows = [["GB01", "国标编码第一党支部", "党支部", "居民区", GENERAL, COMMUNITY]]
    content = to_csv(rows, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    result = run(content, "organizations.csv", users["admin"])

    assert result.ok, errors_of(result)
    assert Organization.objects.get(code="GB01").name == "国标编码第一党支部"


def test_unsupported_extension_is_a_clear_error(users, district):
    with pytest.raises(imports.ImportFileError, match="不支持的文件类型"):
        run(b"%PDF-1.4", "organizations.pdf", users["admin"])


def test_dry_run_validates_without_writing(users, district):
    admin = users["admin"]
    before = org_state()

    bad = run(to_csv(bad_rows()), "organizations.csv", admin, dry_run=True)
    assert_expected_errors(errors_of(bad))

    good = run(to_csv(org_rows()), "organizations.csv", admin, dry_run=True)
    assert good.ok
    # What the import would do, without doing it.
    assert (good.total, good.created, good.updated, good.unchanged) == (1000, 1000, 0, 0)
    assert org_state() == before


def test_changing_a_kind_and_keeping_a_group_under_it_is_refused(users, district):
    """The rows of the file are validated against each other: turning a 党支部 into a 党总支
    while the file keeps a 党小组 under it is an error, even though the database still says
    党支部."""
    rows = [
        ["S003C001B01", "上海新村居民区第一党总支", "党总支", "居民区", GENERAL, COMMUNITY],
        ["S003C001B01G1", "上海新村居民区第一党小组", "党小组", "居民区", "S003C001B01", COMMUNITY],
    ]
    before = org_state()

    result = run(to_csv(rows), "organizations.csv", users["admin"])

    assert errors_of(result) == [
        (2, "组织类别", "该组织下设有党小组，只能是党支部（含联合党支部、临时党支部）。"),
        (3, "上级组织编码", "党小组只能设在党支部（含联合党支部、临时党支部）之下。"),
    ]
    assert org_state() == before


# --- moving subtrees ---------------------------------------------------------------------


def paths(*codes):
    found = dict(Organization.objects.filter(code__in=codes).values_list("code", "path"))
    return [found[c] for c in codes]


def assert_tree_consistent():
    """Every organisation's path and depth follow from its parent (the truth)."""
    for org in Organization.objects.select_related("parent"):
        expected = (org.parent.path if org.parent else "/") + f"{org.code}/"
        assert org.path == expected, org.code
        assert org.depth == expected.count("/") - 2, org.code


def test_reimport_with_a_new_parent_moves_the_subtree(users, district):
    admin = users["admin"]
    first = [
        ["S003C002", "测试居民区党总支", "党总支", "居民区", "S003", COMMUNITY],
        ["M01", "迁移党支部", "党支部", "居民区", GENERAL, COMMUNITY],
        ["M01G1", "迁移第一党小组", "党小组", "居民区", "M01", COMMUNITY],
        ["M01G2", "迁移第二党小组", "党小组", "居民区", "M01", COMMUNITY],
    ]
    assert run(to_csv(first), "organizations.csv", admin).created == 4
    # A descendant the second file does not mention.
    Organization.objects.create(
        code="M01G3",
        name="迁移第三党小组",
        kind=Organization.Kind.GROUP,
        sector=Organization.Sector.COMMUNITY,
        parent=Organization.objects.get(code="M01"),
        region=district["a1"],
    )
    old = "/D310104/S003/S003C001/M01/"
    assert paths("M01", "M01G1", "M01G3") == [old, f"{old}M01G1/", f"{old}M01G3/"]

    second = [
        ["M01", "迁移党支部", "党支部", "居民区", "S003C002", COMMUNITY],  # moved
        ["M01G1", "迁移第一党小组（改名）", "党小组", "居民区", "M01", COMMUNITY],  # renamed
        ["M01G2", "迁移第二党小组", "党小组", "居民区", "M01", COMMUNITY],  # as it was
    ]
    result = run(to_csv(second), "organizations.csv", admin)

    assert result.ok, errors_of(result)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    new = "/D310104/S003/S003C002/M01/"
    assert paths("M01", "M01G1", "M01G2", "M01G3") == [
        new,
        f"{new}M01G1/",
        f"{new}M01G2/",
        f"{new}M01G3/",
    ]
    moved = Organization.objects.get(code="M01")
    assert moved.parent.code == "S003C002"
    assert moved.depth == 3
    assert Organization.objects.get(code="M01G3").depth == 4
    assert Organization.objects.get(code="M01G1").name == "迁移第一党小组（改名）"
    assert not Organization.objects.filter(path__startswith=old).exists()
    assert_tree_consistent()


def test_moving_a_node_out_of_a_subtree_that_moves_in_the_same_file(users, district):
    """The 党总支 moves up under the 区委 while its 党支部 moves to another 党总支; the
    党支部's 党小组 (not in the file) must follow the 党支部, not the 党总支."""
    admin = users["admin"]
    new_general = [["S003C002", "测试居民区党总支", "党总支", "居民区", "S003", COMMUNITY]]
    assert run(to_csv(new_general), "organizations.csv", admin).ok
    rows = [
        [GENERAL, "上海新村居民区党总支", "党总支", "居民区", "D310104", COMMUNITY],
        ["S003C001B01", "上海新村居民区第一党支部", "党支部", "居民区", "S003C002", COMMUNITY],
    ]

    result = run(to_csv(rows), "organizations.csv", admin)

    assert result.ok, errors_of(result)
    assert result.updated == 2
    assert paths(GENERAL, "S003C001B01", "S003C001B01G1") == [
        "/D310104/S003C001/",
        "/D310104/S003/S003C002/S003C001B01/",
        "/D310104/S003/S003C002/S003C001B01/S003C001B01G1/",
    ]
    assert_tree_consistent()


def test_moving_under_a_node_whose_ancestor_moves_in_the_same_file(users, district):
    """A 党支部 moves under the fixture's 党支部, which the file does not mention but whose
    党总支 the file moves: the database paths of the new parent are stale while the file is
    validated, the written paths are not."""
    admin = users["admin"]
    first = [
        ["S003C002", "测试居民区党总支", "党总支", "居民区", "S003", COMMUNITY],
        ["P01", "待迁党支部", "党支部", "居民区", "S003C002", COMMUNITY],
        ["P01G1", "待迁党小组", "党小组", "居民区", "P01", COMMUNITY],
    ]
    assert run(to_csv(first), "organizations.csv", admin).created == 3
    rows = [
        [GENERAL, "上海新村居民区党总支", "党总支", "居民区", "D310104", COMMUNITY],
        ["P01", "待迁党支部", "党支部", "居民区", "S003C001B01", COMMUNITY],
    ]

    result = run(to_csv(rows), "organizations.csv", admin)

    assert result.ok, errors_of(result)
    assert paths("S003C001B01", "P01", "P01G1") == [
        "/D310104/S003C001/S003C001B01/",
        "/D310104/S003C001/S003C001B01/P01/",
        "/D310104/S003C001/S003C001B01/P01/P01G1/",
    ]
    assert Organization.objects.get(code="P01G1").depth == 4
    assert_tree_consistent()


def test_a_cycle_through_rows_of_the_file_is_refused(users, district):
    rows = [
        [GENERAL, "上海新村居民区党总支", "党总支", "居民区", "S003C001B01", COMMUNITY],
    ]
    before = org_state()

    result = run(to_csv(rows), "organizations.csv", users["admin"])

    assert errors_of(result) == [(2, "上级组织编码", "上级不能是自身或自身的下级。")]
    assert org_state() == before


def test_moving_a_parent_while_adding_children_below_it(users, district):
    """A 党总支 moves while the same file adds a 党支部 (with a 党小组) under it and a 党小组
    under its existing 党支部, which the file does not mention: every path follows the
    parents, whatever the order of the rows."""
    admin = users["admin"]
    rows = [
        ["N01", "新增党支部", "党支部", "居民区", GENERAL, COMMUNITY],
        ["N01G1", "新增党小组", "党小组", "居民区", "N01", COMMUNITY],
        [GENERAL, "上海新村居民区党总支", "党总支", "居民区", "D310104", COMMUNITY],
        ["S003C001B01G2", "第一党支部第二党小组", "党小组", "居民区", "S003C001B01", COMMUNITY],
    ]

    result = run(to_csv(rows), "organizations.csv", admin)

    assert result.ok, errors_of(result)
    assert (result.created, result.updated) == (3, 1)
    assert paths("N01G1", "S003C001B01G1", "S003C001B01G2") == [
        "/D310104/S003C001/N01/N01G1/",
        "/D310104/S003C001/S003C001B01/S003C001B01G1/",
        "/D310104/S003C001/S003C001B01/S003C001B01G2/",
    ]
    assert_tree_consistent()


def test_moving_a_dissolved_branch_with_its_group_in_the_file(users, district):
    """A dissolved 党支部 may move with its 党小组; the 党小组 keeps its parent, so the
    rule "no new children under a dissolved organisation" does not apply to it."""
    branch = district["a_branch"]
    branch.dissolved_on = date(2024, 6, 30)
    branch.save()
    rows = [
        ["S003C002", "测试居民区党总支", "党总支", "居民区", "S003", COMMUNITY],
        [branch.code, branch.name, "党支部", "居民区", "S003C002", COMMUNITY, "2024-06-30"],
        [
            "S003C001B01G1",
            "上海新村居民区第一党小组",
            "党小组",
            "居民区",
            branch.code,
            COMMUNITY,
            "",
        ],
        ["S003C001B01G2", "新党小组", "党小组", "居民区", branch.code, COMMUNITY, ""],
    ]
    header = [*HEADER, "撤销日期"]

    refused = run(to_csv(rows, header), "organizations.csv", users["admin"])
    assert errors_of(refused) == [
        (
            5,
            "上级组织编码",
            f"上级组织“{branch.name}”已撤销，不能新增下级。",
        )
    ]

    result = run(to_csv(rows[:3], header), "organizations.csv", users["admin"])
    assert result.ok, errors_of(result)
    assert paths("S003C001B01G1") == ["/D310104/S003/S003C002/S003C001B01/S003C001B01G1/"]
    assert_tree_consistent()


# --- regions -----------------------------------------------------------------------------

REGIONS_CSV = Path(settings.BASE_DIR) / "data" / "xuhui_regions.csv"
LEVEL_LABELS = {
    "district": "区",
    "street": "街道",
    "town": "镇",
    "development_zone": "开发区",
    "community": "居民区/村",
}


def region_file():
    """data/xuhui_regions.csv in the import format (区划代码,名称,层级,上级代码)."""
    with open(REGIONS_CSV, encoding="utf-8") as handle:
        source = list(csv.DictReader(handle))
    codes = {row["code"] for row in source}
    rows = [
        [
            row["code"],
            row["name"],
            LEVEL_LABELS[row["level"]],
            row["parent_code"] if row["parent_code"] in codes else "",
        ]
        for row in source
    ]
    return to_csv(rows, header=["区划代码", "名称", "层级", "上级代码"])


def test_region_import_of_the_real_xuhui_file(django_user_model):
    superuser = django_user_model.objects.create_superuser("root", password="x-Correct-9")
    spec = imports.get_spec("portal.region")
    content = region_file()

    result = spec.run(content, "xuhui_regions.csv", superuser)

    assert result.ok, [(e.row, e.column, e.message) for e in result.errors[:10]]
    assert (result.total, result.created) == (328, 328)
    assert Region.objects.count() == 328
    district = Region.objects.get(code="310104")
    assert district.level == Region.Level.DISTRICT
    assert district.parent is None
    assert Region.objects.filter(parent=district).count() == 14  # 12 streets, a town, a zone
    assert Region.objects.filter(level=Region.Level.COMMUNITY).count() == 313
    assert Region.objects.get(code="310104003").name == "天平路街道"
    assert not Region.objects.exclude(path__startswith="/310104/").exists()

    events = Events.objects.count()
    stamps = sorted(Region.objects.values_list("code", "updated_at"))
    again = spec.run(content, "xuhui_regions.csv", superuser)
    assert again.ok
    assert (again.created, again.updated, again.unchanged) == (0, 0, 328)
    assert Events.objects.count() == events
    assert sorted(Region.objects.values_list("code", "updated_at")) == stamps


# --- through the UI ----------------------------------------------------------------------


def upload(client, content, filename, url="/organizations/import/", **data):
    return client.post(url, {"file": SimpleUploadedFile(filename, content), **data})


def submit(client, capture, content, filename, **data):
    """POST a file; the task is queued on commit, so run the callbacks; return the job."""
    with capture(execute=True) as callbacks:
        response = upload(client, content, filename, **data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(callbacks) == 1
    job = ImportJob.objects.latest("pk")
    assert response["Location"] == f"/imports/{job.pk}/"
    return job


def test_import_through_the_ui(client_for, users, district, django_capture_on_commit_callbacks):
    admin = users["admin"]
    client = client_for(admin)
    assert client.get("/organizations/import/").status_code == 200
    before = org_state()

    job = submit(client, django_capture_on_commit_callbacks, to_csv(bad_rows()), "bad.csv")

    job.refresh_from_db()
    assert job.user == admin
    assert job.status == ImportJob.Status.INVALID
    assert job.total == 1000
    assert org_state() == before
    page = client.get(f"/imports/{job.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "校验未通过" in html
    assert "发现 3 处错误，未写入任何数据。" in html
    assert_expected_errors(table_rows(html, "import-errors"))
    assert f"/imports/{job.pk}/errors.csv" in html

    report = client.get(f"/imports/{job.pk}/errors.csv")
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    text = b"".join(report.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0] == ["行号", "列", "问题"]
    assert_expected_errors(lines[1:])

    job = submit(client, django_capture_on_commit_callbacks, to_csv(org_rows()), "good.csv")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.total, job.created, job.updated, job.unchanged) == (1000, 1000, 0, 0)
    assert job.errors == []
    assert job.progress == 100
    assert job.finished_at is not None
    html = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'data-status="done"' in html
    assert "共 1000 行：新增 1000，更新 0，未变化 0。" in html
    assert Organization.objects.filter(code__startswith="T").count() == 1000

    # The progress fragment htmx polls.
    fragment = client.get(f"/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="job-status"')
    assert "hx-get" not in fragment  # finished: no more polling


def test_ui_rerun_and_dry_run_and_bad_file_type(
    client_for, users, district, django_capture_on_commit_callbacks
):
    client = client_for(users["admin"])
    content = to_csv(org_rows()[50:70])

    dry = submit(client, django_capture_on_commit_callbacks, content, "a.csv", dry_run="on")
    dry.refresh_from_db()
    assert dry.dry_run
    assert (dry.status, dry.total, dry.created) == (ImportJob.Status.DONE, 20, 20)
    assert not Organization.objects.filter(code__startswith="T").exists()
    assert "仅校验" in client.get(f"/imports/{dry.pk}/").content.decode()

    first = submit(client, django_capture_on_commit_callbacks, content, "a.csv")
    first.refresh_from_db()
    assert (first.status, first.created) == (ImportJob.Status.DONE, 20)
    events = Events.objects.count()
    again = submit(client, django_capture_on_commit_callbacks, content, "a.csv")
    again.refresh_from_db()
    assert (again.status, again.created, again.updated, again.unchanged) == (
        ImportJob.Status.DONE,
        0,
        0,
        20,
    )
    assert Events.objects.count() == events

    xlsx = submit(client, django_capture_on_commit_callbacks, to_xlsx(org_rows()[70:80]), "b.xlsx")
    xlsx.refresh_from_db()
    assert (xlsx.status, xlsx.created) == (ImportJob.Status.DONE, 10)

    # A file of another type is refused by the upload form itself: no job is queued.
    jobs = ImportJob.objects.count()
    response = upload(client, b"%PDF-1.4", "c.pdf")
    assert response.status_code == 400
    assert "不支持的文件类型" in response.content.decode()
    assert ImportJob.objects.count() == jobs


def test_import_job_pages_belong_to_their_uploader(
    client_for, users, district, django_capture_on_commit_callbacks
):
    client = client_for(users["admin"])
    job = submit(client, django_capture_on_commit_callbacks, to_csv(bad_rows()[:5]), "a.csv")
    other = client_for(users["operator_a"])
    assert other.get(f"/imports/{job.pk}/").status_code == 404
    assert other.get(f"/imports/{job.pk}/errors.csv").status_code == 404


def test_street_operator_cannot_import_outside_their_street(
    client_for, users, district, django_capture_on_commit_callbacks
):
    client = client_for(users["operator_a"])
    rows = [["Y01", "湖南路党支部", "党支部", "居民区", "S004C001", "310104004001"]]
    before = org_state()

    job = submit(client, django_capture_on_commit_callbacks, to_csv(rows), "b.csv")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    columns = {e["column"] for e in job.errors}
    assert columns == {"上级组织编码", "区划代码"}
    assert org_state() == before


# --- a real Celery worker on real Redis --------------------------------------------------


@pytest.fixture
def celery_worker_on_redis(transactional_db):
    """A real Celery worker thread consuming from the Redis of REDIS_URL."""
    redis_url = os.environ.get("REDIS_URL") or settings.REDIS_URL
    if not redis_url:
        message = "REDIS_URL is not set: the real-worker import test needs Redis"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    app.conf.result_backend = redis_url
    try:
        app.control.purge()  # stale messages of earlier runs
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        app.conf.update(saved)


#: The tasks a finished import of organisations asks for (import_finished receivers).
FOLLOW_UPS = ("buildings.tasks.refresh_coverage", "dashboard.tasks.refresh_dashboard")


@pytest.mark.slow
def test_import_through_a_real_worker(celery_worker_on_redis, client_for, users, district):
    from celery.result import AsyncResult
    from celery.signals import task_prerun

    from portal.celery import app

    ran = []

    def record(sender=None, task_id=None, **kwargs):
        ran.append((sender.name, task_id, threading.current_thread() is threading.main_thread()))

    task_prerun.connect(record, weak=False)
    client = client_for(users["admin"])
    try:
        response = upload(client, to_csv(org_rows()[50:350]), "worker.csv")
        assert response.status_code == 302
        job = ImportJob.objects.latest("pk")
        assert response["Location"] == f"/imports/{job.pk}/"
        deadline = time.monotonic() + 60
        while True:
            job.refresh_from_db()
            # Done when the import has finished and the refreshes it asked for (organisations
            # changed: the coverage figures and the dashboard) have run too.
            followers = {name: task_id for name, task_id, _main in ran[1:]}
            if job.is_finished and set(followers) >= set(FOLLOW_UPS):
                for task_id in followers.values():
                    AsyncResult(task_id, app=app).get(timeout=60)
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        task_prerun.disconnect(record)

    # The task went through the broker and ran in the worker's thread, not eagerly.
    assert app.conf.task_always_eager is False
    # The import, then the refreshes it asked for (in either order), all in the worker's
    # threads.
    assert ran[0][0] == "portal.tasks.run_import"
    assert sorted(name for name, _id, _main in ran[1:]) == sorted(FOLLOW_UPS)
    assert not any(main for _name, _id, main in ran)
    assert AsyncResult(ran[0][1], app=app).get(timeout=10) is None
    assert job.status == ImportJob.Status.DONE, (job.status, job.message)
    assert (job.total, job.created, job.updated, job.unchanged) == (300, 300, 0, 0)
    assert Organization.objects.filter(code__startswith="T").count() == 300
    event = OrganizationEvent.objects.select_related("pgh_context").latest("pgh_id")
    assert event.pgh_obj.code.startswith("T")
    assert event.pgh_context.metadata["import_job"] == job.pk
    assert event.pgh_context.metadata["user"] == users["admin"].pk
    assert event.pgh_context.metadata["channel"] == "import"
    html = client.get(f"/imports/{job.pk}/").content.decode()
    assert "共 300 行：新增 300，更新 0，未变化 0。" in html
