"""Annual member statistics (党内统计: 党员数量构成统计表) as of a date, for one region.

One table: a row per sector of the member's organisation (所属领域) under a total row, and
columns for category, women, ethnic minorities, age bands and education, grouped under
merged headers the way the organisation department's forms are. The figures come from one
aggregate query (a filtered COUNT per column, grouped by sector); the XLSX written here has
the same layout as the page.

Who counts, as of the date ``D``:
- joined on or before ``D``;
- in good standing on ``D``: status 正常, or a status change (停止党籍, 出党 ...) dated after
  ``D`` (so a member who died last month still counts at the end of last year);
- full member (正式党员) if the full-membership date is on or before ``D``, else probationary;
- age in whole years on ``D``, from the birth date (derived from the ID number).
Education, gender and ethnicity are the member's current values: the register keeps no
history of them.
"""

import io
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Member, add_years
from organizations.models import Organization

#: Age bands of the statistics form: (label, lowest age, highest age or None).
AGE_BANDS = [
    (gettext_lazy("30岁及以下"), 0, 30),
    (gettext_lazy("31至35岁"), 31, 35),
    (gettext_lazy("36至40岁"), 36, 40),
    (gettext_lazy("41至45岁"), 41, 45),
    (gettext_lazy("46至50岁"), 46, 50),
    (gettext_lazy("51至55岁"), 51, 55),
    (gettext_lazy("56至60岁"), 56, 60),
    (gettext_lazy("61至70岁"), 61, 70),
    (gettext_lazy("71至80岁"), 71, 80),
    (gettext_lazy("81岁及以上"), 81, None),
]

#: GB 3304 codes that are not an ethnic minority: 汉族, 其他, 外国血统中国籍人士.
NOT_MINORITY = ("01", "97", "98")


@dataclass
class Figure:
    key: str
    label: str
    condition: Q | None  # None: every member counted


@dataclass
class Group:
    label: str
    figures: list

    @property
    def single(self):
        """A group of one figure named like the group: one header cell over two rows."""
        return len(self.figures) == 1 and self.figures[0].label == self.label


def age_condition(as_of, low, high):
    """Age in whole years on ``as_of`` between ``low`` and ``high``, as a birth-date range
    (an index range, not a computed age per row)."""
    condition = Q(birth_date__lte=add_years(as_of, -low))
    if high is not None:
        condition &= Q(birth_date__gt=add_years(as_of, -(high + 1)))
    return condition


def groups(as_of):
    """The column groups of the table, each figure with its counting condition."""
    full = Q(full_member_on__isnull=False, full_member_on__lte=as_of)
    education = [
        Figure(f"education_{value}", label, Q(education=value))
        for value, label in Member.Education.choices
    ]
    education.append(Figure("education_unknown", _("未填写"), Q(education="")))
    return [
        Group(_("党员总数"), [Figure("total", _("党员总数"), None)]),
        Group(
            _("党员类别"),
            [
                Figure("full", _("正式党员"), full),
                Figure("probationary", _("预备党员"), ~full),
            ],
        ),
        Group(_("女性"), [Figure("women", _("女性"), Q(gender=Member.Gender.FEMALE))]),
        Group(_("少数民族"), [Figure("minority", _("少数民族"), ~Q(ethnicity__in=NOT_MINORITY))]),
        Group(
            _("年龄"),
            [
                Figure(f"age_{low}", str(label), age_condition(as_of, low, high))
                for label, low, high in AGE_BANDS
            ],
        ),
        Group(_("学历"), education),
    ]


def members_as_of(queryset, as_of):
    """The members of ``queryset`` who count on ``as_of``."""
    return queryset.filter(joined_on__lte=as_of).filter(
        Q(status=Member.Status.NORMAL) | Q(status_on__gt=as_of)
    )


def compute(queryset, as_of: date, region_name: str):
    """The statistics of the members in ``queryset`` (already scoped to the region) on
    ``as_of``: a JSON-ready dict the page and the XLSX both render."""
    column_groups = groups(as_of)
    figures = [figure for group in column_groups for figure in group.figures]
    aggregates = {
        figure.key: Count("id", filter=figure.condition) if figure.condition else Count("id")
        for figure in figures
    }
    counted = (
        members_as_of(queryset, as_of)
        .order_by()
        .values("organization__sector")
        .annotate(**aggregates)
    )
    by_sector = {row["organization__sector"]: row for row in counted}
    rows = []
    for value, label in Organization.Sector.choices:
        found = by_sector.get(value, {})
        rows.append({"label": str(label), "values": [found.get(f.key, 0) for f in figures]})
    total = [sum(row["values"][i] for row in rows) for i in range(len(figures))]
    return {
        "as_of": as_of.isoformat(),
        "region": region_name,
        "title": _("%(region)s党员数量构成统计表") % {"region": region_name},
        "groups": [
            {
                "label": str(group.label),
                "single": group.single,
                "figures": [{"key": f.key, "label": str(f.label)} for f in group.figures],
            }
            for group in column_groups
        ],
        "keys": [figure.key for figure in figures],
        "total": {"label": str(_("合计")), "values": total},
        "rows": rows,
    }


def to_xlsx(data) -> bytes:
    """The statistics as an XLSX workbook laid out like the form: a title, the date, two
    header rows with merged group cells, the total row, one row per sector."""
    import xlsxwriter

    from portal.exports import safe_cell

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(_("党员数量构成"))
    cell = {"border": 1, "align": "center", "valign": "vcenter", "text_wrap": True}
    title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    note = workbook.add_format({"align": "left"})
    header = workbook.add_format({**cell, "bold": True, "bg_color": "#F2F2F2"})
    number = workbook.add_format({**cell, "num_format": "0"})
    total = workbook.add_format({**cell, "bold": True, "num_format": "0"})
    width = 1 + len(data["keys"])

    sheet.merge_range(0, 0, 0, width - 1, safe_cell(data["title"]), title)
    as_of = date.fromisoformat(data["as_of"])
    sheet.merge_range(
        1,
        0,
        1,
        width - 1,
        _("统计截止日期：%(date)s　　单位：名") % {"date": f"{as_of:%Y年%m月%d日}"},
        note,
    )
    sheet.merge_range(2, 0, 3, 0, _("所属领域"), header)
    column = 1
    for group in data["groups"]:
        span = len(group["figures"])
        if group["single"]:
            sheet.merge_range(2, column, 3, column, group["label"], header)
        else:
            if span > 1:
                sheet.merge_range(2, column, 2, column + span - 1, group["label"], header)
            else:
                sheet.write_string(2, column, group["label"], header)
            for offset, figure in enumerate(group["figures"]):
                sheet.write_string(3, column + offset, figure["label"], header)
        column += span
    sheet.write_string(4, 0, data["total"]["label"], total)
    for offset, value in enumerate(data["total"]["values"]):
        sheet.write_number(4, 1 + offset, value, total)
    for index, row in enumerate(data["rows"]):
        sheet.write_string(5 + index, 0, safe_cell(row["label"]), header)
        for offset, value in enumerate(row["values"]):
            sheet.write_number(5 + index, 1 + offset, value, number)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, width - 1, 9)
    sheet.set_row(3, 30)
    sheet.freeze_panes(5, 1)
    workbook.close()
    return buffer.getvalue()
