"""What the sections still to come will hold (the navigation bar in templates/base.html links
the databases that exist: 党员党组织信息库, 企业法人库, 楼宇园区库, 城市网格库)."""

COMING_SECTIONS = {}
