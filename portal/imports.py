"""The import framework: parse -> validate every row -> report -> write all in one transaction.

An ``ImportSpec`` says which columns a model's file has and how each maps to a field. The
run validates every row before writing anything and reports every bad row (row, column,
reason). A clean file is written in one transaction with ``bulk_create``/``bulk_update``
(never a query per row), upserting by natural key, so re-running the same file changes
nothing. Tree models may reference parents that are new rows of the same file.
"""

import contextlib
import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import scoping

BATCH = 1000


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, headers)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


# --- reading files ----------------------------------------------------------------------


def read_table(content: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a CSV or XLSX file, every cell as a stripped string. The file
    is checked by content first (``portal.uploads``: type, size, zip bomb, XML entities)."""
    from portal.uploads import UploadError, check_table

    try:
        check_table(content, filename)
    except UploadError as exc:
        raise ImportFileError(str(exc)) from None
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        table = _read_spreadsheet(content)
    elif name.endswith((".csv", ".txt")):
        table = _read_csv(content)
    else:
        raise ImportFileError(_("不支持的文件类型：请上传 CSV 或 XLSX 文件。"))
    table = [row for row in table if any(cell for cell in row)]
    if not table:
        raise ImportFileError(_("文件是空的。"))
    return table[0], table[1:]


def _read_csv(content: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("无法识别文件编码，请保存为 UTF-8 编码的 CSV。"))
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _read_spreadsheet(content: bytes):
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        return [
            [_cell_text(cell) for cell in row] for row in sheet.to_python(skip_empty_area=False)
        ]
    except Exception as exc:  # calamine raises several types for a broken file
        raise ImportFileError(_("无法读取表格文件：%(error)s") % {"error": exc}) from exc


# --- columns ----------------------------------------------------------------------------


class ImportColumn:
    """A file column mapped to a model field. The header may be the field's Chinese label
    or its API name. Choices accept the label or the stored value; relations take the
    related row's natural key; booleans accept 是/否, true/false, 1/0; dates accept
    2024-07-01, 2024/7/1, 2024.7.1, 2024年7月1日 and 20240701. An empty cell of a field with
    a default takes the default.

    ``parse``: a callable turning the cell text into the value (or raising
    ``ValidationError``), instead of the field's own conversion.

    A *virtual* column (``virtual=True``) is no model field: its parsed value goes to the
    spec's ``prepare`` hook, which hands it to the instance (a sensitive value that is
    stored encrypted, say). ``fields`` names the model fields it ends up writing, and
    ``compare`` those of them that tell whether it changed (a ciphertext differs on every
    encryption, its blind index does not); ``compare`` defaults to ``fields``.

    ``checked``: the parsed value is known valid for the field, so the row's validation
    skips the field's own checks (choices held by a callable are re-listed on every check,
    a real cost over 100,000 rows). True for choice columns without a custom ``parse``.
    """

    def __init__(
        self,
        field_name,
        required=None,
        header=None,
        *,
        parse=None,
        virtual=False,
        fields=(),
        compare=None,
        checked=None,
    ):
        self.field_name = field_name
        self.required = required
        self.header = header
        self.custom_parse = parse
        self.virtual = virtual
        self.fields = tuple(fields)
        self.compare = tuple(self.fields if compare is None else compare)
        self.checked = checked
        if virtual and header is None:
            raise ValueError(f"virtual column {field_name!r} needs a header")

    def bind(self, model):
        self.choices = {}
        if self.virtual:
            self.model_field = None
            self.relation = None
            if self.required is None:
                self.required = False
            return self
        self.model_field = model._meta.get_field(self.field_name)
        if self.header is None:
            self.header = str(self.model_field.verbose_name)
        if self.required is None:
            self.required = not (
                self.model_field.blank or self.model_field.null or self.model_field.has_default()
            )
        for value, label in self.model_field.choices or ():
            self.choices[str(label)] = value
            self.choices[str(value)] = value
        self.relation = self.model_field.related_model if self.model_field.is_relation else None
        if self.checked is None:
            self.checked = bool(self.choices) and self.custom_parse is None
        return self

    def names(self):
        return {self.header, self.field_name}

    def parse(self, text):
        """The cell as a Python value, a related natural key, or ValidationError."""
        if text == "":
            if self.required:
                raise ValidationError(_("必填项不能为空。"))
            if self.virtual:
                return ""
            if self.model_field.has_default():
                return self.model_field.get_default()
            return "" if isinstance(self.model_field, _text_fields()) else None
        if self.custom_parse is not None:
            return self.custom_parse(text)
        if self.relation is not None:
            normalize = getattr(self.relation, "normalize_natural_key", None)
            return normalize(text) if normalize else text
        if self.choices:
            if text not in self.choices:
                labels = "、".join(str(label) for _value, label in self.model_field.choices)
                raise ValidationError(
                    _("“%(value)s”不是有效选项，可选：%(labels)s。")
                    % {"value": text, "labels": labels}
                )
            return self.choices[text]
        from django.db import models

        if isinstance(self.model_field, models.BooleanField):
            return parse_bool(text)
        if isinstance(self.model_field, models.DateField) and not isinstance(
            self.model_field, models.DateTimeField
        ):
            return parse_date(text)
        return self.model_field.to_python(text)


_TRUE = frozenset({"是", "true", "t", "yes", "y", "1", "√", "✓"})
_FALSE = frozenset({"否", "false", "f", "no", "n", "0", "×"})


def parse_bool(text):
    """是/否, true/false, yes/no, 1/0 (any case) as a bool."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationError(_("“%(value)s”不是有效的是否值，请填写“是”或“否”。") % {"value": text})


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(text):
    """A calendar date written the ways Chinese spreadsheets write them."""
    value = text.strip()
    if "T" in value or " " in value:  # a spreadsheet datetime at midnight, "2024-07-01 00:00"
        value = re.split(r"[T ]", value, maxsplit=1)[0]
    match = _DATE.fullmatch(value) or _DATE_COMPACT.fullmatch(value)
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ValidationError(
        _("“%(value)s”不是有效的日期，请按 2024-07-01 的格式填写。") % {"value": text}
    )


