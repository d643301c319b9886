"""The member import spec: 党员信息 files with Chinese headers, upserted by ID number.

The file holds ID numbers and mobiles in plain text; they are virtual columns (no model
field holds them): each is normalised while the file is parsed, handed to the member through
``set_id_number`` / ``set_mobile`` and stored as ciphertext, blind index and masked form.
A row's natural key is the blind index of its normalised ID number, so a member is found
again whatever way the number was written (15 digits, lower-case x, full-width digits).

Rows are validated by ``Member.full_clean()`` like every other door (duplicates are the key
lookup's business, so the per-row duplicate query is skipped), then written by COPY (new
members) and ``bulk_update``, which bypass ``Member.save()``: ``before_write`` fills the
encrypted, hashed and masked columns and the name grams itself.

Existing members are loaded by a queryset (one per chunk), so each knows its stored status
and flags (``Member.from_db``): a row that changes them is refused by ``Member.clean`` under
the column's header, and the whole file is not written; a new member may be given them.
"""

import functools
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from members.models import DuesPayment, Member, ethnicity_choices, id_number_hash
from portal import imports, validators
from portal.search import name_grams

ID_NUMBER_FIELDS = ("id_number_cipher", "id_number_hash", "id_number_masked")
MOBILE_FIELDS = ("mobile_cipher", "mobile_hash", "mobile_masked")


@functools.cache
def _ethnicities():
    """Code, name and name without 族 (汉族, 汉, 01) -> code."""
    names = {}
    for code, name in ethnicity_choices():
        names[code] = code
        names[name] = code
        if name.endswith("族") and len(name) >= 2:
            names.setdefault(name[:-1], code)
    return names


def parse_ethnicity(text):
    code = _ethnicities().get(text.strip())
    if code is None:
        raise ValidationError(_("“%(value)s”不是 GB 3304 中的民族名称或代码。") % {"value": text})
    return code


@imports.register
class MemberImport(imports.ImportSpec):
    model = Member
    key_column_name = "id_number"
    derived_fields = {"name": ("name_grams",)}
    batch_size = 5000
    copy_creates = True
    columns = [
        imports.ImportColumn("name"),
        imports.ImportColumn(
            "id_number",
            header="身份证号",
            required=True,
            virtual=True,
            parse=validators.normalize_id_number,
            fields=ID_NUMBER_FIELDS,
            compare=("id_number_hash",),
        ),
        imports.ImportColumn("gender"),
        imports.ImportColumn("ethnicity", parse=parse_ethnicity, checked=True),
        imports.ImportColumn("birth_date"),
        imports.ImportColumn(
            "mobile",
            header="手机号",
            virtual=True,
            parse=validators.normalize_mobile,
            fields=MOBILE_FIELDS,
            compare=("mobile_hash",),
        ),
        imports.ImportColumn("education"),
        imports.ImportColumn("occupation"),
        imports.ImportColumn("employer", header="工作单位统一社会信用代码"),
        imports.ImportColumn("employer_name", header="工作单位"),
        imports.ImportColumn("organization", header="所在党支部编码"),
        imports.ImportColumn("category"),
        imports.ImportColumn("joined_on"),
        imports.ImportColumn("full_member_on"),
        imports.ImportColumn("status"),
        imports.ImportColumn("status_on"),
        imports.ImportColumn("lost_contact"),
        imports.ImportColumn("lost_contact_on"),
        imports.ImportColumn("flowing"),
        imports.ImportColumn("flowing_destination"),
        imports.ImportColumn("residential_region", header="居住地社区代码"),
        imports.ImportColumn("residential_grid", header="报到网格编码"),
        imports.ImportColumn("note"),
    ]

    def natural_key(self, values):
        number = values.get("id_number")
        return id_number_hash(number) if number else None

    def key_taken_message(self):
        # Registered in an organisation the importer may not change: say no more than that.
        return _("该身份证号已登记。")

    def prepare(self, obj, values, user):
        # Duplicates within the file and against the table were settled by the key lookup.
        obj._skip_duplicate_check = True
        obj.validating_user = user
        if "id_number" in values:
            obj.set_id_number(values["id_number"])
        if "mobile" in values:
            obj.set_mobile(values["mobile"])

    def before_write(self, objects):
        for obj in objects:
            obj._apply_sensitive()  # a no-op once full_clean() applied the plain values
            obj.name_grams = name_grams(obj.name)


def parse_member_key(text):
    """A payment row's member, named by ID number: looked up by its blind index, the
    members' natural key (``Member.natural_key_field``), like the member import does."""
    return id_number_hash(validators.normalize_id_number(text))


_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")


def parse_month(text):
    """A month as 2026-03, 2026/3, 2026年3月 or any date of it: the month's first day."""
    match = _MONTH.fullmatch(text.strip())
    if match:
        year, month = (int(part) for part in match.groups())
        if 1 <= month <= 12:
            return date(year, month, 1)
        raise ValidationError(_("“%(value)s”不是有效的月份。") % {"value": text})
    return imports.parse_date(text).replace(day=1)


@imports.register
class DuesPaymentImport(imports.ImportSpec):
    """党费交纳记录: one row per member and month, upserted by (member, month). The member is
    named by ID number (身份证号 column; only its blind index is kept or compared); a member
    outside the importer's scope reads as unknown. All rows are written or none."""

    model = DuesPayment
    key_column_name = "member"
    columns = [
        imports.ImportColumn("member", header="身份证号", parse=parse_member_key),
        imports.ImportColumn("period", parse=parse_month),
        imports.ImportColumn("amount"),
        imports.ImportColumn("paid_on"),
    ]

    def natural_key(self, values):
        member, period = values.get("member"), values.get("period")
        return DuesPayment.make_key(member, period) if member and period else None

    def key_taken_message(self):
        return _("该党员该月份的党费记录不在您的管辖范围内。")

    def prepare(self, obj, values, user):
        if obj.pk is None:
            obj.recorded_by = user
        if values.get("member") and values.get("period"):
            obj.key = DuesPayment.make_key(values["member"], values["period"])
