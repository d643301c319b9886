"""What the sections still to come will hold (the navigation bar in templates/base.html links
the databases that exist: 党员党组织信息库, 企业法人库, 楼宇园区库, 城市网格库)."""

from django.utils.translation import gettext_lazy as _

COMING_SECTIONS = {
    "regional": {
        "title": _("区域化党建"),
        "database": _("区域化党建"),
        "text": _("三级党建联席会议、驻区单位、需求清单/资源清单/项目清单、结对共建。"),
    },
}
