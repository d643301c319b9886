"""Regional Party building (区域化党建): the three-level joint meetings (三级党建联席会议) and
their resident units (驻区单位), the three lists (需求清单/资源清单/项目清单), pairings
(结对共建) and industry Party committees (行业党总支).

Visibility reaches across administrative lines here, so several models give scoping a
``scope_filter(prefix, action)`` of their own (see ``portal.scoping.restrict``):

* a joint meeting is seen by users under its region *and* by users below it (a street sees
  the district's meeting; a community its street's and the district's); only users whose
  scope covers its region change it;
* a resident unit is seen where it sits *or* by whoever sees a meeting it belongs to, so a
  unit in two streets' meetings is one record both streets see; it is changed only by users
  whose scope covers its region;
* a pairing is seen and kept by the scope of either partner organisation;
* an industry committee is seen by the scope of its own organisation or of any member
  organisation, and changed by its own organisation's scope.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buildings.models import industry_choices
from portal import validators
from portal.models import Region, ScopedModel, audited, code_validator


def ancestor_paths(prefix):
    """The paths of the regions above the scope ``prefix`` (``/310104/310104003/`` ->
    ``["/310104/"]``)."""
    codes = prefix.strip("/").split("/")
    return ["/" + "/".join(codes[:i]) + "/" for i in range(1, len(codes))]


def meeting_q(prefix, action, via=""):
    """The joint meetings (reached through ``via``) a scope ``prefix`` may ``action``."""
    own = Q(**{f"{via}region__path__startswith": prefix})
    if action != "view":
        return own
    return own | Q(**{f"{via}region__path__in": ancestor_paths(prefix)})


def unit_q(prefix, action, via=""):
    """The resident units (reached through ``via``) a scope ``prefix`` may ``action``."""
    own = Q(**{f"{via}region__path__startswith": prefix})
    if action != "view":
        return own
    members = JointMeetingMembership.objects.filter(meeting_q(prefix, "view", "meeting__"))
    return own | Q(**{f"{via}pk__in": members.values("unit_id")})


def related_q(builder, via):
    """A child row's scope: its parent's (``via`` reaches the parent)."""

    @classmethod
    def scope_filter(cls, prefix, action):
        return builder(prefix, action, via)

    return scope_filter


# --- resident units and joint meetings ------------------------------------------------------


RESIDENT_UNIT_INPUT_FIELDS = (
    "code",
    "name",
    "kind",
    "enterprise",
    "region",
    "address",
    "contact_name",
    "contact_phone",
    "note",
)


@audited()
class ResidentUnit(ScopedModel):
    """A unit resident in the district (驻区单位): an enterprise of the register, or a unit of
    its own (institution, school, hospital, police station, government department ...)."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        GOVERNMENT = "government", _("机关")
        INSTITUTION = "institution", _("事业单位")
        SCHOOL = "school", _("学校")
        HOSPITAL = "hospital", _("医院")
        POLICE = "police", _("派出所")
        MILITARY = "military", _("驻区部队")
        SOCIAL = "social", _("社会组织")
        OTHER = "other", _("其他")

    code = models.CharField(
        _("单位代码"),
        max_length=32,
        unique=True,
        blank=True,
        help_text=_("有统一社会信用代码的填信用代码，否则填单位编码；关联企业时可留空。"),
    )
    name = models.CharField(
        _("单位名称"), max_length=200, blank=True, help_text=_("关联企业时可留空。")
    )
    kind = models.CharField(_("单位类型"), max_length=20, choices=Kind.choices)
    enterprise = models.OneToOneField(
        "buildings.Enterprise",
        verbose_name=_("对应企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_unit",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所在街道/社区"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    note = models.TextField(_("备注"), blank=True)

    autocomplete_fields = ("name", "code")
    scope_filter = related_q(unit_q, "")

    class Meta:
        verbose_name = _("驻区单位")
        verbose_name_plural = _("驻区单位")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @classmethod
    def normalize_natural_key(cls, value):
        return validators._compact(value).upper() if isinstance(value, str) else value

    def clean(self):
        super().clean()
        errors = {}
        self.code = self.normalize_natural_key(self.code or "")
        enterprise = self.enterprise if self.enterprise_id else None
        if enterprise is not None:
            if self.code and self.code != enterprise.uscc:
                errors["code"] = [_("关联企业的单位代码应为其统一社会信用代码。")]
            self.code = enterprise.uscc
            if not self.name:
                self.name = enterprise.name
        elif len(self.code) == 18:
            try:
                self.code = validators.normalize_uscc(self.code)
            except ValidationError as exc:
                errors["code"] = exc.messages
        elif self.code:
            try:
                code_validator(self.code)
            except ValidationError as exc:
                errors["code"] = exc.messages
        if not self.name:
            errors["name"] = [_("请填写单位名称。")]
        if not self.code and "code" not in errors:
            errors["code"] = [_("请填写统一社会信用代码或单位编码。")]
        if self.kind == self.Kind.ENTERPRISE and enterprise is None:
            errors["enterprise"] = [_("类型为企业时须关联企业法人库中的企业。")]
        if errors:
            raise ValidationError(errors)


JOINT_MEETING_INPUT_FIELDS = ("code", "name", "level", "region", "convener", "founded_on", "note")


@audited()
class JointMeeting(ScopedModel):
    """A Party-building joint meeting (党建联席会议) at district, street or community level."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("区级")
        STREET = "street", _("街道级")
        COMMUNITY = "community", _("社区级")

    #: The region level each meeting level sits at.
    REGION_LEVELS = {
        Level.DISTRICT: (Region.Level.DISTRICT,),
        Level.STREET: (Region.Level.STREET, Region.Level.TOWN, Region.Level.DEVELOPMENT_ZONE),
        Level.COMMUNITY: (Region.Level.COMMUNITY,),
    }

    code = models.CharField(_("编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=200)
    level = models.CharField(_("层级"), max_length=20, choices=Level.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    convener = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("召集党组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    units = models.ManyToManyField(
        ResidentUnit,
        through="JointMeetingMembership",
        related_name="meetings",
        verbose_name=_("成员单位"),
    )

    scope_filter = related_q(meeting_q, "")

    class Meta:
        verbose_name = _("党建联席会议")
        verbose_name_plural = _("党建联席会议")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        region = self.region if self.region_id else None
        if region is not None and self.level and region.level not in self.REGION_LEVELS[self.level]:
            raise ValidationError(
                {
                    "region": [
                        _("%(level)s联席会议应设在%(expected)s，不能设在“%(region)s”。")
                        % {
                            "level": self.get_level_display(),
                            "expected": "/".join(
                                str(Region.Level(v).label) for v in self.REGION_LEVELS[self.level]
                            ),
                            "region": region.name,
                        }
                    ]
                }
            )


@audited()
class JointMeetingMembership(ScopedModel):
    """A resident unit's seat in a joint meeting, with its representative."""

    meeting = models.ForeignKey(
        JointMeeting,
        verbose_name=_("联席会议"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        ResidentUnit,
        verbose_name=_("成员单位"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    representative = models.CharField(_("代表姓名"), max_length=50)
    representative_title = models.CharField(_("代表职务"), max_length=100, blank=True)
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    scope_path = "meeting__region__path"
    natural_key_field = None
    scope_filter = related_q(meeting_q, "meeting__")

    class Meta:
        verbose_name = _("联席会议成员单位")
        verbose_name_plural = _("联席会议成员单位")
        ordering = ["meeting", "joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "unit"],
                condition=Q(left_on__isnull=True),
                name="regional_membership_one_current",
                violation_error_message=_("该单位已是本联席会议的成员。"),
            )
        ]

    def __str__(self):
        return f"{self.meeting} · {self.unit}"

    def clean(self):
        super().clean()
        if self.left_on and self.joined_on and self.left_on < self.joined_on:
            raise ValidationError({"left_on": [_("退出日期不能早于加入日期。")]})


@audited()
class JointMeetingSession(ScopedModel):
    """One sitting of a joint meeting: agenda, minutes, attendance of member units."""

    meeting = models.ForeignKey(
        JointMeeting, verbose_name=_("联席会议"), on_delete=models.CASCADE, related_name="sessions"
    )
    held_on = models.DateField(_("召开日期"))
    title = models.CharField(_("会议主题"), max_length=200)
    agenda = models.TextField(_("议程"), blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)

    scope_path = "meeting__region__path"
    natural_key_field = None
    scope_filter = related_q(meeting_q, "meeting__")

    class Meta:
        verbose_name = _("联席会议会议")
        verbose_name_plural = _("联席会议会议")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.meeting} {self.held_on}"


@audited()
class SessionAttendance(ScopedModel):
    """Whether a member unit attended a session."""

    session = models.ForeignKey(
        JointMeetingSession,
        verbose_name=_("会议"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    unit = models.ForeignKey(
        ResidentUnit, verbose_name=_("成员单位"), on_delete=models.PROTECT, related_name="+"
    )
    present = models.BooleanField(_("出席"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    scope_path = "session__meeting__region__path"
    natural_key_field = None
    scope_filter = related_q(meeting_q, "session__meeting__")

    class Meta:
        verbose_name = _("会议出席")
        verbose_name_plural = _("会议出席")
        ordering = ["session", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "unit"],
                name="regional_attendance_unique",
                violation_error_message=_("该单位的出席情况已登记。"),
            )
        ]

    def __str__(self):
        return f"{self.session} · {self.unit}"

    def clean(self):
        super().clean()
        if not (self.session_id and self.unit_id):
            return
        members = JointMeetingMembership.objects.filter(
            meeting_id=self.session.meeting_id, unit_id=self.unit_id
        )
        if not members.exists():
            raise ValidationError({"unit": [_("该单位不是本联席会议的成员单位。")]})


# --- the three lists -------------------------------------------------------------------------


NEED_INPUT_FIELDS = ("title", "description", "category", "region", "source_unit", "raised_by")


@audited()
class Need(ScopedModel):
    """A need (需求清单): from a grid case, a resident unit or written down as told."""

    class Category(models.TextChoices):
        TRAFFIC = "traffic", _("交通出行")
        PARKING = "parking", _("停车")
        ELDERLY = "elderly", _("为老服务")
        YOUTH = "youth", _("青少年")
        ENVIRONMENT = "environment", _("环境治理")
        EMPLOYMENT = "employment", _("就业创业")
        CULTURE = "culture", _("文化活动")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待认领")
        MATCHED = "matched", _("已对接")
        RESOLVED = "resolved", _("已解决")
        CLOSED = "closed", _("已关闭")

    title = models.CharField(_("需求名称"), max_length=200)
    description = models.TextField(_("需求描述"), blank=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.OPEN, editable=False
    )
    source_case = models.OneToOneField(
        "grids.Case",
        verbose_name=_("来源网格案件"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="regional_need",
    )
    source_unit = models.ForeignKey(
        ResidentUnit,
        verbose_name=_("提出单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )
    raised_by = models.CharField(_("提出人"), max_length=100, blank=True)
    status_note = models.TextField(_("状态说明"), blank=True, editable=False)

    natural_key_field = None
    autocomplete_fields = ("title",)

    class Meta:
        verbose_name = _("需求")
        verbose_name_plural = _("需求清单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"], name="regional_need_status")]

    def __str__(self):
        return self.title


RESOURCE_INPUT_FIELDS = (
    "code",
    "name",
    "kind",
    "unit",
    "region",
    "quantity",
    "unit_of_measure",
    "available_from",
    "available_to",
    "description",
)


class ResourceQuerySet(models.QuerySet):
    def with_remaining(self):
        """Annotate ``allocated`` (sum of allocations) in one subquery per row set."""
        allocated = (
            ProjectAllocation.objects.filter(resource=models.OuterRef("pk"))
            .order_by()
            .values("resource")
            .annotate(total=models.Sum("quantity"))
            .values("total")
        )
        return self.annotate(
            allocated_total=models.functions.Coalesce(
                models.Subquery(allocated), Decimal("0"), output_field=models.DecimalField()
            )
        )


@audited()
class Resource(ScopedModel):
    """A resource (资源清单) a member unit offers: a venue, volunteers, funds, parking places,
    expertise. Its remaining quantity is ``quantity`` less what projects were allocated."""

    class Kind(models.TextChoices):
        VENUE = "venue", _("场地")
        VOLUNTEERS = "volunteers", _("志愿者")
        FUNDS = "funds", _("资金")
        PARKING = "parking", _("停车位")
        EXPERTISE = "expertise", _("专业服务")
        OTHER = "other", _("其他")

    code = models.CharField(_("资源编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("资源名称"), max_length=200)
    kind = models.CharField(_("资源类型"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        ResidentUnit, verbose_name=_("提供单位"), on_delete=models.PROTECT, related_name="resources"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(
        _("数量"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit_of_measure = models.CharField(_("计量单位"), max_length=20)
    available_from = models.DateField(_("可用起始日"), null=True, blank=True)
    available_to = models.DateField(_("可用截止日"), null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("资源")
        verbose_name_plural = _("资源清单")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_quantity = instance.__dict__.get("quantity")
        return instance

    @property
    def allocated(self):
        if hasattr(self, "allocated_total"):
            return self.allocated_total
        if self.pk is None:
            return Decimal("0")
        total = self.allocations.aggregate(total=models.Sum("quantity"))["total"]
        return total or Decimal("0")

    @property
    def remaining(self):
        return self.quantity - self.allocated

    def clean(self):
        super().clean()
        errors = {}
        if self.available_from and self.available_to and self.available_to < self.available_from:
            errors["available_to"] = [_("可用截止日不能早于起始日。")]
        stored = getattr(self, "_stored_quantity", None)
        if self.pk and stored is not None and self.quantity is not None and self.quantity < stored:
            allocated = Resource.objects.get(pk=self.pk).allocated
            if self.quantity < allocated:
                errors["quantity"] = [
                    _("数量不能少于已分配给项目的 %(allocated)s。") % {"allocated": allocated}
                ]
        if errors:
            raise ValidationError(errors)


PROJECT_INPUT_FIELDS = (
    "name",
    "region",
    "owner_organization",
    "owner_person",
    "needs",
    "start_on",
    "end_on",
    "progress_manual",
    "description",
)


@audited()
class Project(ScopedModel):
    """A project (项目清单) that answers needs with resources.

    Progress is ``progress_manual`` when set, else the share of milestones done (0 without
    milestones). Status changes through ``regional.services``."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        IN_PROGRESS = "in_progress", _("推进中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    name = models.CharField(_("项目名称"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    owner_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("牵头党组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_person = models.CharField(_("负责人"), max_length=50)
    needs = models.ManyToManyField(
        Need, verbose_name=_("对应需求"), blank=True, related_name="projects"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PLANNED, editable=False
    )
    start_on = models.DateField(_("开始日期"), null=True, blank=True)
    end_on = models.DateField(_("结束日期"), null=True, blank=True)
    progress_manual = models.PositiveSmallIntegerField(
        _("手工进度（%）"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("留空则按已完成节点占比计算。"),
    )
    description = models.TextField(_("项目说明"), blank=True)
    closing_note = models.TextField(_("结项说明"), blank=True, editable=False)

    natural_key_field = None
    autocomplete_fields = ("name",)

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目清单")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    @property
    def progress(self):
        if self.progress_manual is not None:
            return self.progress_manual
        if hasattr(self, "milestones_total"):
            total, done = self.milestones_total, self.milestones_done
        else:
            total = self.milestones.count()
            done = self.milestones.filter(done_on__isnull=False).count()
        return round(100 * done / total) if total else 0

    def clean(self):
        super().clean()
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": [_("结束日期不能早于开始日期。")]})


@audited()
class ProjectAllocation(ScopedModel):
    """A quantity of a resource given to a project (written by ``services.allocate``)."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="allocations"
    )
    resource = models.ForeignKey(
        Resource, verbose_name=_("资源"), on_delete=models.PROTECT, related_name="allocations"
    )
    quantity = models.DecimalField(
        _("数量"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分配人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_path = "project__region__path"
    natural_key_field = None

    class Meta:
        verbose_name = _("资源分配")
        verbose_name_plural = _("资源分配")
        ordering = ["id"]

    def __str__(self):
        return f"{self.project} · {self.resource} × {self.quantity}"


@audited()
class Milestone(ScopedModel):
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("节点名称"), max_length=200)
    due_on = models.DateField(_("计划完成日期"), null=True, blank=True)
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True, editable=False)
    note = models.TextField(_("备注"), blank=True)

    scope_path = "project__region__path"
    natural_key_field = None

    class Meta:
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        ordering = ["due_on", "id"]

    def __str__(self):
        return self.title


@audited()
class ProjectUpdate(ScopedModel):
    """One entry of a project's public progress timeline (like Decidim accountability)."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="updates"
    )
    date = models.DateField(_("日期"))
    text = models.TextField(_("进展"))
    progress = models.PositiveSmallIntegerField(
        _("进度（%）"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )

    scope_path = "project__region__path"
    natural_key_field = None

    class Meta:
        verbose_name = _("项目进展")
        verbose_name_plural = _("项目进展")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.project} {self.date}"


# --- pairings --------------------------------------------------------------------------------


def pairing_q(prefix, action, via=""):
    return Q(**{f"{via}organization__region__path__startswith": prefix}) | Q(
        **{f"{via}partner__region__path__startswith": prefix}
    )


PAIRING_INPUT_FIELDS = (
    "organization",
    "partner",
    "started_on",
    "ended_on",
    "goals",
    "status",
)


@audited()
class Pairing(ScopedModel):
    """A pairing (结对共建) of two organisations: typically a government, institution or
    state-owned enterprise's organisation with a non-public enterprise's or social
    organisation's."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("进行中")
        SUSPENDED = "suspended", _("暂停")
        ENDED = "ended", _("已结束")

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("结对党组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    partner = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("被结对党组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_on = models.DateField(_("协议开始日期"))
    ended_on = models.DateField(_("协议结束日期"), null=True, blank=True)
    goals = models.TextField(_("共建目标"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )

    scope_path = "partner__region__path"
    natural_key_field = None
    scope_filter = related_q(pairing_q, "")

    class Meta:
        verbose_name = _("结对共建")
        verbose_name_plural = _("结对共建")
        ordering = ["-started_on", "-id"]

    def __str__(self):
        return f"{self.organization} — {self.partner}"

    def clean(self):
        super().clean()
        errors = {}
        if self.organization_id and self.organization_id == self.partner_id:
            errors["partner"] = [_("不能与自身结对。")]
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            errors["ended_on"] = [_("协议结束日期不能早于开始日期。")]
        if errors:
            raise ValidationError(errors)


@audited()
class PairingActivity(ScopedModel):
    pairing = models.ForeignKey(
        Pairing, verbose_name=_("结对"), on_delete=models.CASCADE, related_name="activities"
    )
    held_on = models.DateField(_("日期"))
    title = models.CharField(_("活动名称"), max_length=200)
    participants = models.PositiveIntegerField(_("参与人数"), default=0)
    note = models.TextField(_("备注"), blank=True)

    scope_path = "pairing__partner__region__path"
    natural_key_field = None
    scope_filter = related_q(pairing_q, "pairing__")

    class Meta:
        verbose_name = _("共建活动")
        verbose_name_plural = _("共建活动")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title


@audited()
class PairingEvaluation(ScopedModel):
    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        GOOD = "good", _("良好")
        FAIR = "fair", _("一般")
        POOR = "poor", _("较差")

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("结对"), on_delete=models.CASCADE, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    rating = models.CharField(_("评价等次"), max_length=20, choices=Rating.choices)
    comment = models.TextField(_("评语"), blank=True)

    scope_path = "pairing__partner__region__path"
    natural_key_field = None
    scope_filter = related_q(pairing_q, "pairing__")

    class Meta:
        verbose_name = _("年度评价")
        verbose_name_plural = _("年度评价")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "year"],
                name="regional_pairing_evaluation_year",
                violation_error_message=_("该结对本年度已有评价。"),
            )
        ]

    def __str__(self):
        return f"{self.pairing} {self.year}"


# --- industry Party committees ---------------------------------------------------------------


def committee_q(prefix, action, via=""):
    own = Q(**{f"{via}organization__region__path__startswith": prefix})
    if action != "view":
        return own
    members = IndustryCommitteeMember.objects.filter(organization__region__path__startswith=prefix)
    return own | Q(**{f"{via}pk__in": members.values("committee_id")})


INDUSTRY_COMMITTEE_INPUT_FIELDS = ("code", "name", "industry", "organization", "note")


@audited()
class IndustryCommittee(ScopedModel):
    """An industry Party committee (行业党总支/党委) linking member enterprises' organisations
    across streets (trade, logistics, manufacturing, research, finance ...)."""

    code = models.CharField(_("编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=200)
    industry = models.CharField(_("行业门类"), max_length=1, choices=industry_choices)
    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("行业党组织"),
        on_delete=models.PROTECT,
        related_name="industry_committee",
    )
    members = models.ManyToManyField(
        "organizations.Organization",
        through="IndustryCommitteeMember",
        related_name="industry_committees",
        verbose_name=_("成员党组织"),
    )
    note = models.TextField(_("备注"), blank=True)

    scope_path = "organization__region__path"
    scope_filter = related_q(committee_q, "")

    class Meta:
        verbose_name = _("行业党委")
        verbose_name_plural = _("行业党委")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        from organizations.models import Organization

        super().clean()
        org = self.organization if self.organization_id else None
        kinds = (Organization.Kind.GENERAL_BRANCH, Organization.Kind.COMMITTEE)
        if org is not None and org.kind not in kinds:
            raise ValidationError({"organization": [_("行业党组织应为党总支或党委。")]})


@audited()
class IndustryCommitteeMember(ScopedModel):
    committee = models.ForeignKey(
        IndustryCommittee,
        verbose_name=_("行业党委"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("成员党组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    joined_on = models.DateField(_("加入日期"))

    scope_path = "organization__region__path"
    natural_key_field = None

    class Meta:
        verbose_name = _("行业党委成员")
        verbose_name_plural = _("行业党委成员")
        ordering = ["committee", "joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "organization"],
                name="regional_industry_member_unique",
                violation_error_message=_("该党组织已是本行业党委的成员。"),
            )
        ]

    def __str__(self):
        return f"{self.committee} · {self.organization}"


INDUSTRY_ISSUE_INPUT_FIELDS = (
    "committee",
    "title",
    "raised_on",
    "raised_by",
    "status",
    "resolved_on",
    "resolution",
)


@audited()
class IndustryIssue(ScopedModel):
    """A problem raised in an industry committee (问题清单), seen by the scope of the
    organisation that raised it."""

    class Status(models.TextChoices):
        RAISED = "raised", _("已提出")
        IN_PROGRESS = "in_progress", _("办理中")
        RESOLVED = "resolved", _("已解决")

    committee = models.ForeignKey(
        IndustryCommittee,
        verbose_name=_("行业党委"),
        on_delete=models.CASCADE,
        related_name="issues",
    )
    title = models.CharField(_("问题"), max_length=200)
    raised_on = models.DateField(_("提出日期"))
    raised_by = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("提出党组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RAISED
    )
    resolved_on = models.DateField(_("解决日期"), null=True, blank=True)
    resolution = models.TextField(_("解决情况"), blank=True)

    scope_path = "raised_by__region__path"
    natural_key_field = None
    autocomplete_fields = ("title",)

    class Meta:
        verbose_name = _("行业问题")
        verbose_name_plural = _("行业问题清单")
        ordering = ["-raised_on", "-id"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        errors = {}
        if self.status == self.Status.RESOLVED and not self.resolved_on:
            errors["resolved_on"] = [_("问题已解决时须填写解决日期。")]
        if self.resolved_on and self.raised_on and self.resolved_on < self.raised_on:
            errors["resolved_on"] = [_("解决日期不能早于提出日期。")]
        if errors:
            raise ValidationError(errors)
