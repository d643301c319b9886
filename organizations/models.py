"""The Party organisation tree (党组织) and its leadership positions (领导职务)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Region, ScopedModel, TreeNode, audited, code_validator


class OrganizationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(dissolved_on__isnull=True)

    def term_due(self, days=90):
        """Organisations whose term ends within ``days`` (or has ended): 换届 reminders."""
        horizon = timezone.localdate() + timedelta(days=days)
        return self.active().filter(term_end__isnull=False, term_end__lte=horizon)


@audited()
class Organization(TreeNode, ScopedModel):
    """A Party organisation: 区委 > 街道党工委 > 居民区党总支 / 综合党委 > 党支部 > 党小组."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("党委")
        WORKING_COMMITTEE = "working_committee", _("党工委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")
        JOINT_BRANCH = "joint_branch", _("联合党支部")
        TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")
        GROUP = "group", _("党小组")

    class Sector(models.TextChoices):
        GOVERNMENT = "government", _("机关")
        PUBLIC_INSTITUTION = "public_institution", _("事业单位")
        STATE_ENTERPRISE = "state_enterprise", _("国有企业")
        PRIVATE_ENTERPRISE = "private_enterprise", _("非公企业")
        SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
        COMMUNITY = "community", _("居民区")
        VILLAGE = "village", _("村")
        BUILDING = "building", _("楼宇")
        PARK = "park", _("园区")
        OTHER = "other", _("其他")

    BRANCH_KINDS = (Kind.BRANCH, Kind.JOINT_BRANCH, Kind.TEMPORARY_BRANCH)

    code = models.CharField(_("组织编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("组织名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=100, blank=True)
    kind = models.CharField(_("组织类别"), max_length=20, choices=Kind.choices)
    sector = models.CharField(_("所属领域"), max_length=30, choices=Sector.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    building = models.ForeignKey(
        "buildings.Building",
        verbose_name=_("所在楼宇"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organizations",
        help_text=_("建在楼宇上的党组织（楼宇党委、楼宇联合党支部等）。"),
    )
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    term_number = models.PositiveSmallIntegerField(_("届次"), null=True, blank=True)
    term_started_on = models.DateField(_("本届开始"), null=True, blank=True)
    term_end = models.DateField(_("届满日期"), null=True, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    note = models.TextField(_("备注"), blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta(TreeNode.Meta):
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        indexes = [
            *TreeNode.Meta.indexes,
            models.Index(fields=["region", "kind"], name="org_region_kind"),
            models.Index(fields=["term_end"], name="org_term_end"),
            models.Index(fields=["name", "id"], name="org_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_dissolved(self):
        return self.dissolved_on is not None

    @property
    def term_due(self):
        if self.is_dissolved or not self.term_end:
            return False
        return self.term_end <= timezone.localdate() + timedelta(days=90)

    def clean(self):
        super().clean()
        errors = {}
        if self.founded_on and self.dissolved_on and self.dissolved_on < self.founded_on:
            errors["dissolved_on"] = _("撤销日期不能早于成立日期。")
        if self.term_started_on and self.term_end and self.term_end <= self.term_started_on:
            errors["term_end"] = _("届满日期应晚于本届开始日期。")
        parent = self.parent
        if self.kind == self.Kind.GROUP and (
            parent is None or parent.kind not in self.BRANCH_KINDS
        ):
            errors["parent"] = _("党小组只能设在党支部（含联合党支部、临时党支部）之下。")
        elif parent is not None:
            if parent.kind == self.Kind.GROUP:
                errors["parent"] = _("党小组之下不能再设组织。")
            elif parent.is_dissolved and (self._state.adding or self.parent_changed()):
                errors["parent"] = _("上级组织“%(name)s”已撤销，不能新增下级。") % {
                    "name": parent.name
                }
        if not self._state.adding and self.kind != getattr(self, "_stored_kind", self.kind):
            errors.update(self._children_errors())
        region = self.region if self.region_id else None
        if (
            parent is not None
            and region is not None
            and parent.region_id
            and not region.path.startswith(parent.region.path)
        ):
            errors["region"] = _("所在区划应在上级组织的区划“%(region)s”范围内。") % {
                "region": parent.region.name
            }
        if errors:
            raise ValidationError(errors)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_kind = instance.__dict__.get("kind")
        return instance

    def _children_errors(self):
        """A kind change must keep the existing children valid: groups stay under a branch,
        and a group has no children at all."""
        children = Organization.objects.filter(parent_id=self.pk)
        if self.kind == self.Kind.GROUP and children.exists():
            return {"kind": _("该组织已有下级，不能改为党小组。")}
        if self.kind not in self.BRANCH_KINDS and children.filter(kind=self.Kind.GROUP).exists():
            return {"kind": _("该组织下设有党小组，只能是党支部（含联合党支部、临时党支部）。")}
        return {}

    def parent_changed(self):
        # Compare the parent's code, not its path: the parent may itself be moving (an
        # import moves a parent with its children).
        stored = getattr(self, "_stored_path", None)
        return stored is not None and stored.strip("/").split("/")[-2:-1] != [self.parent.code]


@audited()
class LeadershipPosition(ScopedModel):
    """A post in an organisation's leadership (书记, 副书记, 委员 ...) held for a period.

    The holder is a name, linked to the member registry when the holder is in it.
    """

    class Title(models.TextChoices):
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        ORGANIZATION_MEMBER = "organization_member", _("组织委员")
        PUBLICITY_MEMBER = "publicity_member", _("宣传委员")
        DISCIPLINE_MEMBER = "discipline_member", _("纪检委员")
        YOUTH_MEMBER = "youth_member", _("青年委员")
        MEMBER = "member", _("委员")
        GROUP_LEADER = "group_leader", _("党小组组长")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所在组织"),
        on_delete=models.CASCADE,
        related_name="positions",
    )
    title = models.CharField(_("职务"), max_length=30, choices=Title.choices)
    holder_name = models.CharField(_("任职人姓名"), max_length=50)
    # The holder in the member registry, when they are a member of it (string FK: members
    # sits above organizations). The name stays: it is what the record says.
    holder = models.ForeignKey(
        "members.Member",
        verbose_name=_("任职党员"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="positions",
    )
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("免职日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_path = "organization__region__path"
    natural_key_field = None
    autocomplete_fields = ("holder_name", "organization__name")

    class Meta:
        verbose_name = _("领导职务")
        verbose_name_plural = _("领导职务")
        ordering = ["organization__path", "title", "-started_on"]
        indexes = [models.Index(fields=["organization", "ended_on"], name="position_org_current")]

    def __str__(self):
        return f"{self.organization} {self.get_title_display()} {self.holder_name}"

    @property
    def is_current(self):
        return self.ended_on is None or self.ended_on >= timezone.localdate()

    def clean(self):
        super().clean()
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("免职日期不能早于任职日期。")})
        if (
            self.organization_id
            and self.title == self.Title.GROUP_LEADER
            and self.organization.kind != Organization.Kind.GROUP
        ):
            raise ValidationError({"title": _("党小组组长只能设在党小组。")})
