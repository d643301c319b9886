"""The member registry (党员信息库): the largest and most sensitive table of the platform.

ID numbers and mobiles are never stored in plain text: each is kept as a Fernet ciphertext
(``*_cipher``), a keyed blind index for exact lookup and uniqueness (``*_hash``) and a masked
form for display (``*_masked``). Code sets the plain value with ``set_id_number`` /
``set_mobile``; ``full_clean`` validates it and ``save`` encrypts it.
"""

import contextlib
import csv
import functools
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import crypto, validators
from portal.models import Region, ScopedModel, TimestampedModel, audited
from portal.search import name_grams

SENSITIVE_FIELDS = ("id_number", "mobile")

#: The status and flags that only the status workflow (``members.status``) changes on an
#: existing member, with a dated event and a reason: a form, the API, an import or the
#: admin may set them when creating a member and must leave them as stored afterwards.
STATUS_FIELDS = (
    "status",
    "status_on",
    "lost_contact",
    "lost_contact_on",
    "flowing",
    "flowing_destination",
)

#: What people enter for a member, in form order: forms, admin and API all take these (the
#: two sensitive ones in plain text, stored encrypted by the model).
INPUT_FIELDS = (
    "name",
    "id_number",
    "gender",
    "ethnicity",
    "birth_date",
    "mobile",
    "education",
    "occupation",
    "employer",
    "employer_name",
    "organization",
    "category",
    "joined_on",
    "full_member_on",
    *STATUS_FIELDS,
    "residential_region",
    "residential_grid",
    "note",
)


