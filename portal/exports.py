"""Streaming CSV/XLSX exports: formula-injection safe, scoped by the caller's queryset.

Every CSV or XLSX the portal writes goes through ``safe_cell``: ``stream_csv`` escapes each
cell it is given, ``xlsx_response`` and the report workbook (``reports.statistics``) write
text cells as strings, never formulas, after ``safe_cell``.
"""

import csv
import re
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(text):
    """A cell a spreadsheet will not evaluate: text starting with = + - @ tab or CR gets a
    leading quote. A plain number (``-12.5``) is no formula and stays as it is; values that
    are not text (numbers, None) pass through."""
    if isinstance(text, str) and text.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def rows(queryset, columns):
    """The header, then one list of safe cell texts per row. Columns that end in a field
    are read with ``values_list`` (no model instances); others fall back to objects."""
    yield [str(column.label) for column in columns]
    if all(column.lookup for column in columns):
        values = queryset.values_list(*[column.lookup for column in columns])
        for record in values.iterator(chunk_size=CHUNK):
            yield [safe_cell(c.text_of_value(v)) for c, v in zip(columns, record, strict=True)]
        return
    for obj in queryset.iterator(chunk_size=CHUNK):
        yield [safe_cell(column.text(obj)) for column in columns]


class _Echo:
    def write(self, value):
        return value


def export_filename(basename, extension):
    return f"{basename}-{timezone.localtime():%Y%m%d-%H%M%S}.{extension}"


def stream_csv(lines, filename):
    """A streamed CSV download of ``lines`` (lists of cell texts), with a BOM so
    spreadsheet programs read UTF-8."""
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"
        for line in lines:
            yield writer.writerow([safe_cell(cell) for cell in line])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(queryset, columns, basename):
    return stream_csv(rows(queryset, columns), export_filename(basename, "csv"))


def xlsx_response(queryset, columns, basename):
    import xlsxwriter

    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True})
    for r, row in enumerate(rows(queryset, columns)):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value, bold if r == 0 else None)
    workbook.close()
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=export_filename(basename, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def export_response(queryset, columns, basename, fmt):
    columns = [column for column in columns if column.export]
    if fmt == "xlsx":
        return xlsx_response(queryset, columns, basename)
    return csv_response(queryset, columns, basename)
