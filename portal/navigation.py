"""The navigation of the four databases, and what the sections still to come will hold."""

from django.utils.translation import gettext_lazy as _

COMING_SECTIONS = {
    "enterprises": {
        "title": _("企业法人库"),
        "database": _("企业法人数据库"),
        "text": _(
            "企业与社会组织：统一社会信用代码校验、行业（GB/T 4754）、从业人员、所在楼宇与楼层，"
            "以及其中的党员人数、是否建立党组织（组织覆盖、工作覆盖）。"
        ),
    },
    "buildings": {
        "title": _("楼宇园区库"),
        "database": _("楼宇园区数据库"),
        "text": _("商务楼宇、产业园区与党建服务站点（金领驿站），楼宇入驻企业与“支部建在楼上”。"),
    },
    "grids": {
        "title": _("城市网格库"),
        "database": _("城市网格数据库"),
        "text": _(
            "网格（服务区块）边界地图、网格长与网格员；需求和问题在网格发现、资源在网格整合、"
            "问题在网格解决：工单流转、微心愿、电子走访。"
        ),
    },
    "regional": {
        "title": _("区域化党建"),
        "database": _("区域化党建"),
        "text": _("三级党建联席会议、驻区单位、需求清单/资源清单/项目清单、结对共建。"),
    },
}