@functools.cache
def ethnicity_choices():
    """GB 3304 ethnic groups (56 + 其他), from data/gb3304_ethnicity.csv."""
    path = Path(settings.BASE_DIR) / "data" / "gb3304_ethnicity.csv"
    with open(path, encoding="utf-8") as handle:
        rows = [(row["code"], row["name"]) for row in csv.DictReader(handle)]
    return [*rows, ("97", "其他"), ("98", "外国血统中国籍人士")]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@audited(
    exclude=[
        "updated_at",
        "id_number_cipher",
        "id_number_hash",
        "mobile_cipher",
        "mobile_hash",
        "name_grams",
        "scope_tokens",
    ]
)
class Member(ScopedModel):
    """A Party member (党员) of a branch-level organisation."""

    class Gender(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    class Education(models.TextChoices):
        POSTGRADUATE = "postgraduate", _("研究生")
        BACHELOR = "bachelor", _("大学本科")
        COLLEGE = "college", _("大学专科")
        VOCATIONAL = "vocational", _("中专")
        HIGH_SCHOOL = "high_school", _("高中")
        JUNIOR = "junior", _("初中及以下")

    class Category(models.TextChoices):
        FULL = "full", _("正式党员")
        PROBATIONARY = "probationary", _("预备党员")

    class Status(models.TextChoices):
        NORMAL = "normal", _("正常")
        SUSPENDED = "suspended", _("停止党籍")
        EXPELLED = "expelled", _("出党")
        WITHDRAWN = "withdrawn", _("退党")
        DECEASED = "deceased", _("死亡")

    name = models.CharField(_("姓名"), max_length=50)
    name_grams = ArrayField(models.CharField(max_length=4), default=list, editable=False)
    #: ``@<code>`` of the organisation's region and every region above it, beside the name
    #: grams in one GIN index (portal/search.py). Written by the database, not by Python:
    #: the trigger ``member_scope_tokens`` (migration 0010) sets it on every insert and on
    #: every update that writes the organisation or the tokens, and moving an organisation
    #: to another region, or a region in the tree, rewrites its members' tokens.
    scope_tokens = ArrayField(models.CharField(max_length=20), default=list, editable=False)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ethnicity_choices, default="01")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number_cipher = models.TextField(editable=False)
    # Hash columns are indexed in Meta (a plain b-tree each): a field-level index would
    # add a second, pattern-matching ("_like") index that only slows bulk writes.
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    mobile_cipher = models.TextField(blank=True, editable=False)
    mobile_hash = models.CharField(max_length=64, blank=True, editable=False)
    mobile_masked = models.CharField(_("手机号"), max_length=11, blank=True, editable=False)
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    occupation = models.CharField(_("职业"), max_length=100, blank=True)
    employer = models.ForeignKey(
        "buildings.Enterprise",
        verbose_name=_("工作单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text=_("企业法人库中的企业或社会组织。"),
    )
    employer_name = models.CharField(
        _("工作单位名称"),
        max_length=200,
        blank=True,
        help_text=_("工作单位不在企业法人库中（如机关、区外单位）时填写名称。"),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("所在党支部"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    category = models.CharField(_("党员类别"), max_length=20, choices=Category.choices)
    joined_on = models.DateField(_("入党日期"))
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    status = models.CharField(
        _("党籍状态"), max_length=20, choices=Status.choices, default=Status.NORMAL
    )
    status_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    lost_contact = models.BooleanField(_("失联党员"), default=False)
    lost_contact_on = models.DateField(_("失联日期"), null=True, blank=True)
    flowing = models.BooleanField(_("流动党员"), default=False)
    flowing_destination = models.CharField(_("流向地"), max_length=200, blank=True)
    residential_region = models.ForeignKey(
        Region,
        verbose_name=_("居住地社区（双报到）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    residential_grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("报到网格（双报到）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_members",
        help_text=_("在职党员到居住地网格报到服务。"),
    )
    note = models.TextField(_("备注"), blank=True)

    #: Who a validation runs for (forms, the API and imports set it): a duplicate ID number
    #: names the existing member's organisation only if this user may see that member.
    validating_user = None

    STATUS_FIELDS = STATUS_FIELDS  # see the module constant

    scope_path = "organization__region__path"
    scope_tokens_field = "scope_tokens"
    natural_key_field = "id_number_hash"
    autocomplete_fields = ("name",)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        # By id: a page of a large filtered list walks the primary key index and stops at
        # the page's end, instead of sorting every match through a join.
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="member_id_number_unique")
        ]
        indexes = [
            models.Index(fields=["mobile_hash"], name="member_mobile_hash"),
            # One index for "name has 王 and the member is in street X": GIN intersects the
            # two columns' posting lists within a single index scan.
            GinIndex(fields=["name_grams", "scope_tokens"], name="member_name_grams"),
            models.Index(fields=["organization", "status"], name="member_org_status"),
            models.Index(fields=["status", "category"], name="member_status_category"),
            models.Index(fields=["birth_date"], name="member_birth_date"),
        ]

    def __str__(self):
        return self.name

    # --- sensitive values -------------------------------------------------------------

    def set_id_number(self, raw):
        self._pending_id_number = raw

    def set_mobile(self, raw):
        self._pending_mobile = raw

    @property
    def id_number(self):
        """The plain ID number: only for code paths that checked ``view_sensitive``."""
        return crypto.decrypt(self.id_number_cipher) if self.id_number_cipher else ""

    @property
    def mobile(self):
        return crypto.decrypt(self.mobile_cipher) if self.mobile_cipher else ""

    def _apply_sensitive(self):
        """Validate and store pending plain values: ValidationError keyed by field."""
        errors = {}
        if "_pending_id_number" in self.__dict__:
            try:
                number = validators.normalize_id_number(self.__dict__.pop("_pending_id_number"))
            except ValidationError as exc:
                errors["id_number"] = exc.messages
            else:
                self.id_number_cipher = crypto.encrypt(number)
                self.id_number_hash = id_number_hash(number)
                self.id_number_masked = validators.mask_id_number(number)
                self._id_number_plain = number
        if "_pending_mobile" in self.__dict__:
            raw = (self.__dict__.pop("_pending_mobile") or "").strip()
            if not raw:
                self.mobile_cipher = self.mobile_hash = self.mobile_masked = ""
            else:
                try:
                    mobile = validators.normalize_mobile(raw)
                except ValidationError as exc:
                    errors["mobile"] = exc.messages
                else:
                    self.mobile_cipher = crypto.encrypt(mobile)
                    self.mobile_hash = crypto.blind_index(mobile, "mobile")
                    self.mobile_masked = validators.mask_mobile(mobile)
        if errors:
            raise ValidationError(errors)

    # --- validation -------------------------------------------------------------------

    def clean(self):
        super().clean()
        errors = {}
        try:
            self._apply_sensitive()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if not self.id_number_hash and "id_number" not in errors:
            errors["id_number"] = [_("必须填写身份证号。")]
        elif self.id_number_hash and not getattr(self, "_skip_duplicate_check", False):
            duplicate = (
                Member.objects.filter(id_number_hash=self.id_number_hash)
                .exclude(pk=self.pk)
                .select_related("organization")
                .first()
            )
            if duplicate is not None:
                errors["id_number"] = [self._duplicate_message(duplicate)]
        plain = getattr(self, "_id_number_plain", None)
        if not plain and self.id_number_cipher and "id_number" not in errors:
            # An edit that keeps the stored number must still agree with it.
            plain = self.id_number
        if plain:
            birth, gender = validators.id_number_facts(plain)
            if self.birth_date is None:
                self.birth_date = birth
            elif self.birth_date != birth:
                errors["birth_date"] = [
                    _("出生日期与身份证号不一致（身份证号为 %(date)s）。") % {"date": birth}
                ]
            if not self.gender:
                self.gender = gender
            elif self.gender != gender:
                errors["gender"] = [_("性别与身份证号不一致。")]
        errors.update(self._rule_errors())
        errors.update(self._status_field_errors())
        if errors:
            raise ValidationError(errors)

    def _duplicate_message(self, existing):
        """Names the existing member's organisation only when ``validating_user`` (set by the
        form, the API or an import) may see that member; otherwise reveals nothing more."""
        from portal import scoping

        user = self.validating_user
        if user is not None and scoping.in_scope(existing, user, "view"):
            return ValidationError(
                _("该身份证号已登记在“%(organization)s”。"),
                code="duplicate",
                params={"organization": existing.organization.name},
            )
        return ValidationError(_("该身份证号已登记。"), code="duplicate")

    def _rule_errors(self):
        from organizations.models import Organization

        errors = {}
        org = self.organization if self.organization_id else None
        if org is not None and org.kind not in Organization.BRANCH_KINDS:
            errors["organization"] = [_("党员只能编入党支部（含联合党支部、临时党支部）。")]
        if self.birth_date and self.joined_on and add_years(self.birth_date, 18) > self.joined_on:
            errors["joined_on"] = [_("入党时应年满 18 周岁。")]
        if self.joined_on and self.joined_on > timezone.localdate():
            errors["joined_on"] = [_("入党日期不能晚于今天。")]
        if self.category == self.Category.FULL:
            if not self.full_member_on:
                errors["full_member_on"] = [_("正式党员须填写转正日期。")]
            elif self.joined_on and self.full_member_on < add_years(self.joined_on, 1):
                errors["full_member_on"] = [_("转正日期应在入党满一年之后。")]
        elif self.category == self.Category.PROBATIONARY and self.full_member_on:
            errors["full_member_on"] = [_("预备党员不应有转正日期。")]
        if self.status != self.Status.NORMAL and not self.status_on:
            errors["status_on"] = [_("党籍状态不是“正常”时须填写变更日期。")]
        if self.lost_contact and not self.lost_contact_on:
            errors["lost_contact_on"] = [_("失联党员须填写失联日期。")]
        if self.flowing and not self.flowing_destination.strip():
            errors["flowing_destination"] = [_("流动党员须填写流向地。")]
        errors.update(self._transfer_errors())
        region = self.residential_region if self.residential_region_id else None
        if region is not None and region.level != Region.Level.COMMUNITY:
            errors["residential_region"] = [_("双报到的居住地应为居民区/村。")]
        grid = self.residential_grid if self.residential_grid_id else None
        if grid is not None:
            if region is None:
                self.residential_region = grid.region
            elif grid.region_id != region.pk:
                errors["residential_grid"] = [_("报到网格应在居住地社区内。")]
        return errors

    def save(self, *args, **kwargs):
        self._apply_sensitive()
        self.name_grams = name_grams(self.name)
        super().save(*args, **kwargs)
        self._stored_organization_id = self.organization_id
        self._remember_status_fields(kwargs.get("update_fields"))

    # --- transfers (members.services) ----------------------------------------------------

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_organization_id = instance.__dict__.get("organization_id")
        instance._remember_status_fields()
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or "organization_id" in fields or "organization" in fields:
            self._stored_organization_id = self.organization_id
        self._remember_status_fields(fields)

    def _transfer_errors(self):
        """While a transfer of the member is pending, only that transfer moves the member:
        an edit (form, API, import, admin) may not change the organisation. One query, only
        when the organisation is being changed."""
        stored = getattr(self, "_stored_organization_id", None)
        if not self.pk or stored is None or stored == self.organization_id:
            return {}
        if Transfer.objects.filter(member_id=self.pk, state__in=Transfer.PENDING_STATES).exists():
            return {
                "organization": [_("该党员有正在办理的组织关系转接，所在党支部只能通过转接变更。")]
            }
        return {}

    @property
    def transferred_out(self):
        """Has the member's relationship been transferred out of the district (转出)?"""
        return self.transfers.filter(
            kind=Transfer.Kind.OUT, state=Transfer.State.COMPLETED
        ).exists()

    # --- status and flags (members.status) -------------------------------------------------

    def _remember_status_fields(self, names=None):
        """Keep the stored values of ``STATUS_FIELDS`` (those loaded: a deferred field is not
        known, so not checked), to tell an edit that changes them. Called when the row is
        loaded and after it is saved (``names``: the fields a save wrote, None for all)."""
        stored = getattr(self, "_stored_status_fields", {})
        self._stored_status_fields = {
            **stored,
            **{
                name: self.__dict__[name]
                for name in self.STATUS_FIELDS
                if name in self.__dict__ and (names is None or name in names)
            },
        }

    @contextlib.contextmanager
    def allow_status_change(self):
        """Within this, the member's status and flags may change: for ``members.status``
        and the services that end a membership (``members.services.cancel_probation``),
        which check their rules and record the dated event themselves."""
        self._status_change_allowed = True
        try:
            yield self
        finally:
            self._status_change_allowed = False

    def _status_field_errors(self):
        """An existing member's status and flags change only through the status workflow:
        an edit (form, API, import, admin) that changes one is refused, naming the field.
        Creating a member may set them (a registry is imported with its statuses)."""
        stored = getattr(self, "_stored_status_fields", None)
        if not self.pk or not stored or getattr(self, "_status_change_allowed", False):
            return {}
        message = _(
            "党籍状态、失联和流动情况只能通过“状态变更”办理（党员详情页的“党籍状态与标记”）。"
        )
        return {
            name: [ValidationError(message, code="status_change")]
            for name, value in stored.items()
            if getattr(self, name) != value
        }


def id_number_hash(number: str) -> str:
    """The blind index of a normalised ID number (for lookups and upserts)."""
    return crypto.blind_index(number, "id_number")


# --- the development pipeline (发展党员) and transfers (组织关系转接) ----------------------------
#
# Their states change only in members/services.py. Thresholds of the rules are data here
# (``WORKFLOW_RULES``), overridable in settings as ``MEMBER_WORKFLOW_RULES`` (docs/decisions.md).

WORKFLOW_RULES = {
    #: Minimum age at applying (入党申请).
    "min_age": 18,
    #: The first talk (谈话) is due within this many months of applying.
    "talk_within_months": 1,
    #: Years as an activist (积极分子) before becoming a development candidate (发展对象).
    "activist_years": 1,
    #: 培养联系人 per activist.
    "contacts_min": 1,
    "contacts_max": 2,
    #: 入党介绍人 per admission.
    "introducers": 2,
    #: Years of probation (预备期).
    "probation_years": 1,
    #: How often and how long a probation may be extended (延长预备期).
    "max_extensions": 1,
    "max_extension_months": 12,
    #: Months a transfer letter (介绍信) stays valid.
    "letter_valid_months": 3,
}


def workflow_rule(name):
    return getattr(settings, "MEMBER_WORKFLOW_RULES", {}).get(name, WORKFLOW_RULES[name])


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@audited(exclude=["updated_at", "id_number_cipher", "id_number_hash"])
class Applicant(ScopedModel):
    """A person on the way to membership (发展党员), from 入党申请人 to 正式党员.

    The ID number is kept like a member's: ciphertext, blind index and masked form only.
    Every date field below is written by a step of ``members.services.development``.
    """

    class Stage(models.TextChoices):
        APPLICANT = "applicant", _("入党申请人")
        ACTIVIST = "activist", _("入党积极分子")
        CANDIDATE = "candidate", _("发展对象")
        PROBATIONARY = "probationary", _("预备党员")
        FULL = "full", _("正式党员")
        ENDED = "ended", _("已终止")

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=10, choices=Member.Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number_cipher = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("所在党支部"),
        on_delete=models.PROTECT,
        related_name="applicants",
    )
    stage = models.CharField(
        _("发展阶段"), max_length=20, choices=Stage.choices, default=Stage.APPLICANT, editable=False
    )
    applied_on = models.DateField(_("递交入党申请书日期"))
    talked_on = models.DateField(_("谈话日期"), null=True, blank=True, editable=False)
    activist_on = models.DateField(_("确定为积极分子日期"), null=True, blank=True, editable=False)
    contacts = models.ManyToManyField(
        Member, verbose_name=_("培养联系人"), blank=True, related_name="+"
    )
    candidate_on = models.DateField(_("确定为发展对象日期"), null=True, blank=True, editable=False)
    political_review_on = models.DateField(
        _("政治审查完成日期"), null=True, blank=True, editable=False
    )
    training_on = models.DateField(_("集中培训完成日期"), null=True, blank=True, editable=False)
    admitted_on = models.DateField(_("接收为预备党员日期"), null=True, blank=True, editable=False)
    introducers = models.ManyToManyField(
        Member, verbose_name=_("入党介绍人"), blank=True, related_name="+"
    )
    pledge_number = models.CharField(_("入党志愿书编号"), max_length=50, blank=True, editable=False)
    member = models.OneToOneField(
        Member,
        verbose_name=_("党员档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applicant",
        editable=False,
    )
    extension_months = models.PositiveSmallIntegerField(
        _("延长预备期（月）"), default=0, editable=False
    )
    full_member_on = models.DateField(_("转为正式党员日期"), null=True, blank=True, editable=False)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True, editable=False)
    end_reason = models.TextField(_("终止原因"), blank=True, editable=False)
    note = models.TextField(_("备注"), blank=True)

    scope_path = "organization__region__path"
    natural_key_field = None
    autocomplete_fields = ("name",)

    class Meta:
        verbose_name = _("发展对象档案")
        verbose_name_plural = _("发展党员")
        ordering = ["-applied_on", "id"]
        indexes = [models.Index(fields=["organization", "stage"], name="applicant_org_stage")]

    def __str__(self):
        return self.name

    def set_id_number(self, raw):
        """Validate and keep a plain ID number encrypted; birth date and gender follow it."""
        number = validators.normalize_id_number(raw)
        self.birth_date, self.gender = validators.id_number_facts(number)
        self.id_number_cipher = crypto.encrypt(number)
        self.id_number_hash = id_number_hash(number)
        self.id_number_masked = validators.mask_id_number(number)

    @property
    def id_number(self):
        """The plain ID number: only for code that checked ``view_sensitive`` (or hands it on
        to the Member created at admission)."""
        return crypto.decrypt(self.id_number_cipher) if self.id_number_cipher else ""

    @property
    def probation_ends_on(self):
        if not self.admitted_on:
            return None
        end = add_years(self.admitted_on, workflow_rule("probation_years"))
        return add_months(end, self.extension_months)


class ApplicantStep(models.Model):
    """One dated step of an applicant's timeline: who recorded it, when it happened."""

    applicant = models.ForeignKey(
        Applicant, verbose_name=_("发展对象档案"), on_delete=models.CASCADE, related_name="steps"
    )
    action = models.CharField(_("环节"), max_length=30)
    from_stage = models.CharField(_("原阶段"), max_length=20, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=20)
    on = models.DateField(_("日期"))
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("经办人"), null=True, on_delete=models.PROTECT
    )
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_path = "applicant__organization__region__path"

    class Meta:
        verbose_name = _("发展环节")
        verbose_name_plural = _("发展环节")
        ordering = ["on", "id"]

    def __str__(self):
        return f"{self.applicant} {self.action} {self.on}"


