"""Import specs of resident units (by unit code: a USCC or a unit code of its own) and
resources (by resource code), with Chinese headers; relations by natural key (region code,
enterprise USCC, resident unit code)."""

from portal import imports, validators
from regional.models import ResidentUnit, Resource


def parse_unit_code(text):
    """An 18-character code is a USCC and must pass GB 32100; others are unit codes."""
    code = validators._compact(text).upper()
    return validators.normalize_uscc(code) if len(code) == 18 else code


@imports.register
class ResidentUnitImport(imports.ImportSpec):
    model = ResidentUnit
    columns = [
        imports.ImportColumn("code", parse=parse_unit_code),
        imports.ImportColumn("name"),
        imports.ImportColumn("kind"),
        imports.ImportColumn("enterprise", header="对应企业信用代码"),
        imports.ImportColumn("region", header="所在区划代码"),
        imports.ImportColumn("address"),
        imports.ImportColumn("contact_name"),
        imports.ImportColumn("contact_phone"),
        imports.ImportColumn("note"),
    ]


@imports.register
class ResourceImport(imports.ImportSpec):
    model = Resource
    related_select = {"unit": ["region"]}
    columns = [
        imports.ImportColumn("code"),
        imports.ImportColumn("name"),
        imports.ImportColumn("kind"),
        imports.ImportColumn("unit", header="提供单位代码"),
        imports.ImportColumn("region", header="所在区划代码"),
        imports.ImportColumn("quantity"),
        imports.ImportColumn("unit_of_measure"),
        imports.ImportColumn("available_from"),
        imports.ImportColumn("available_to"),
        imports.ImportColumn("description"),
    ]
