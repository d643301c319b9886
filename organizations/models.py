"""The Party organisation tree (党组织) and its leadership positions (领导职务)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import (
    Region,
    ScopedModel,
    TimestampedModel,
    TreeNode,
    audited,
    code_validator,
)


class OrganizationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(dissolved_on__isnull=True)

    def term_due(self, days=90):
        """Organisations whose term ends within ``days`` (or has ended): 换届 reminders."""
        horizon = timezone.localdate() + timedelta(days=days)
        return self.active().filter(term_end__isnull=False, term_end__lte=horizon)


#: The fields of the current term: set by elections once one is recorded.
TERM_FIELDS = ("term_number", "term_started_on", "term_end")


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
        errors.update(self._term_errors())
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
        # Only the term fields loaded (a deferred field was not read, so it cannot differ).
        instance._stored_term = {
            f: instance.__dict__[f] for f in TERM_FIELDS if f in instance.__dict__
        }
        return instance

    def _term_errors(self):
        """Once an election is recorded, the term is the elections' to change
        (``organizations.services.record_election``), not a form's, the API's or an import's."""
        stored = getattr(self, "_stored_term", None)
        if self._state.adding or not stored:
            return {}
        changed = [f for f, old in stored.items() if getattr(self, f) != old]
        if not changed or not self.elections.exists():
            return {}
        message = _("该组织已登记换届选举，届次和届期只能通过登记选举变更。")
        return dict.fromkeys(changed, message)

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


# --- terms and elections (换届选举) -------------------------------------------------------------
#
# Term lengths are rows of ``TermRule`` (district admins keep them); the thresholds of a valid
# election are data here (``ELECTION_RULES``), overridable in settings as ``ELECTION_RULES``.
# Both follow 《中国共产党基层组织选举工作条例》(2020); see docs/decisions.md.

ELECTION_RULES = {
    #: The meeting is valid when those present exceed this share of the eligible voters
    #: (超过应到会人数的五分之四), as (numerator, denominator).
    "quorum": (4, 5),
    #: A candidate is elected with approving votes exceeding this share of those present
    #: (超过实到会有选举权人数的一半).
    "majority": (1, 2),
    #: Secretaries one election may elect.
    "max_secretaries": 1,
}


def election_rule(name):
    return getattr(settings, "ELECTION_RULES", {}).get(name, ELECTION_RULES[name])


def add_years(day, years):
    """``day`` plus ``years`` calendar years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day, months):
    """``day`` plus ``months`` calendar months, clamped to the month's last day."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@audited()
