"""City grids (网格/服务区块) and the work done in them: cases (需求/问题), micro-wishes
(微心愿) and visits (电子走访).

"需求在网格发现、资源在网格整合、问题在网格解决". Workflow states change only through
``grids.services`` (DESIGN.md 3): each transition checks who may do it, writes a timeline
event and sets the next deadline. Models here hold data and invariants, not transitions.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal import geo
from portal.models import Region, ScopedModel, TimestampedModel, audited, code_validator


@audited()
class Grid(ScopedModel):
    """A grid block of a community, with its boundary, people and workers."""

    code = models.CharField(_("网格编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("网格名称"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="grids"
    )
    boundary = models.JSONField(
        _("边界"), null=True, blank=True, help_text=_("GeoJSON Polygon 或 MultiPolygon（WGS-84）。")
    )
    # Kept from the boundary on save, for map queries by bounding box and label points.
    min_lng = models.FloatField(null=True, editable=False)
    min_lat = models.FloatField(null=True, editable=False)
    max_lng = models.FloatField(null=True, editable=False)
    max_lat = models.FloatField(null=True, editable=False)
    center_lng = models.FloatField(null=True, editable=False)
    center_lat = models.FloatField(null=True, editable=False)
    households = models.PositiveIntegerField(_("户数"), default=0)
    population = models.PositiveIntegerField(_("人口"), default=0)
    leader = models.ForeignKey(
        "members.Member",
        verbose_name=_("网格长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_grids",
    )
    workers = models.ManyToManyField(
        "members.Member", verbose_name=_("网格员"), blank=True, related_name="worker_grids"
    )
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        constraints = [
            # A member leads at most one grid.
            models.UniqueConstraint(
                fields=["leader"], condition=models.Q(leader__isnull=False), name="grid_one_leader"
            )
        ]
        indexes = [models.Index(fields=["region", "code"], name="grid_region_code")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        region = self.region if self.region_id else None
        if region is not None and region.level != Region.Level.COMMUNITY:
            errors["region"] = [_("网格应划在居民区/村之下。")]
        if self.boundary not in (None, "", {}):
            try:
                self.boundary = geo.validate_polygon(self.boundary)
            except ValidationError as exc:
                errors["boundary"] = exc.messages
        else:
            self.boundary = None
        if self.leader_id:
            taken = Grid.objects.filter(leader_id=self.leader_id).exclude(pk=self.pk).first()
            if taken is not None:
                errors["leader"] = [_("该党员已是“%(grid)s”的网格长。") % {"grid": taken.name}]
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.boundary:
            self.min_lng, self.min_lat, self.max_lng, self.max_lat = geo.bounds(self.boundary)
            self.center_lng, self.center_lat = geo.centroid(self.boundary)
        else:
            self.min_lng = self.min_lat = self.max_lng = self.max_lat = None
            self.center_lng = self.center_lat = None
        super().save(*args, **kwargs)


@audited()
class CaseCategory(TimestampedModel):
    """A kind of need or problem, with its deadlines per stage (configurable by the district).

    Also the Open311 service list: ``code`` is the service_code."""

    code = models.CharField(_("类别编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("类别名称"), max_length=100)
    group = models.CharField(_("分组"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    accept_hours = models.PositiveIntegerField(_("受理时限（小时）"), default=24)
    dispatch_hours = models.PositiveIntegerField(_("派单时限（小时）"), default=24)
    resolve_hours = models.PositiveIntegerField(_("办结时限（小时）"), default=120)
    verify_hours = models.PositiveIntegerField(_("核实时限（小时）"), default=48)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("需求/问题类别")
        verbose_name_plural = _("需求/问题类别")
        ordering = ["code"]

    def __str__(self):
        return self.name


@audited()
class Case(ScopedModel):
    """A need or problem found in a grid (需求/问题), followed until it is closed."""

    class State(models.TextChoices):
        REPORTED = "reported", _("已上报")
        ACCEPTED = "accepted", _("已受理")
        REJECTED = "rejected", _("不予受理")
        DISPATCHED = "dispatched", _("已派单")
        IN_PROGRESS = "in_progress", _("办理中")
        RESOLVED = "resolved", _("已办结")
        VERIFIED = "verified", _("已核实")
        CLOSED = "closed", _("已关闭")

    class Level(models.TextChoices):
        COMMUNITY = "community", _("社区")
        STREET = "street", _("街道")
        DISTRICT = "district", _("区")

    class Source(models.TextChoices):
        UI = "ui", _("网格员上报")
        MEMBER = "member", _("党员反映")
        API = "api", _("系统对接")
        OPEN311 = "open311", _("Open311")
        VISIT = "visit", _("走访发现")

    OPEN_STATES = (
        State.REPORTED,
        State.ACCEPTED,
        State.DISPATCHED,
        State.IN_PROGRESS,
        State.RESOLVED,
        State.VERIFIED,
    )

    number = models.CharField(_("编号"), max_length=32, unique=True, editable=False)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"))
    category = models.ForeignKey(
        CaseCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="cases"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("所在网格"), on_delete=models.PROTECT, related_name="cases"
    )
    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("所在楼宇"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.UI)
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("反映党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.REPORTED, editable=False
    )
    level = models.CharField(
        _("处理层级"),
        max_length=20,
        choices=Level.choices,
        default=Level.COMMUNITY,
        editable=False,
    )
    assignee_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("承办党组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        editable=False,
    )
    assignee_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("承办党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        editable=False,
    )
    assignee_unit = models.CharField(_("承办驻区单位"), max_length=200, blank=True, editable=False)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    due_at = models.DateTimeField(_("本环节时限"), null=True, blank=True, editable=False)
    overdue = models.BooleanField(_("已超时"), default=False, editable=False)
    reported_at = models.DateTimeField(_("上报时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True, editable=False)

    scope_path = "grid__region__path"
    natural_key_field = "number"
    autocomplete_fields = ("title", "number")

    class Meta:
        verbose_name = _("需求/问题")
        verbose_name_plural = _("需求/问题")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["grid", "state"], name="case_grid_state"),
            models.Index(fields=["state", "due_at"], name="case_state_due"),
            models.Index(
                fields=["due_at"],
                name="case_overdue",
                condition=models.Q(overdue=True),
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES

    def clean(self):
        super().clean()
        errors = {}
        if (self.latitude is None) != (self.longitude is None):
            errors["latitude"] = [_("经度和纬度应同时填写。")]
        building = self.building if self.building_id else None
        grid = self.grid if self.grid_id else None
        if building is not None and grid is not None and building.region_id != grid.region_id:
            errors["building"] = [_("所选楼宇不在该网格所在社区。")]
        if errors:
            raise ValidationError(errors)


class CaseStep(models.Model):
    """One step of a case's timeline: who did what, when, with which note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=30)
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)
    due_at = models.DateTimeField(_("下一环节时限"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    scope_path = "case__grid__region__path"

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.case_id} {self.action}"


def case_photo_path(instance, filename):
    return f"cases/{instance.case_id}/{filename}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to=case_photo_path)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "case__grid__region__path"

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")

    def __str__(self):
        return self.image.name


@audited()
class Wish(ScopedModel):
    """A micro-wish (微心愿) of a resident, claimed and fulfilled by a member or a unit."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        PUBLISHED = "published", _("已发布")
        REJECTED = "rejected", _("未通过")
        CLAIMED = "claimed", _("已认领")
        FULFILLED = "fulfilled", _("已实现")
        CONFIRMED = "confirmed", _("已确认")
        WITHDRAWN = "withdrawn", _("已撤回")

    number = models.CharField(_("编号"), max_length=32, unique=True, editable=False)
    grid = models.ForeignKey(
        Grid, verbose_name=_("所在网格"), on_delete=models.PROTECT, related_name="wishes"
    )
    title = models.CharField(_("心愿"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    beneficiary_name = models.CharField(_("心愿人"), max_length=50)
    beneficiary_contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    submitted_by_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("提交党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submitted_wishes",
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED, editable=False
    )
    claimed_by_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("认领党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_wishes",
        editable=False,
    )
    claimed_by_unit = models.CharField(_("认领单位"), max_length=200, blank=True, editable=False)
    claimed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True, editable=False)
    claim_expires_at = models.DateTimeField(
        _("认领有效期至"), null=True, blank=True, editable=False
    )
    fulfilled_at = models.DateTimeField(_("实现时间"), null=True, blank=True, editable=False)
    proof_note = models.TextField(_("实现情况"), blank=True, editable=False)
    proof_photo = models.FileField(_("实现照片"), upload_to="wishes/", blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True, editable=False)

    scope_path = "grid__region__path"
    natural_key_field = "number"
    autocomplete_fields = ("title", "number")

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-id"]
        indexes = [models.Index(fields=["grid", "state"], name="wish_grid_state")]

    def __str__(self):
        return self.title

    @property
    def beneficiary_masked(self):
        """The resident's name as the public board shows it: 张*, 欧阳** ..."""
        name = self.beneficiary_name or ""
        return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


class WishStep(models.Model):
    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=30)
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    scope_path = "wish__grid__region__path"

    class Meta:
        verbose_name = _("心愿记录")
        verbose_name_plural = _("心愿记录")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.wish_id} {self.action}"


