"""Secretaries and community workers (班长工程).

Secretary profiles are not a table: they are the current 书记/副书记 positions
(``organizations.LeadershipPosition``) joined with the holder in the member registry, read
through the ``Secretary`` proxy. What this app keeps: the training each cadre took
(``TrainingRecord``), the yearly 述职评议 ratings (``AnnualReview``), and the community
workers' career ladder 三档十八级 (``CommunityWorker``, its promotion history ``GradeChange``
and the ladder's rules ``LadderRule``, a district-wide table like the case categories).
"""

from datetime import date
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import LeadershipPosition
from portal.models import Region, ScopedModel, TimestampedModel, audited

#: The grades of the ladder: 1 (lowest) to 18.
GRADES = range(1, 19)
TIERS = range(1, 4)


class Secretary(LeadershipPosition):
    """A 书记 or 副书记 post seen as a secretary's profile (no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("书记队伍")
        verbose_name_plural = _("书记队伍")

    def get_absolute_url(self):
        return reverse("cadres:secretary_detail", args=[self.pk])


@audited()
class TrainingRecord(ScopedModel):
    """A training course a cadre (a Party member) took, with its hours."""

    class Kind(models.TextChoices):
        DEMONSTRATION = "demonstration", _("示范培训")
        ROTATION = "rotation", _("集中轮训")
        ONLINE = "online", _("网络培训")
        OTHER = "other", _("其他")

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("党员"),
        on_delete=models.PROTECT,
        related_name="training_records",
    )
    title = models.CharField(_("课程/培训名称"), max_length=200)
    organiser = models.CharField(_("主办单位"), max_length=200, blank=True)
    kind = models.CharField(_("培训类别"), max_length=20, choices=Kind.choices)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"))
    hours = models.DecimalField(
        _("学时"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(2000)],
    )
    certificate_no = models.CharField(_("结业证书编号"), max_length=50, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    #: The natural key imports upsert by: member (ID-number blind index), start date, title.
    key = models.CharField(max_length=320, editable=False, db_index=True)

    scope_path = "member__organization__region__path"
    natural_key_field = "key"
    autocomplete_fields = ("title",)

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-started_on", "id"]
        indexes = [models.Index(fields=["member", "started_on"], name="training_member_start")]

    def __str__(self):
        return f"{self.member.name} {self.title}"

    @staticmethod
    def make_key(member_hash, started_on, title):
        return f"{member_hash}:{started_on:%Y%m%d}:{title.strip()}"

    def clean(self):
        super().clean()
        errors = {}
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            errors["ended_on"] = _("结束日期不能早于开始日期。")
        if self.started_on and self.started_on > timezone.localdate():
            errors["started_on"] = _("开始日期不能晚于今天：培训记录登记已参加的培训。")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.member_id and self.started_on and self.title:
            self.key = self.make_key(self.member.id_number_hash, self.started_on, self.title)
        super().save(*args, **kwargs)


@audited()
class AnnualReview(ScopedModel):
    """A secretary's yearly report and its rating by the superior (述职评议)."""

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("好")
        GOOD = "good", _("较好")
        FAIR = "fair", _("一般")
        POOR = "poor", _("差")

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("述职人"),
        on_delete=models.PROTECT,
        related_name="annual_reviews",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("所在组织"),
        on_delete=models.PROTECT,
        related_name="annual_reviews",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    rating = models.CharField(_("评议等次"), max_length=10, choices=Rating.choices)
    score = models.DecimalField(
        _("得分"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    reviewer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("评议单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("评议意见"), blank=True)

    scope_path = "organization__region__path"
    natural_key_field = None
    autocomplete_fields = ("member__name", "organization__name")

    class Meta:
        verbose_name = _("述职评议")
        verbose_name_plural = _("述职评议")
        ordering = ["-year", "organization__path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "organization", "year"],
                name="annual_review_member_org_year",
                violation_error_message=_("该党员在该组织该年度的述职评议已登记。"),
            )
        ]
        indexes = [models.Index(fields=["member", "year"], name="review_member_year")]

    def __str__(self):
        return f"{self.year} {self.member.name} {self.get_rating_display()}"

    def clean(self):
        super().clean()
        if self.year is not None and not 1990 <= self.year <= timezone.localdate().year:
            raise ValidationError(
                {"year": _("年度应在 1990 年至今年之间。")},
            )


class Post(models.TextChoices):
    """A community worker's post; the ladder rules map posts to tiers."""

    SECRETARY = "secretary", _("居民区党组织书记")
    DIRECTOR = "director", _("居委会主任")
    DEPUTY_SECRETARY = "deputy_secretary", _("居民区党组织副书记")
    DEPUTY_DIRECTOR = "deputy_director", _("居委会副主任")
    COMMITTEE_MEMBER = "committee_member", _("委员")
    SOCIAL_WORKER = "social_worker", _("社区工作者")


class Certificate(models.IntegerChoices):
    """Social-work qualification, in rank order (a higher value satisfies a lower one)."""

    NONE = 0, _("无")
    ASSISTANT = 1, _("助理社会工作师")
    SOCIAL_WORKER = 2, _("社会工作师")
    SENIOR = 3, _("高级社会工作师")


class Education(models.IntegerChoices):
    """Education in rank order (a higher value satisfies a lower one)."""

    JUNIOR = 1, _("初中及以下")
    HIGH_SCHOOL = 2, _("高中")
    VOCATIONAL = 3, _("中专")
    COLLEGE = 4, _("大学专科")
    BACHELOR = 5, _("大学本科")
    POSTGRADUATE = 6, _("研究生")


@audited()
class LadderRule(TimestampedModel):
    """The rules of one tier (档) of the ladder: which posts it holds, its grade range, the
    years a worker serves at a grade before the next, and the certificate and education the
    upper grades require. District-wide reference data (no region), kept by district
    admins; ``cadres.services.promote`` reads it."""

    tier = models.PositiveSmallIntegerField(
        _("档次"),
        unique=True,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
    )
    name = models.CharField(_("名称"), max_length=50)
    posts = ArrayField(
        models.CharField(max_length=30, choices=Post.choices),
        verbose_name=_("适用岗位"),
        help_text=_("岗位代码，逗号分隔：") + ", ".join(Post.values),
    )
    min_grade = models.PositiveSmallIntegerField(
        _("最低级"), validators=[MinValueValidator(1), MaxValueValidator(18)]
    )
    max_grade = models.PositiveSmallIntegerField(
        _("最高级"), validators=[MinValueValidator(1), MaxValueValidator(18)]
    )
    min_years = models.PositiveSmallIntegerField(_("晋升一级需任现级年限"), default=2)
    certificate_from_grade = models.PositiveSmallIntegerField(
        _("需证书的起始级"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(18)],
    )
    certificate = models.PositiveSmallIntegerField(
        _("所需证书"), choices=Certificate.choices, default=Certificate.NONE
    )
    education_from_grade = models.PositiveSmallIntegerField(
        _("需学历的起始级"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(18)],
    )
    education = models.PositiveSmallIntegerField(
        _("所需最低学历"), choices=Education.choices, null=True, blank=True
    )

    class Meta:
        verbose_name = _("晋级规则")
        verbose_name_plural = _("晋级规则")
        ordering = ["tier"]

    def __str__(self):
        return f"{self.name}（{self.min_grade}–{self.max_grade} 级）"

    def get_absolute_url(self):
        return reverse("cadres:ladderrule_list")

    @property
    def post_labels(self):
        labels = dict(Post.choices)
        return [str(labels.get(post, post)) for post in self.posts or ()]

    def clean(self):
        super().clean()
        errors = {}
        if self.min_grade and self.max_grade and self.min_grade > self.max_grade:
            errors["max_grade"] = _("最高级不能低于最低级。")
        if self.certificate and not self.certificate_from_grade:
            errors["certificate_from_grade"] = _("设置了所需证书时须填写起始级。")
        if self.education and not self.education_from_grade:
            errors["education_from_grade"] = _("设置了所需学历时须填写起始级。")
        if self.posts:
            taken = (
                LadderRule.objects.exclude(pk=self.pk)
                .filter(posts__overlap=self.posts)
                .values_list("name", flat=True)
                .first()
            )
            if taken:
                errors["posts"] = _("岗位已归入“%(name)s”，一个岗位只能属于一个档次。") % {
                    "name": taken
                }
        if errors:
            raise ValidationError(errors)

    def requirement_errors(self, grade, certificate, education):
        """What a worker with ``certificate`` and ``education`` lacks for ``grade``."""
        problems = {}
        if (
            self.certificate_from_grade
            and grade >= self.certificate_from_grade
            and certificate < self.certificate
        ):
            problems["certificate"] = _("第 %(grade)s 级须持%(cert)s及以上证书。") % {
                "grade": grade,
                "cert": Certificate(self.certificate).label,
            }
        if (
            self.education_from_grade
            and self.education
            and grade >= self.education_from_grade
            and (education or 0) < self.education
        ):
            problems["education"] = _("第 %(grade)s 级须%(edu)s及以上学历。") % {
                "grade": grade,
                "edu": Education(self.education).label,
            }
        return problems


@audited()
class CommunityWorker(ScopedModel):
    """A community worker (社区工作者) of a 居民区, with their place on the ladder.

    ``tier``, ``grade`` and ``current_since`` are set when the worker is registered; after
    that only ``cadres.services.promote`` changes them, writing a ``GradeChange``.
    """

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(
        _("性别"),
        max_length=10,
        choices=[("male", _("男")), ("female", _("女"))],
    )
    birth_date = models.DateField(_("出生日期"))
    community = models.ForeignKey(
        Region,
        verbose_name=_("所在居民区"),
        on_delete=models.PROTECT,
        related_name="community_workers",
        limit_choices_to={"level": Region.Level.COMMUNITY},
    )
    post = models.CharField(_("岗位"), max_length=30, choices=Post.choices)
    hired_on = models.DateField(_("入职日期"))
    education = models.PositiveSmallIntegerField(_("学历"), choices=Education.choices)
    certificate = models.PositiveSmallIntegerField(
        _("社工职业资格"), choices=Certificate.choices, default=Certificate.NONE
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("党员信息"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_work",
        help_text=_("是党员的，关联党员信息库。"),
    )
    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("平台账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_work",
    )
    tier = models.PositiveSmallIntegerField(
        _("档次"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    grade = models.PositiveSmallIntegerField(
        _("等级"), validators=[MinValueValidator(1), MaxValueValidator(18)]
    )
    current_since = models.DateField(_("现级起始日期"))
    left_on = models.DateField(_("离职日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope_path = "community__path"
    natural_key_field = None
    autocomplete_fields = ("name",)

    class Meta:
        verbose_name = _("社区工作者")
        verbose_name_plural = _("社区工作者")
        ordering = ["community__path", "tier", "-grade", "id"]
        indexes = [models.Index(fields=["community", "tier"], name="worker_community_tier")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.community_id and self.community.level != Region.Level.COMMUNITY:
            errors["community"] = _("所在居民区应为居民区/村一级的区划。")
        if self.birth_date and self.hired_on and self.hired_on < _add_years(self.birth_date, 16):
            errors["hired_on"] = _("入职时应年满 16 周岁。")
        if self.hired_on and self.hired_on > timezone.localdate():
            errors["hired_on"] = _("入职日期不能晚于今天。")
        if self.current_since and self.hired_on and self.current_since < self.hired_on:
            errors["current_since"] = _("现级起始日期不能早于入职日期。")
        if self.left_on and self.hired_on and self.left_on < self.hired_on:
            errors["left_on"] = _("离职日期不能早于入职日期。")
        if self.tier and self.grade and self.post and self._state.adding:
            rule = LadderRule.objects.filter(tier=self.tier).first()
            if rule is None:
                errors["tier"] = _("第 %(tier)s 档没有晋级规则。") % {"tier": self.tier}
            else:
                if self.post not in rule.posts:
                    errors["tier"] = _("岗位“%(post)s”不属于%(name)s。") % {
                        "post": self.get_post_display(),
                        "name": rule.name,
                    }
                if not rule.min_grade <= self.grade <= rule.max_grade:
                    errors["grade"] = _("%(name)s的等级范围是 %(low)s–%(high)s 级。") % {
                        "name": rule.name,
                        "low": rule.min_grade,
                        "high": rule.max_grade,
                    }
        if errors:
            raise ValidationError(errors)


def _add_years(day: date, years: int) -> date:
    """``day`` moved by whole ``years`` (29 February becomes 28), kept within the calendar."""
    year = day.year + years
    if year < date.min.year:
        return date.min
    if year > date.max.year:
        return date.max
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


class GradeChange(models.Model):
    """One step on the ladder (promotion, exceptional promotion, demotion, tier change),
    written only by ``cadres.services.promote``."""

    class ExceptionReason(models.TextChoices):
        NONE = "", _("无")
        COMMENDATION = "commendation", _("受市级及以上表彰，破格晋升")
        POST_CHANGE = "post_change", _("岗位调整，按新档次套级")
        CORRECTION = "correction", _("纠正登记错误")

    worker = models.ForeignKey(
        CommunityWorker,
        verbose_name=_("社区工作者"),
        # A worker with a promotion history is not deleted: one who left gets ``left_on``.
        on_delete=models.PROTECT,
        related_name="grade_changes",
    )
    from_tier = models.PositiveSmallIntegerField(_("原档次"))
    from_grade = models.PositiveSmallIntegerField(_("原等级"))
    to_tier = models.PositiveSmallIntegerField(_("新档次"))
    to_grade = models.PositiveSmallIntegerField(_("新等级"))
    effective_on = models.DateField(_("生效日期"))
    reason = models.TextField(_("事由"), blank=True)
    exception = models.CharField(
        _("例外情形"), max_length=20, choices=ExceptionReason.choices, blank=True, default=""
    )
    approved_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("审批人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_path = "worker__community__path"

    class Meta:
        verbose_name = _("等级变动")
        verbose_name_plural = _("等级变动")
        ordering = ["-effective_on", "-id"]

    def __str__(self):
        return (
            f"{self.worker.name} {self.from_tier}档{self.from_grade}级→"
            f"{self.to_tier}档{self.to_grade}级"
        )

    def get_absolute_url(self):
        return reverse("cadres:communityworker_detail", args=[self.worker_id])

    @property
    def direction(self):
        if self.to_grade > self.from_grade:
            return _("晋升")
        if self.to_grade < self.from_grade:
            return _("降级")
        return _("调档")
