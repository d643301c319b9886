from organizations.models import Organization
from portal import imports


@imports.register
class OrganizationImport(imports.ImportSpec):
    model = Organization
    related_select = {"parent": ["region"]}
    columns = [
        imports.ImportColumn("code"),
        imports.ImportColumn("name"),
        imports.ImportColumn("kind"),
        imports.ImportColumn("sector"),
        imports.ImportColumn("parent", header="上级组织编码"),
        imports.ImportColumn("region", header="区划代码"),
        imports.ImportColumn("building", header="所在楼宇编码"),
        imports.ImportColumn("short_name"),
        imports.ImportColumn("founded_on"),
        imports.ImportColumn("dissolved_on"),
        imports.ImportColumn("term_number"),
        imports.ImportColumn("term_started_on"),
        imports.ImportColumn("term_end"),
        imports.ImportColumn("contact_phone"),
        imports.ImportColumn("address"),
    ]