@audited()
class Transfer(ScopedModel):
    """A transfer of a member's organisational relationship (组织关系转接).

    Within the platform: initiated by the source side -> approved by the source's superior
    (a street or district user) -> accepted by the destination -> the member's organisation
    changes. Out of the platform (to another district or province): approved -> completed,
    the member record stays with the source branch, marked by this completed ``out``
    transfer (``Member.transferred_out``). Into the platform: recorded by the destination,
    completed at once, creating the member. Both sides see it (``members.services.transfers.
    visible``); the ``scope_path`` below is the source side, what generic code falls back to.
    """

    class Kind(models.TextChoices):
        WITHIN = "within", _("区内转接")
        OUT = "out", _("转出本区")
        IN = "in", _("从区外转入")

    class State(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("待上级审批")
        PENDING_ACCEPTANCE = "pending_acceptance", _("待接收")
        COMPLETED = "completed", _("已完成")
        REJECTED = "rejected", _("已退回")
        REVOKED = "revoked", _("已撤回")

    PENDING_STATES = (State.PENDING_APPROVAL, State.PENDING_ACCEPTANCE)

    kind = models.CharField(_("转接类型"), max_length=10, choices=Kind.choices, editable=False)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, editable=False)
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="transfers"
    )
    source_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("转出党支部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    destination_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("转入党支部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    external_organization = models.CharField(
        _("区外党组织"),
        max_length=200,
        blank=True,
        help_text=_("转出本区时为接收党组织，从区外转入时为原党组织。"),
    )
    letter_number = models.CharField(_("介绍信编号"), max_length=50)
    issued_on = models.DateField(_("开具日期"))
    valid_until = models.DateField(_("有效期至"), editable=False)
    dues_paid_until = models.DateField(_("党费交至"), null=True, blank=True)
    reason = models.TextField(_("转接原因"), blank=True)
    initiated_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("发起人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    completed_on = models.DateField(_("完成日期"), null=True, blank=True, editable=False)
    refusal = models.TextField(_("退回/撤回原因"), blank=True, editable=False)

    scope_path = "source_organization__region__path"
    natural_key_field = None
    autocomplete_fields = ("letter_number",)

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-issued_on", "-id"]
        constraints = [
            # One pending transfer per member, enforced by the database too.
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(state__in=["pending_approval", "pending_acceptance"]),
                name="transfer_one_pending_per_member",
            )
        ]

    def __str__(self):
        return f"{self.letter_number} {self.member}"

    @property
    def is_pending(self):
        return self.state in self.PENDING_STATES


class TransferStep(models.Model):
    """One step of a transfer's timeline."""

    transfer = models.ForeignKey(
        Transfer, verbose_name=_("组织关系转接"), on_delete=models.CASCADE, related_name="steps"
    )
    action = models.CharField(_("操作"), max_length=30)
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20)
    on = models.DateField(_("日期"))
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("经办人"), null=True, on_delete=models.PROTECT
    )
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_path = "transfer__source_organization__region__path"

    class Meta:
        verbose_name = _("转接环节")
        verbose_name_plural = _("转接环节")
        ordering = ["id"]

    def __str__(self):
        return f"{self.transfer} {self.action}"