class TermRule(TimestampedModel):
    """How long a term of an organisation kind lasts (任期). District-wide reference data:
    everyone reads it, district admins change it (roles.WITHHELD keeps streets out). A kind
    without a row has no term (党小组, 临时党支部) and holds no elections."""

    kind = models.CharField(
        _("组织类别"), max_length=20, choices=Organization.Kind.choices, unique=True
    )
    term_years = models.PositiveSmallIntegerField(
        _("每届任期（年）"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    natural_key_field = "kind"

    class Meta:
        verbose_name = _("任期规则")
        verbose_name_plural = _("任期规则")
        ordering = ["kind"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.term_years} 年"

    @classmethod
    def scope_filter(cls, prefix, action):
        # Not tied to a region: the roles' permissions decide who may change the table.
        return models.Q()

    def get_absolute_url(self):
        return reverse("organizations:term_status")

    #: The defaults (also written by migration 0005): 《中国共产党基层组织选举工作条例》(2020)
    #: art. 3. 党小组 and 临时党支部 have no term.
    DEFAULT_YEARS = {
        "committee": 5,
        "working_committee": 5,
        "general_branch": 3,
        "branch": 3,
        "joint_branch": 3,
    }
    DEFAULT_BASIS = "《中国共产党基层组织选举工作条例》（2020）第三条"

    @classmethod
    def ensure_defaults(cls):
        """Write the default rows that are missing (a flushed test database, a new site)."""
        for kind, years in cls.DEFAULT_YEARS.items():
            cls.objects.get_or_create(
                kind=kind, defaults={"term_years": years, "basis": cls.DEFAULT_BASIS}
            )

    @classmethod
    def years_for(cls, kind):
        return cls.objects.filter(kind=kind).values_list("term_years", flat=True).first()


#: The fields of an election shown on its page and in the API, in order; its form takes
#: them but the organisation (from the page) and the term number (``record_election``).
ELECTION_FIELDS = (
    "organization",
    "held_on",
    "kind",
    "term_number",
    "eligible_voters",
    "present",
    "ballots_issued",
    "ballots_returned",
    "valid_ballots",
    "approved_by",
    "approval_number",
    "approved_on",
    "note",
)


@audited()
class Election(ScopedModel):
    """A general election (换届选举) or a by-election (补选) of an organisation's leadership,
    with its figures and the higher organisation's approval (上级批复). Recorded only through
    ``organizations.services.record_election``, which also moves the term and the positions."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("换届选举")
        BY_ELECTION = "by_election", _("补选")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="elections",
    )
    held_on = models.DateField(_("选举日期"))
    kind = models.CharField(_("选举类型"), max_length=20, choices=Kind.choices)
    term_number = models.PositiveSmallIntegerField(
        _("届次"), null=True, blank=True, editable=False, help_text=_("换届选举产生的届次。")
    )
    eligible_voters = models.PositiveIntegerField(_("应到有选举权人数"))
    present = models.PositiveIntegerField(_("实到有选举权人数"))
    ballots_issued = models.PositiveIntegerField(_("发出选票"))
    ballots_returned = models.PositiveIntegerField(_("收回选票"))
    valid_ballots = models.PositiveIntegerField(_("有效选票"))
    approved_by = models.CharField(_("批复机关"), max_length=200, blank=True)
    approval_number = models.CharField(_("批复文号"), max_length=100, blank=True)
    approved_on = models.DateField(_("批复日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    scope_path = "organization__region__path"
    natural_key_field = None
    autocomplete_fields = ("organization__name",)

    class Meta:
        verbose_name = _("换届选举")
        verbose_name_plural = _("换届选举")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organization", "held_on"], name="election_org_held")]

    def __str__(self):
        return f"{self.organization} {self.held_on:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self):
        super().clean()
        errors = {}
        today = timezone.localdate()
        org = self.organization if self.organization_id else None
        if self.held_on and self._state.adding:
            if self.held_on > today:
                errors["held_on"] = _("选举日期不能晚于今天。")
            elif org is not None and org.founded_on and self.held_on < org.founded_on:
                errors["held_on"] = _("选举日期不能早于组织成立日期（%(date)s）。") % {
                    "date": org.founded_on
                }
            elif org is not None and org.term_started_on and self.held_on < org.term_started_on:
                errors["held_on"] = _("选举日期不能早于本届开始日期（%(date)s）。") % {
                    "date": org.term_started_on
                }
        if self.approved_on and self.held_on and self.approved_on > today:
            errors["approved_on"] = _("批复日期不能晚于今天。")
        errors.update(self._count_errors())
        if errors:
            raise ValidationError(errors)

    def _count_errors(self):
        counts = (
            self.eligible_voters,
            self.present,
            self.ballots_issued,
            self.ballots_returned,
            self.valid_ballots,
        )
        if any(value is None for value in counts):
            return {}
        errors = {}
        numerator, denominator = election_rule("quorum")
        if self.present > self.eligible_voters:
            errors["present"] = _("实到人数不能多于应到人数。")
        elif self.present * denominator <= self.eligible_voters * numerator:
            errors["present"] = _(
                "实到有选举权人数（%(present)d）须超过应到人数（%(eligible)d）的"
                "%(num)d/%(den)d，会议无效。"
            ) % {
                "present": self.present,
                "eligible": self.eligible_voters,
                "num": numerator,
                "den": denominator,
            }
        if self.ballots_issued > self.present:
            errors["ballots_issued"] = _("发出选票不能多于实到人数。")
        if self.ballots_returned > self.ballots_issued:
            errors["ballots_returned"] = _("收回选票多于发出选票，选举无效。")
        if self.valid_ballots > self.ballots_returned:
            errors["valid_ballots"] = _("有效选票不能多于收回选票。")
        return errors

    def elected_threshold_met(self, votes):
        numerator, denominator = election_rule("majority")
        return votes * denominator > self.present * numerator


@audited()
class ElectionResult(TimestampedModel):
    """One candidate's result in an election: the post, the votes and whether elected."""

    election = models.ForeignKey(
        Election, verbose_name=_("选举"), on_delete=models.CASCADE, related_name="results"
    )
    title = models.CharField(_("职务"), max_length=30, choices=LeadershipPosition.Title.choices)
    candidate = models.ForeignKey(
        "members.Member",
        verbose_name=_("候选人（党员）"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="election_results",
    )
    candidate_name = models.CharField(_("候选人姓名"), max_length=50)
    votes = models.PositiveIntegerField(_("赞成票"))
    elected = models.BooleanField(_("当选"), default=False)
    position = models.ForeignKey(
        LeadershipPosition,
        verbose_name=_("任职记录"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    scope_path = "election__organization__region__path"

    class Meta:
        verbose_name = _("选举结果")
        verbose_name_plural = _("选举结果")
        ordering = ["election", "pk"]

    def __str__(self):
        return f"{self.get_title_display()} {self.candidate_name} {self.votes}"