def _text_fields():
    from django.db import models

    return (models.CharField, models.TextField)


# --- the spec -------------------------------------------------------------------------


class ImportSpec:
    """How one model is imported. Subclasses name ``model`` and ``columns``.

    Hooks for models whose rows need more than "cell -> field" (all optional):
    ``natural_key`` computes a row's key from its parsed values (a blind index of an ID
    number, say), ``prepare`` hands virtual columns' values to the instance before it is
    validated, and ``before_write`` completes the instances about to be written, since
    ``bulk_create``/``bulk_update`` do not call ``Model.save()``.
    """

    model = None
    columns: list[ImportColumn] = []
    #: Per relation column, what to select_related on the related rows, so validating a
    #: row that reads ``parent.region`` costs no query.
    related_select: dict[str, list[str]] = {}
    #: The column a row's natural key comes from, if not the model's natural key field
    #: itself (errors about the key are reported under its header).
    key_column_name: str | None = None
    #: Per column, further model fields that change with it (written along on update).
    derived_fields: dict[str, tuple] = {}
    #: Rows per INSERT/UPDATE statement.
    batch_size = BATCH
    #: Rows resolved, validated and written at a time (trees: the whole file, since a row
    #: may name a parent anywhere in it). Memory stays flat whatever the file's size; the
    #: chunks are written in one transaction, rolled back if any row of any chunk is bad.
    chunk_rows = 5000
    #: New rows written by COPY (``copy_create``) instead of INSERT statements.
    copy_creates = False

    def __init__(self):
        self.columns = [column.bind(self.model) for column in self.columns]
        self._columns = {column.field_name: column for column in self.columns}
        self.key = self.model.natural_key_field
        self.key_column = self._columns[self.key_column_name or self.key]

    # Hooks -------------------------------------------------------------------------------

    def natural_key(self, values):
        """The natural key value of a parsed row (None when its key cell was bad)."""
        return values.get(self.key)

    def key_taken_message(self):
        """The error for a key that a row outside the importer's scope holds already."""
        return _("该编码已被管辖范围外的数据占用。")

    def prepare(self, obj, values, user):
        """Called once per row after its model fields are set, before validation."""

    def before_write(self, objects):
        """Called with the instances about to be created or updated."""

    def after_write(self, objects):
        """Called inside the write's transaction with the instances just created or updated
        (all with their pk): for what bulk writes skip, such as rows kept by ``save()``."""

    @property
    def label(self):
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"

    @property
    def is_tree(self):
        return any(c.relation is self.model for c in self.columns)

    def template_headers(self):
        return [column.header for column in self.columns]

    # The run ---------------------------------------------------------------------------

    def run(self, content, filename, user, *, dry_run=False, progress=None):
        header, rows = read_table(content, filename)
        result = ImportResult(total=len(rows))
        index = self._map_header(header, result)
        if not result.ok:
            return result
        size = max(len(rows), 1) if self.is_tree else self.chunk_rows
        chunks = [rows[start : start + size] for start in range(0, len(rows), size)]
        del rows
        seen, counts = {}, [0, 0, 0]
        with transaction.atomic():
            for number, chunk in enumerate(chunks):
                chunks[number] = None  # a chunk's cells and instances go once it is done
                parsed = self._parse_rows(chunk, index, result, start=number * size, seen=seen)
                objects = self._resolve(parsed, user, result)
                # Rows that parsed and resolved are validated too, so every bad row is
                # reported; once one is bad, nothing more is written and all is rolled back.
                plan = self._plan(objects, result)
                for _obj, is_new, changed in plan:
                    counts[0 if is_new else 1 if changed else 2] += 1
                if result.ok and not dry_run:
                    self._write(plan, user, result)
                if progress:
                    progress(100 * (number + 1) // (len(chunks) + 1))
            if not result.ok:
                transaction.set_rollback(True)
        if result.ok:
            result.created, result.updated, result.unchanged = counts
        if progress:
            progress(100)
        return result

    def _map_header(self, header, result):
        index = {}
        for position, name in enumerate(header):
            for column in self.columns:
                if name in column.names():
                    index[column.field_name] = position
        for column in self.columns:
            if column.required and column.field_name not in index:
                result.errors.append(RowError(1, column.header, _("缺少必需的列。")))
        return index

    def _parse_rows(self, rows, index, result, *, start=0, seen=None):
        """``start``: how many rows of the file come before ``rows``; ``seen``: the keys of
        those rows (key -> row number), for duplicates across chunks."""
        parsed = []
        seen = {} if seen is None else seen
        for offset, cells in enumerate(rows, start):
            row_no = offset + 2  # the header is row 1
            values, ok = {}, True
            for column in self.columns:
                position = index.get(column.field_name)
                if position is None:
                    continue
                text = cells[position].strip() if position < len(cells) else ""
                try:
                    values[column.field_name] = column.parse(text)
                except ValidationError as exc:
                    ok = False
                    for message in exc.messages:
                        result.errors.append(RowError(row_no, column.header, message))
            key = self.natural_key(values)
            if key:
                if key in seen:
                    ok = False
                    result.errors.append(
                        RowError(
                            row_no,
                            self.key_column.header,
                            _("与第 %(row)s 行重复。") % {"row": seen[key]},
                        )
                    )
                seen.setdefault(key, row_no)
            if ok:
                parsed.append((row_no, values, key))
        return parsed

    def _resolve(self, parsed, user, result):
        """Turn parsed rows into model instances: existing rows updated in memory, new ones
        built; relations resolved by natural key in one query per relation."""
        model = self.model
        keys = [key for _row, _values, key in parsed]
        existing_any = set(
            model.objects.filter(**{f"{self.key}__in": keys}).values_list(self.key, flat=True)
        )
        changeable = {
            getattr(obj, self.key): obj
            for obj in scoping.restrict(model.objects.all(), user, "change").filter(
                **{f"{self.key}__in": keys}
            )
        }
        may_add = scoping.can(user, model, "add")
        lookups = self._related_lookups(parsed, user)
        current = self._current_links(changeable.values())
        in_file = {}
        objects = []
        for row_no, values, key in parsed:
            if key in existing_any and key not in changeable:
                result.errors.append(
                    RowError(row_no, self.key_column.header, self.key_taken_message())
                )
                continue
            obj = changeable.get(key)
            is_new = obj is None
            if is_new:
                if not may_add:
                    result.errors.append(
                        RowError(
                            row_no,
                            self.key_column.header,
                            _("您没有新增“%(model)s”的权限。")
                            % {"model": model._meta.verbose_name},
                        )
                    )
                    continue
                obj = model()
            old = self._snapshot(obj, values) if not is_new else {}
            objects.append((row_no, obj, values, is_new, old))
            in_file[key] = obj
        failed = set()
        for row_no, obj, values, is_new, _old in objects:
            for name, value in values.items():
                column = self._column(name)
                if column.virtual:
                    continue
                if column.relation is not None and value is not None:
                    # A parent that is a row of this file is taken as the file has it (new
                    # kind, new place), not as the database still has it.
                    target = in_file.get(value) if column.relation is model else None
                    if target is None:
                        target = lookups[name].get(value)
                    if target is None and not is_new:
                        # The row's present link, even to a row above the user's scope, may
                        # be kept (see scoping.choices): a street's export re-imports as is.
                        linked = current[name].get(getattr(obj, _attname(model, name)))
                        if linked is not None and getattr(linked, self._related_key(name)) == value:
                            target = linked
                    if target is None:
                        failed.add(row_no)
                        result.errors.append(
                            RowError(
                                row_no,
                                column.header,
                                _("“%(value)s”不存在或不在您的管辖范围内。") % {"value": value},
                            )
                        )
                        continue
                    setattr(obj, name, target)
                else:
                    setattr(obj, name, value)
            self.prepare(obj, values, user)
        return [item for item in objects if item[0] not in failed]

    def _column(self, name):
        return self._columns[name]

    def _header(self, name):
        """The header an error about ``name`` is reported under: its column's, else the
        field's label (a rule about a field the file has no column for)."""
        if name in self._columns:
            return self._columns[name].header
        try:
            return str(self.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # NON_FIELD_ERRORS and the like
            return "" if name == NON_FIELD_ERRORS else name

    def _snapshot(self, obj, values):
        """The stored values the row's columns may change, to tell what changed."""
        old = {}
        for name in values:
            column = self._column(name)
            for field_name in column.compare if column.virtual else (name,):
                old[field_name] = getattr(obj, _attname(self.model, field_name))
        return old

    def _changed(self, obj, values, old):
        """The model fields an existing row's values change (derived fields included)."""
        changed = []
        for name in values:
            column = self._column(name)
            if column.virtual:
                if any(getattr(obj, _attname(self.model, f)) != old[f] for f in column.compare):
                    changed.extend(column.fields)
            elif getattr(obj, _attname(self.model, name)) != old[name]:
                changed.append(name)
                changed.extend(self.derived_fields.get(name, ()))
        return list(dict.fromkeys(changed))

    def _related_key(self, name):
        return self._column(name).relation.natural_key_field

    def _current_links(self, existing):
        """Per relation column, the rows the existing rows link to now, by pk: one query per
        relation, whatever their scope (only ever matched against the row's own link)."""
        links = {}
        for column in self.columns:
            if column.relation is None:
                continue
            attname = _attname(self.model, column.field_name)
            pks = {getattr(obj, attname) for obj in existing} - {None}
            queryset = column.relation.objects.filter(pk__in=pks).select_related(
                *self.related_select.get(column.field_name, [])
            )
            links[column.field_name] = {obj.pk: obj for obj in queryset} if pks else {}
        return links

    def _related_lookups(self, parsed, user):
        lookups = {}
        for column in self.columns:
            if column.relation is None:
                continue
            related = column.relation
            wanted = {values.get(column.field_name) for _row, values, _key in parsed}
            wanted -= {None, ""}
            key = related.natural_key_field
            queryset = scoping.restrict(related.objects.all(), user, "view").select_related(
                *self.related_select.get(column.field_name, [])
            )
            lookups[column.field_name] = {
                getattr(obj, key): obj for obj in queryset.filter(**{f"{key}__in": wanted})
            }
        return lookups

    def _plan(self, objects, result):
        """Order rows parents-first, compute tree paths, validate every instance."""
        model = self.model
        if self.is_tree:
            parent_header = next(c.header for c in self.columns if c.relation is model)
            objects = _parents_first(objects, self.key, parent_header, result)
        # Relations were resolved above from rows the user may see (one query per relation),
        # so the per-row existence query of ForeignKey.validate() is skipped, and checked
        # columns (choices) were validated while parsing; required and model-level checks
        # still run.
        exclude = [f.name for f in model._meta.fields if not f.editable] + [
            c.field_name
            for c in self.columns
            if not c.virtual and (c.relation is not None or c.checked)
        ]
        plan = []
        for row_no, obj, values, is_new, old in objects:
            if self.is_tree:
                obj.path = obj.build_path()
                obj.depth = obj.path.count("/") - 2
            try:
                obj.full_clean(exclude=exclude, validate_unique=False)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    header = self._header(name)
                    for message in messages:
                        result.errors.append(RowError(row_no, header, message))
                continue
            changed = list(values) if is_new else self._changed(obj, values, old)
            plan.append((obj, is_new, changed))
        return plan

    def _write(self, plan, user, result):
        model = self.model
        now = timezone.now()
        with transaction.atomic(), foreign_keys_checked_per_statement(model):
            created = [obj for obj, is_new, _c in plan if is_new]
            updated = [(obj, changed) for obj, is_new, changed in plan if not is_new and changed]
            self.before_write(created + [obj for obj, _c in updated])
            batch = self.batch_size
            if self.is_tree:
                for depth in sorted({obj.depth for obj in created}):
                    model.objects.bulk_create(
                        [o for o in created if o.depth == depth], batch_size=batch
                    )
            elif self.copy_creates:
                copy_create(model, created)
            else:
                model.objects.bulk_create(created, batch_size=batch)
            fields = sorted({n for _obj, changed in updated for n in changed})
            if updated:
                for obj, _changed in updated:
                    obj.updated_at = now
                extra = ["path", "depth"] if self.is_tree else []
                model.objects.bulk_update(
                    [obj for obj, _c in updated], [*fields, *extra, "updated_at"], batch_size=batch
                )
                if self.is_tree:
                    # Several nodes may move at once, one out of another's subtree: rebuild
                    # the moved subtrees' paths from the parent links in one statement.
                    moved = [
                        obj.pk
                        for obj, _changed in updated
                        if getattr(obj, "_stored_path", None) not in (None, obj.path)
                    ]
                    if moved:
                        model.rebuild_paths(moved)
            self.after_write(created + [obj for obj, _c in updated])
            written = [obj.pk for obj in created] + [obj.pk for obj, _c in updated]
            in_scope = scoping.restrict(model.objects.filter(pk__in=written), user, "view").count()
            if in_scope != len(written):
                raise PermissionDenied(_("导入的数据超出了您的管辖范围。"))


@contextlib.contextmanager
def foreign_keys_checked_per_statement(model):
    """Inside a transaction: the model's deferred foreign keys checked at the end of each
    statement instead of at commit, then deferred again.

    Django creates foreign keys DEFERRABLE INITIALLY DEFERRED. Every row a bulk statement
    writes then queues its checks until commit, and every statement the audit triggers run
    per row walks that growing queue: writing n rows costs O(n^2) (100,000 members took
    minutes instead of seconds). Checked per statement, the queue stays short. Rows must
    then only reference rows written by earlier statements (parents before children).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conname FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype = 'f' AND condeferrable AND condeferred
            """,
            [model._meta.db_table],
        )
        names = ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())
        if names:
            cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
    yield
    if names:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")