@audited()
class Visit(ScopedModel):
    """An e-visit (电子走访): who visited which household, enterprise or building, when."""

    class Target(models.TextChoices):
        HOUSEHOLD = "household", _("居民户")
        ENTERPRISE = "enterprise", _("企业/社会组织")
        BUILDING = "building", _("楼宇")

    grid = models.ForeignKey(
        Grid, verbose_name=_("所在网格"), on_delete=models.PROTECT, related_name="visits"
    )
    visitor_member = models.ForeignKey(
        "members.Member",
        verbose_name=_("走访党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    visitor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    target = models.CharField(_("走访对象"), max_length=20, choices=Target.choices)
    household = models.CharField(
        _("居民户（门牌）"), max_length=200, blank=True, help_text=_("如：XX路100弄3号502室")
    )
    enterprise = models.ForeignKey(
        "buildings.Enterprise",
        verbose_name=_("企业/社会组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("楼宇"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    visited_on = models.DateField(_("走访日期"))
    notes = models.TextField(_("走访情况"), blank=True)
    needs_found = models.TextField(_("发现的需求"), blank=True)
    case = models.ForeignKey(
        Case,
        verbose_name=_("转立工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
        editable=False,
    )

    scope_path = "grid__region__path"
    autocomplete_fields = ("household",)

    class Meta:
        verbose_name = _("电子走访")
        verbose_name_plural = _("电子走访")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["grid", "visited_on"], name="visit_grid_day")]

    def __str__(self):
        return f"{self.get_target_display()} {self.visited_on}"

    def clean(self):
        super().clean()
        required = {
            self.Target.HOUSEHOLD: ("household", bool(self.household.strip())),
            self.Target.ENTERPRISE: ("enterprise", bool(self.enterprise_id)),
            self.Target.BUILDING: ("building", bool(self.building_id)),
        }
        if self.target in required:
            field, present = required[self.target]
            if not present:
                raise ValidationError({field: [_("请填写走访对象。")]})
