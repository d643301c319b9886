"""Import specs of the registers: parks, buildings, service sites (by code) and enterprises
(by USCC), with Chinese headers; relations by natural key (region code, park and building
code, organisation code).

An enterprise file is validated by ``Enterprise.full_clean()`` like every other door, for
the importing user (``validating_user``), so a code that fails only its GB 32100 check
character (an early pilot-region code) is accepted when its row gives a reason
(信用代码例外说明) and the importer may override; otherwise its errors carry
``USCC_REVIEW_PREFIX`` so such rows stand out of the report to be reviewed, not lost.
Bulk writes skip ``Enterprise.save()``: ``before_write`` fills the name grams and
``after_write`` brings the tenancy history in line (``sync_tenancies``).
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from buildings.models import Building, Enterprise, Park, ServiceSite, Tenancy, sync_tenancies
from portal import imports, validators
from portal.search import name_grams

#: What the errors of a row whose USCC fails only its check character begin with.
USCC_REVIEW_PREFIX = "[需复核：早期试点代码]"


def parse_uscc(text):
    """The canonical code; one failing only its check character is kept for the model to
    judge (it may be accepted with a reason), any other bad code is refused here."""
    try:
        return validators.normalize_uscc(text)
    except ValidationError as exc:
        if exc.code != validators.USCC_CHECK_OVERRIDABLE:
            raise
        return Enterprise.normalize_natural_key(text)


@imports.register
class ParkImport(imports.ImportSpec):
    model = Park
    columns = [
        imports.ImportColumn("code"),
        imports.ImportColumn("name"),
        imports.ImportColumn("region", header="所在区划代码"),
        imports.ImportColumn("address"),
        imports.ImportColumn("operator"),
        imports.ImportColumn("note"),
    ]


@imports.register
class BuildingImport(imports.ImportSpec):
    model = Building
    related_select = {"park": ["region"], "grid": ["region"]}
    columns = [
        imports.ImportColumn("code"),
        imports.ImportColumn("name"),
        imports.ImportColumn("kind"),
        imports.ImportColumn("address"),
        imports.ImportColumn("region", header="所在社区代码"),
        imports.ImportColumn("grid", header="所在网格编码"),
        imports.ImportColumn("park", header="所在园区编码"),
        imports.ImportColumn("latitude"),
        imports.ImportColumn("longitude"),
        imports.ImportColumn("floors"),
        imports.ImportColumn("basement_floors"),
        imports.ImportColumn("gross_floor_area"),
        imports.ImportColumn("property_manager"),
        imports.ImportColumn("contact_phone"),
        imports.ImportColumn("note"),
    ]


@imports.register
class ServiceSiteImport(imports.ImportSpec):
    model = ServiceSite
    related_select = {"building": ["region"]}
    columns = [
        imports.ImportColumn("code"),
        imports.ImportColumn("name"),
        imports.ImportColumn("kind"),
        imports.ImportColumn("region", header="所在区划代码"),
        imports.ImportColumn("building", header="所在楼宇编码"),
        imports.ImportColumn("address"),
        imports.ImportColumn("opening_hours"),
        imports.ImportColumn("full_time_workers"),
        imports.ImportColumn("contact_phone"),
        imports.ImportColumn("opened_on"),
        imports.ImportColumn("note"),
    ]


@imports.register
class EnterpriseImport(imports.ImportSpec):
    model = Enterprise
    related_select = {"building": ["region"]}
    derived_fields = {
        "name": ("name_grams",),
        "uscc_override_reason": ("uscc_override_by",),
    }
    columns = [
        imports.ImportColumn("uscc", parse=parse_uscc),
        imports.ImportColumn("uscc_override_reason"),
        imports.ImportColumn("name"),
        imports.ImportColumn("kind"),
        imports.ImportColumn("industry"),
        imports.ImportColumn("legal_representative"),
        imports.ImportColumn("employees"),
        imports.ImportColumn("registered_address"),
        imports.ImportColumn("operating_address"),
        imports.ImportColumn("region", header="所在区划代码"),
        imports.ImportColumn("building", header="所在楼宇编码"),
        imports.ImportColumn("floor"),
        imports.ImportColumn("room"),
        imports.ImportColumn("moved_in_on"),
        imports.ImportColumn("status"),
        imports.ImportColumn("status_on"),
        imports.ImportColumn("party_organization", header="所在党组织编码"),
        imports.ImportColumn("note"),
    ]

    def key_taken_message(self):
        # Registered where the importer may not change it: say no more than that.
        return _("该统一社会信用代码已登记。")

    def prepare(self, obj, values, user):
        obj.validating_user = user

    def before_write(self, objects):
        for obj in objects:
            obj.name_grams = name_grams(obj.name)

    def after_write(self, objects):
        """Close the tenancies of enterprises that moved (on their new move-in date, or
        their status date when they left, else today) and open the new ones."""
        ids = [obj.pk for obj in objects]
        if not ids:
            return
        current = {
            row[0]: row[1:]
            for row in Tenancy.objects.filter(
                enterprise_id__in=ids, moved_out_on__isnull=True
            ).values_list("enterprise_id", "building_id", "floor", "room", "moved_in_on")
        }
        by_day = defaultdict(list)
        for obj in objects:
            active = obj.status == Enterprise.Status.ACTIVE
            tenancy = current.get(obj.pk)
            if tenancy is None:
                if active and obj.building_id is not None:
                    by_day[None].append(obj.pk)
                continue
            *place, since = tenancy
            if active and tuple(place) == (obj.building_id, obj.floor, obj.room):
                continue
            day = None
            if not active:
                day = obj.status_on
            elif obj.moved_in_on and (since is None or obj.moved_in_on > since):
                day = obj.moved_in_on
            by_day[day].append(obj.pk)
        for day, pks in by_day.items():
            sync_tenancies(pks, moved_on=day)

    def run(self, content, filename, user, **kwargs):
        result = super().run(content, filename, user, **kwargs)
        if result.errors:
            self._classify(result.errors)
        return result

    def _classify(self, errors):
        """Mark the errors of rows whose code fails only its check character (and of their
        refused exceptions) as their own class, to be reviewed."""
        check_only = str(validators.USCC_CHECK_MESSAGE)
        uscc, reason = self._header("uscc"), self._header("uscc_override_reason")
        rows = {e.row for e in errors if e.column == uscc and e.message == check_only}
        rows |= {e.row for e in errors if e.column == reason}
        for error in errors:
            if error.row in rows and error.column in (uscc, reason):
                error.message = f"{USCC_REVIEW_PREFIX}{error.message}"
