"""The member registry (党员信息库): the largest and most sensitive table of the platform.

ID numbers and mobiles are never stored in plain text: each is kept as a Fernet ciphertext
(``*_cipher``), a keyed blind index for exact lookup and uniqueness (``*_hash``) and a masked
form for display (``*_masked``). Code sets the plain value with ``set_id_number`` /
``set_mobile``; ``full_clean`` validates it and ``save`` encrypts it.
"""

import csv
import functools
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import crypto, validators
from portal.models import Region, ScopedModel, audited
from portal.search import name_grams

SENSITIVE_FIELDS = ("id_number", "mobile")

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
    "status",
    "status_on",
    "lost_contact",
    "lost_contact_on",
    "flowing",
    "flowing_destination",
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

    scope_path = "organization__region__path"
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
            GinIndex(fields=["name_grams"], name="member_name_grams"),
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


def id_number_hash(number: str) -> str:
    """The blind index of a normalised ID number (for lookups and upserts)."""
    return crypto.blind_index(number, "id_number")
