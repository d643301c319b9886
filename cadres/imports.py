"""The training record import (培训记录): one row per member and course, upserted by the
member's ID number (blind index), the start date and the title. A member outside the
importer's scope reads as unknown. All rows are written or none."""

from django.utils.translation import gettext as _

from cadres.models import TrainingRecord
from members.imports import parse_member_key
from portal import imports


@imports.register
class TrainingRecordImport(imports.ImportSpec):
    model = TrainingRecord
    key_column_name = "member"
    columns = [
        imports.ImportColumn("member", header="身份证号", parse=parse_member_key),
        imports.ImportColumn("title"),
        imports.ImportColumn("organiser"),
        imports.ImportColumn("kind"),
        imports.ImportColumn("started_on"),
        imports.ImportColumn("ended_on"),
        imports.ImportColumn("hours"),
        imports.ImportColumn("certificate_no"),
        imports.ImportColumn("note"),
    ]

    def natural_key(self, values):
        member, started, title = (values.get(k) for k in ("member", "started_on", "title"))
        if member and started and title:
            return TrainingRecord.make_key(member, started, title)
        return None

    def key_taken_message(self):
        return _("该党员的这条培训记录不在您的管辖范围内。")

    def prepare(self, obj, values, user):
        if self.natural_key(values):
            obj.key = self.natural_key(values)