# === party dues (党费) ==========================================================================


class DuesKind(models.TextChoices):
    """Whose income a dues base is (中组部《关于中国共产党党费收缴、使用和管理的规定》, 2008)."""

    SERVING = "serving", _("在职")
    RETIRED = "retired", _("离退休")
    STUDENT = "student", _("学生")
    OTHER = "other", _("其他（下岗失业、农民等）")


@audited()
class DuesRate(models.Model):
    """One row of the dues rate table (党费交纳比例), edited by district admins in the admin.

    A row applies to a monthly base pay ``lower < base <= upper``: the lower bound is
    exclusive and the upper bound inclusive, as the 2008 规定 words it ("3000元以下（含3000元）",
    "3000元以上至5000元（含5000元）"). An empty bound is open. A row gives either a percentage
    of the base or a fixed monthly amount (学生, 下岗失业 etc.: 0.2 元).
    """

    kind = models.CharField(_("党员类型"), max_length=20, choices=DuesKind.choices)
    lower = models.DecimalField(
        _("月基数下限（元，不含）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    upper = models.DecimalField(
        _("月基数上限（元，含）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    percent = models.DecimalField(
        _("交纳比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    fixed_amount = models.DecimalField(
        _("固定金额（元/月）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党费交纳比例")
        verbose_name_plural = _("党费交纳比例")
        ordering = ["kind", models.F("lower").asc(nulls_first=True)]

    def __str__(self):
        low = self.lower if self.lower is not None else "-"
        high = self.upper if self.upper is not None else "-"
        how = f"{self.percent}%" if self.percent is not None else f"{self.fixed_amount}元"
        return f"{self.get_kind_display()} ({low}, {high}] {how}"

    def clean(self):
        if (self.percent is None) == (self.fixed_amount is None):
            raise ValidationError(_("交纳比例和固定金额须填写且只填写一项。"))
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValidationError({"upper": [_("上限须大于下限。")]})


@audited()
class DuesBase(models.Model):
    """A member's declared monthly base pay (党费计算基数) for one year; the monthly dues
    follow from it and the rate table (``members.dues.monthly_amount``)."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="dues_bases"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(
        _("党员类型"), max_length=20, choices=DuesKind.choices, default=DuesKind.SERVING
    )
    monthly_base = models.DecimalField(
        _("月工资收入基数（元）"), max_digits=12, decimal_places=2, default=0
    )

    scope_path = "member__organization__region__path"

    class Meta:
        verbose_name = _("党费基数")
        verbose_name_plural = _("党费基数")
        ordering = ["member", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"],
                name="dues_base_member_year",
                violation_error_message=_("该党员该年度的党费基数已登记。"),
            )
        ]

    def __str__(self):
        return f"{self.member} {self.year}"

    def clean(self):
        if self.monthly_base is not None and self.monthly_base < 0:
            raise ValidationError({"monthly_base": [_("基数不能为负数。")]})


@audited()
class DuesPayment(ScopedModel):
    """One month's dues paid by a member (``period``: the month's first day). One payment per
    member and month. ``key`` (the member's ID-number blind index and the month) is the
    natural key payment imports upsert by."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="dues_payments"
    )
    period = models.DateField(_("所属月份"))
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("交纳日期"))
    recorded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    key = models.CharField(max_length=80, editable=False, db_index=True)

    scope_path = "member__organization__region__path"
    natural_key_field = "key"
    autocomplete_fields = ()

    class Meta:
        verbose_name = _("党费交纳记录")
        verbose_name_plural = _("党费交纳记录")
        ordering = ["-period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "period"],
                name="dues_payment_member_month",
                violation_error_message=_("该党员该月份的党费已登记，不能重复登记。"),
            )
        ]

    def __str__(self):
        return f"{self.member} {self.period:%Y-%m}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("members:dues_branch", args=[self.member.organization_id])

    @staticmethod
    def make_key(id_number_hash_value, period):
        return f"{id_number_hash_value}:{period:%Y-%m}"

    def clean(self):
        errors = {}
        if self.period is not None and self.period.day != 1:
            self.period = self.period.replace(day=1)
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = [_("金额须大于 0。")]
        if self.paid_on is not None and self.paid_on > timezone.localdate():
            errors["paid_on"] = [_("交纳日期不能晚于今天。")]
        if errors:
            raise ValidationError(errors)
        if self.member_id is not None and self.period is not None:
            self.key = self.make_key(self.member.id_number_hash, self.period)

    def save(self, *args, **kwargs):
        if self.period is not None:
            self.period = self.period.replace(day=1)
        if self.member_id is not None and self.period is not None:
            self.key = self.make_key(self.member.id_number_hash, self.period)
        super().save(*args, **kwargs)


@audited()
class DuesExemption(ScopedModel):
    """Months a member is excused from paying dues, for an approved reason (党费减免/缓交:
    生活困难、长期患病 ...). ``start`` and ``end`` are months (their first day), both included;
    no ``end``: until further notice. A member's exemptions never overlap, and their months
    are not due (``members.dues.arrears_queryset``), so they never count as arrears.

    Only a member in status 正常 gets a new exemption: dues are counted for no one else, so
    an exemption of another member would change nothing. An existing one stays editable
    whatever the status (it can still be closed)."""

    class Reason(models.TextChoices):
        HARDSHIP = "hardship", _("生活困难")
        ILLNESS = "illness", _("长期患病")
        APPROVED_DEFERRAL = "approved_deferral", _("经批准缓交")
        OTHER = "other", _("其他")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="dues_exemptions"
    )
    start = models.DateField(_("起始月份"), help_text=_("按月计，存为当月 1 日。"))
    end = models.DateField(
        _("截止月份"), null=True, blank=True, help_text=_("含该月；留空表示长期。")
    )
    reason = models.CharField(_("减免/缓交原因"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    approved_by = models.CharField(
        _("批准机构"), max_length=100, help_text=_("如：党支部委员会、街道党工委。")
    )
    approved_on = models.DateField(_("批准日期"))
    recorded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    scope_path = "member__organization__region__path"
    natural_key_field = None
    autocomplete_fields = ()

    class Meta:
        verbose_name = _("党费减免/缓交")
        verbose_name_plural = _("党费减免/缓交")
        ordering = ["member", "-start"]

    def __str__(self):
        end = f"{self.end:%Y-%m}" if self.end else _("长期")
        return f"{self.member} {self.start:%Y-%m}~{end} {self.get_reason_display()}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("members:dues_branch", args=[self.member.organization_id])

    def covers(self, month: date) -> bool:
        """Is ``month`` (any day of it) inside this exemption?"""
        month = month.replace(day=1)
        return self.start <= month and (self.end is None or month <= self.end)

    def clean(self):
        if self.start is not None:
            self.start = self.start.replace(day=1)
        if self.end is not None:
            self.end = self.end.replace(day=1)
        errors = {}
        if self.start is not None and self.end is not None and self.end < self.start:
            errors["end"] = [_("截止月份不能早于起始月份。")]
        if self.reason == self.Reason.OTHER and not (self.note or "").strip():
            errors["note"] = [_("原因为“其他”时须填写说明。")]
        if self.approved_on is not None and self.approved_on > timezone.localdate():
            errors["approved_on"] = [_("批准日期不能晚于今天。")]
        new_for_member = self.member_id is not None and self.pk is None
        if new_for_member and self.member.status != Member.Status.NORMAL:
            errors["member"] = [_("只能为党籍状态正常的党员登记党费减免/缓交。")]
        if errors:
            raise ValidationError(errors)
        overlap = self.overlapping().first()
        if overlap is not None:
            until = f"{overlap.end:%Y-%m}" if overlap.end else _("长期")
            raise ValidationError(
                {
                    "start": [
                        _("该党员 %(start)s 至 %(end)s 已有减免/缓交登记，时段不能重叠。")
                        % {"start": f"{overlap.start:%Y-%m}", "end": until}
                    ]
                }
            )

    def overlapping(self):
        """The member's other exemptions sharing a month with this one."""
        if self.member_id is None or self.start is None:
            return DuesExemption.objects.none()
        others = DuesExemption.objects.filter(member_id=self.member_id).exclude(pk=self.pk)
        others = others.filter(models.Q(end__isnull=True) | models.Q(end__gte=self.start))
        if self.end is not None:
            others = others.filter(start__lte=self.end)
        return others.order_by("start")

    def save(self, *args, **kwargs):
        if self.start is not None:
            self.start = self.start.replace(day=1)
        if self.end is not None:
            self.end = self.end.replace(day=1)
        # No overlap, checked again on the member's locked row: two writers saving
        # overlapping spans at once are served one after the other, and the second is
        # refused (the embedded PostgreSQL has no btree_gist for an exclusion constraint).
        with transaction.atomic():
            if self.member_id is not None:
                list(Member.objects.select_for_update().filter(pk=self.member_id).values("pk"))
                if self.overlapping().exists():
                    raise ValidationError(
                        {"start": [_("该党员已有时段重叠的减免/缓交登记。")]},
                        code="overlap",
                    )
            super().save(*args, **kwargs)


# === organisational life (组织生活: 三会一课, 主题党日) ===========================================


class MeetingKind(models.TextChoices):
    """The kinds of 三会一课 plus the monthly 主题党日."""

    GENERAL_ASSEMBLY = "general_assembly", _("支部党员大会")
    COMMITTEE = "committee", _("支委会")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")


class AbsenceReason(models.TextChoices):
    """Why an expected attendee was absent (请假)."""

    BUSINESS = "business", _("因公")
    ILLNESS = "illness", _("因病")
    PERSONAL = "personal", _("因事")
    OTHER = "other", _("其他")


@audited()
class Meeting(ScopedModel):
    """One meeting of a branch's organisational life (组织生活): a 支部党员大会, 支委会, 党课 or
    主题党日 of a branch-level organisation, or a 党小组会 of one of its 党小组. Its attendance
    is written only through ``members.meetings.record`` (one transaction with the meeting)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="meetings",
        help_text=_("党支部（含联合党支部、临时党支部）；党小组会为党小组。"),
    )
    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField(_("召开日期"))
    topic = models.CharField(_("主题"), max_length=200)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    host = models.CharField(
        _("主持人/授课人"), max_length=50, blank=True, help_text=_("党课填写授课人。")
    )
    minutes = models.TextField(_("会议记录"), blank=True)

    scope_path = "organization__region__path"
    natural_key_field = None
    autocomplete_fields = ("topic",)

    class Meta:
        verbose_name = _("组织生活会议")
        verbose_name_plural = _("组织生活")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "kind", "held_on"], name="meeting_org_kind_date"),
            models.Index(fields=["held_on"], name="meeting_held_on"),
        ]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()}：{self.topic}"

    def clean(self):
        from organizations.models import Organization

        super().clean()
        errors = {}
        org = self.organization if self.organization_id else None
        if org is not None and self.kind:
            if self.kind == MeetingKind.GROUP and org.kind != Organization.Kind.GROUP:
                errors["organization"] = [_("党小组会应由党小组召开，请选择党小组。")]
            elif self.kind != MeetingKind.GROUP and org.kind not in Organization.BRANCH_KINDS:
                errors["organization"] = [
                    _("“%(kind)s”应由党支部（含联合党支部、临时党支部）召开。")
                    % {"kind": self.get_kind_display()}
                ]
        if self.held_on:
            if self.held_on > timezone.localdate():
                errors["held_on"] = [_("召开日期不能晚于今天。")]
            elif org is not None and org.dissolved_on and self.held_on > org.dissolved_on:
                errors["held_on"] = [
                    _("“%(name)s”已于 %(date)s 撤销，召开日期不能晚于撤销日期。")
                    % {"name": org.name, "date": org.dissolved_on}
                ]
        if errors:
            raise ValidationError(errors)

    @property
    def member_organization(self):
        """The branch whose members attend: the organisation itself, or a 党小组's branch
        (members are registered with branches, never with 党小组)."""
        from organizations.models import Organization

        org = self.organization
        return org.parent if org.kind == Organization.Kind.GROUP else org


@audited()
class MeetingAttendance(models.Model):
    """Whether one member attended one meeting, and why not (请假原因)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="attendance"
    )
    present = models.BooleanField(_("出席"), default=True)
    absence_reason = models.CharField(
        _("缺席原因"), max_length=20, choices=AbsenceReason.choices, blank=True
    )
    absence_note = models.CharField(_("缺席说明"), max_length=200, blank=True)

    scope_path = "meeting__organization__region__path"

    class Meta:
        verbose_name = _("会议出席记录")
        verbose_name_plural = _("会议出席记录")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                name="meeting_attendance_unique",
                violation_error_message=_("该党员已登记在本次会议中。"),
            )
        ]

    def __str__(self):
        return f"{self.member} {'出席' if self.present else '缺席'}"

    def clean(self):
        errors = {}
        if self.present and (self.absence_reason or self.absence_note.strip()):
            errors["absence_reason"] = [
                _("党员“%(name)s”不能既出席又缺席。") % {"name": self.member.name}
            ]
        elif not self.present and not self.absence_reason:
            errors["absence_reason"] = [
                _("请填写党员“%(name)s”的缺席原因。") % {"name": self.member.name}
            ]
        if errors:
            raise ValidationError(errors)


@audited()
class MeetingFrequency(TimestampedModel):
    """How many meetings of a kind each branch must hold per period (district-wide, edited
    by district admins; the compliance report reads it). A 党小组会 requirement applies to
    each 党小组 of a branch."""

    class Period(models.TextChoices):
        MONTH = "month", _("每月")
        QUARTER = "quarter", _("每季度")
        YEAR = "year", _("每年")

    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices, unique=True)
    period = models.CharField(_("周期"), max_length=10, choices=Period.choices)
    required_count = models.PositiveSmallIntegerField(
        _("每周期应召开次数"), default=1, help_text=_("填 0 表示不作要求。")
    )
    note = models.CharField(_("依据/说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("组织生活频次要求")
        verbose_name_plural = _("组织生活频次要求")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.get_period_display()} {self.required_count} 次"

    @staticmethod
    def scope_filter(prefix, action):
        """District-wide reference data: every scope reads the same rows (the roles decide
        who may change them)."""
        return models.Q()

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("members:meetingfrequency_detail", args=[self.pk])