def copy_value(value):
    """A Python value as a field of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return _copy_escape(value)
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, list | tuple):
        return _copy_escape(_array_literal(value))
    return str(value)


def _copy_escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _array_literal(items):
    quoted = ('"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
    return "{" + ",".join(quoted) + "}"


#: Field types whose database values ``copy_value`` writes as PostgreSQL reads them.
COPYABLE_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def _copyable(field):
    base = getattr(field, "base_field", None)  # an ArrayField: its elements' type counts
    return (base if base is not None else field).get_internal_type() in COPYABLE_TYPES


#: Values COPY takes as they are; others go through the field's ``get_db_prep_save`` first.
_PLAIN_TYPES = frozenset({str, int, bool, datetime.date, list})


def _copy_field(field, obj, connection):
    value = field.pre_save(obj, True)
    plain = (
        value is None
        or type(value) in _PLAIN_TYPES
        or (type(value) is datetime.datetime and value.tzinfo is not None)
    )
    return copy_value(value if plain else field.get_db_prep_save(value, connection))


def copy_create(model, objects):
    """Insert new instances by COPY, like ``bulk_create`` without building INSERT statements
    (most of an import's time at 100,000 rows). The rows are copied into a temporary table,
    then moved by one ``INSERT ... SELECT``: a statement Django runs, so pghistory's context
    goes with it and the audit triggers fire as for any insert. The ids come from the
    table's sequence first, so every instance has its pk afterwards. A model with a field
    COPY text cannot carry goes by ``bulk_create``."""
    from django.db import connection

    fields = model._meta.concrete_fields
    if not objects:
        return
    if not all(_copyable(field) for field in fields):
        model.objects.bulk_create(objects, batch_size=BATCH)
        return
    table, pk = model._meta.db_table, model._meta.pk
    quote = connection.ops.quote_name
    staging = quote(f"_copy_{table}")
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        lines = io.StringIO()
        for obj, pk_value in zip(objects, ids, strict=True):
            obj.pk = pk_value
            lines.write("\t".join(_copy_field(field, obj, connection) for field in fields))
            lines.write("\n")
        lines.seek(0)
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} (LIKE {quote(table)}) ON COMMIT DROP")
        cursor.cursor.copy_expert(f"COPY {staging} ({columns}) FROM STDIN", lines)
        # Identifiers of our own model, quoted: nothing here comes from the file.
        moved = f"INSERT INTO {quote(table)} ({columns}) SELECT {columns} FROM {staging}"  # noqa: S608
        cursor.execute(moved)
        cursor.execute(f"DROP TABLE {staging}")
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


def _attname(model, name):
    return model._meta.get_field(name).attname


def _parents_first(objects, key, header, result):
    """Rows ordered so every in-file parent comes before its children; cycles are errors."""
    by_key = {getattr(obj, key): item for item in objects for obj in [item[1]]}
    ordered, state = [], {}

    def visit(item, trail):
        obj_key = getattr(item[1], key)
        if state.get(obj_key) == "done":
            return True
        if obj_key in trail:
            result.errors.append(RowError(item[0], header, _("上级关系形成循环。")))
            return False
        parent = item[1].parent
        parent_item = by_key.get(getattr(parent, key)) if parent is not None else None
        if (
            parent_item is not None
            and parent_item is not item
            and not visit(parent_item, trail | {obj_key})
        ):
            return False
        state[obj_key] = "done"
        ordered.append(item)
        return True

    for item in objects:
        visit(item, frozenset())
    return ordered


# --- registry ---------------------------------------------------------------------------

_specs: dict[str, ImportSpec] = {}


def register(spec_class):
    """Register an import spec; domain apps call this from ``AppConfig.ready()``."""
    spec = spec_class()
    _specs[spec.label] = spec
    return spec_class


def get_spec(label) -> ImportSpec:
    return _specs[label]


def specs():
    return dict(_specs)
