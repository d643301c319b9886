"""The enterprise register (企业法人库) and the building and park register (楼宇园区库).

"支部建在楼上": every commercial building, park and enterprise, who works there, and whether
the Party's organisation and work cover them. Coverage facts are derived in SQL by
``buildings.coverage`` into the two fact tables at the end of this module; pages and the
API read those, never aggregate the registers per request.
"""

import csv
import functools
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import validators
from portal.models import Region, ScopedModel, TimestampedModel, audited, code_validator
from portal.search import name_grams

#: The demo district's bounding box (徐汇区, WGS-84), with a small margin: coordinates
#: outside it are a typing error (swapped latitude/longitude, a wrong district).
DISTRICT_BOUNDS = {
    "lat_min": Decimal("31.10"),
    "lat_max": Decimal("31.24"),
    "lng_min": Decimal("121.39"),
    "lng_max": Decimal("121.49"),
}
OVERRIDE_PERMISSION = "buildings.override_uscc"
#: An enterprise with this many full members and no organisation of its own should found
#: one (党章 第三十条: 正式党员三人以上的，都应当成立党的基层组织).
SHOULD_FOUND_MIN_FULL_MEMBERS = 3
#: Two-new organisations (non-public enterprises plus social organisations) per full-time
#: Party-masses worker above which a street is flagged as under-staffed.
STAFFING_MAX_PER_WORKER = 200


@functools.cache
def industry_choices():
    """GB/T 4754-2017 sections A-T, from data/gbt4754_sections.csv."""
    path = Path(settings.BASE_DIR) / "data" / "gbt4754_sections.csv"
    with open(path, encoding="utf-8") as handle:
        return [(row["code"], f"{row['code']} {row['name']}") for row in csv.DictReader(handle)]


def _in_district_errors(lat, lng):
    errors = {}
    if (lat is None) != (lng is None):
        errors["longitude" if lng is None else "latitude"] = [_("经度和纬度应同时填写。")]
    bounds = DISTRICT_BOUNDS
    if lat is not None and not bounds["lat_min"] <= lat <= bounds["lat_max"]:
        errors["latitude"] = [
            _("纬度应在本区范围内（%(min)s～%(max)s）。")
            % {"min": bounds["lat_min"], "max": bounds["lat_max"]}
        ]
    if lng is not None and not bounds["lng_min"] <= lng <= bounds["lng_max"]:
        errors["longitude"] = [
            _("经度应在本区范围内（%(min)s～%(max)s）。")
            % {"min": bounds["lng_min"], "max": bounds["lng_max"]}
        ]
    return errors


#: What people enter for a park, a building and a service site, in form order: forms, detail
#: pages and the API all take these (like ``ENTERPRISE_INPUT_FIELDS`` below).
PARK_INPUT_FIELDS = ("code", "name", "region", "address", "operator", "note")
BUILDING_INPUT_FIELDS = (
    "code",
    "name",
    "kind",
    "address",
    "region",
    "grid",
    "park",
    "latitude",
    "longitude",
    "floors",
    "basement_floors",
    "gross_floor_area",
    "property_manager",
    "contact_phone",
    "note",
)
SERVICE_SITE_INPUT_FIELDS = (
    "code",
    "name",
    "kind",
    "region",
    "building",
    "address",
    "opening_hours",
    "full_time_workers",
    "contact_phone",
    "opened_on",
    "note",
)


@audited()
class Park(ScopedModel):
    """An industrial park (产业园区)."""

    code = models.CharField(_("园区编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("园区名称"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="parks"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    operator = models.CharField(_("运营主体"), max_length=200, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("产业园区")
        verbose_name_plural = _("产业园区")
        ordering = ["code"]

    def __str__(self):
        return self.name


@audited()
class Building(ScopedModel):
    """A commercial building, park building or market (商务楼宇/园区楼宇/商圈市场)."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("商务楼宇")
        PARK = "park", _("园区楼宇")
        MARKET = "market", _("商圈市场")

    code = models.CharField(_("楼宇编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("楼宇名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.OFFICE)
    address = models.CharField(_("地址"), max_length=200)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在社区"),
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("所在网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="buildings",
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("所在园区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    floors = models.PositiveSmallIntegerField(
        _("地上层数"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    basement_floors = models.PositiveSmallIntegerField(_("地下层数"), default=0)
    gross_floor_area = models.DecimalField(
        _("建筑面积（平方米）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1"))],
    )
    property_manager = models.CharField(_("物业管理单位"), max_length=200, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("楼宇")
        verbose_name_plural = _("楼宇")
        ordering = ["code"]
        indexes = [models.Index(fields=["name", "id"], name="building_name")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = _in_district_errors(self.latitude, self.longitude)
        region = self.region if self.region_id else None
        if region is not None and region.level != Region.Level.COMMUNITY:
            errors["region"] = [_("楼宇应落在居民区/村一级。")]
        grid = self.grid if self.grid_id else None
        if grid is not None and region is not None and grid.region_id != region.pk:
            errors["grid"] = [_("所选网格不在楼宇所在社区。")]
        park = self.park if self.park_id else None
        if park is not None and region is not None:
            street = park.region.path.split("/")[:3]
            if region.path.split("/")[:3] != street:
                errors["park"] = [_("楼宇与所在园区应属同一街道（镇）。")]
        if errors:
            raise ValidationError(errors)

    def floor_valid(self, floor):
        """Whether ``floor`` (negative for basements) exists in this building."""
        if floor is None:
            return True
        if floor < 0:
            return -floor <= self.basement_floors
        return floor > 0 and (self.floors is None or floor <= self.floors)


#: What people enter for an enterprise, in form order.
ENTERPRISE_INPUT_FIELDS = (
    "uscc",
    "uscc_override_reason",
    "name",
    "kind",
    "industry",
    "legal_representative",
    "employees",
    "registered_address",
    "operating_address",
    "region",
    "building",
    "floor",
    "room",
    "moved_in_on",
    "status",
    "status_on",
    "party_organization",
    "note",
)


@audited(exclude=["updated_at", "name_grams"])
class Enterprise(ScopedModel):
    """A legal person (企业法人) or social organisation (社会组织) of the district."""

    class Kind(models.TextChoices):
        STATE = "state", _("国有企业")
        COLLECTIVE = "collective", _("集体企业")
        PRIVATE = "private", _("民营企业")
        FOREIGN = "foreign", _("外资企业")
        HK_MACAO_TAIWAN = "hmt", _("港澳台资企业")
        SOCIAL_GROUP = "social_group", _("社会团体")
        PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("民办非企业单位")
        FOUNDATION = "foundation", _("基金会")
        PUBLIC_INSTITUTION = "public_institution", _("事业单位")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        ACTIVE = "active", _("存续")
        MOVED_OUT = "moved_out", _("迁出")
        DEREGISTERED = "deregistered", _("注销")

    #: 两新组织: non-public enterprises and social organisations (the staffing check's base).
    NON_PUBLIC_KINDS = (Kind.PRIVATE, Kind.FOREIGN, Kind.HK_MACAO_TAIWAN)
    SOCIAL_KINDS = (Kind.SOCIAL_GROUP, Kind.PRIVATE_NON_ENTERPRISE, Kind.FOUNDATION)
    TWO_NEW_KINDS = (*NON_PUBLIC_KINDS, *SOCIAL_KINDS)

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    uscc_override_reason = models.TextField(
        _("信用代码例外说明"),
        blank=True,
        help_text=_("仅当代码校验位不符但组织机构代码正确（早期试点代码）时，由有权限的用户填写。"),
    )
    uscc_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("例外批准人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("名称"), max_length=200)
    name_grams = ArrayField(models.CharField(max_length=4), default=list, editable=False)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    industry = models.CharField(_("行业门类"), max_length=1, choices=industry_choices, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    employees = models.PositiveIntegerField(_("从业人员数"), null=True, blank=True)
    registered_address = models.CharField(_("注册地址"), max_length=200, blank=True)
    operating_address = models.CharField(_("经营地址"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("所在楼宇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    floor = models.SmallIntegerField(
        _("楼层"), null=True, blank=True, help_text=_("地下层用负数，如 -1。")
    )
    room = models.CharField(_("房间号"), max_length=30, blank=True)
    moved_in_on = models.DateField(_("入驻日期"), null=True, blank=True)
    status = models.CharField(
        _("登记状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    status_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    party_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("所在党组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprises",
        help_text=_("单独建立的党组织，或所在的联合党支部。"),
    )
    note = models.TextField(_("备注"), blank=True)

    natural_key_field = "uscc"
    autocomplete_fields = ("name", "uscc")
    #: Who a validation runs for (forms, the API and imports set it): the USCC override
    #: needs their permission and records their name.
    validating_user = None

    class Meta:
        verbose_name = _("企业/社会组织")
        verbose_name_plural = _("企业/社会组织")
        ordering = ["id"]
        permissions = [("override_uscc", _("可接受校验位不符的早期统一社会信用代码"))]
        indexes = [
            GinIndex(fields=["name_grams"], name="enterprise_name_grams"),
            models.Index(fields=["region", "status"], name="enterprise_region_status"),
            models.Index(fields=["kind", "status"], name="enterprise_kind_status"),
            models.Index(fields=["industry"], name="enterprise_industry"),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def normalize_natural_key(cls, value):
        """A USCC as stored: upper case, full-width folded, no spaces (``91350100m…`` and
        ``９１３５…`` name ``91350100M…``). Validity is ``clean``'s business."""
        return validators._compact(value).upper() if isinstance(value, str) else value

    #: Stored values ``save`` and ``clean`` compare against (set when a row is loaded).
    TRACKED = (
        "uscc",
        "uscc_override_reason",
        "uscc_override_by_id",
        "building_id",
        "floor",
        "room",
        "moved_in_on",
        "status",
    )

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored = instance._tracked()
        return instance

    def _tracked(self):
        return {name: self.__dict__.get(name) for name in self.TRACKED}

    def _changed(self, *names):
        """Whether any of ``names`` differs from the stored row (True for a new row)."""
        stored = getattr(self, "_stored", None)
        return stored is None or any(stored[n] != self.__dict__.get(n) for n in names)

    @property
    def organization_kind(self):
        """'own', 'joint' or '' (none): a joint branch (联合党支部) is shared with others."""
        from organizations.models import Organization

        org = self.party_organization
        if org is None:
            return ""
        return "joint" if org.kind == Organization.Kind.JOINT_BRANCH else "own"

    def clean(self):
        super().clean()
        errors = {}
        self._clean_uscc(errors)
        self.name = " ".join(self.name.split())
        region = self.region if self.region_id else None
        building = self.building if self.building_id else None
        if building is not None:
            if region is not None and building.region_id != region.pk:
                errors["building"] = [
                    _("所在楼宇位于“%(region)s”，与企业所在区划不一致。")
                    % {"region": building.region.name}
                ]
            if not building.floor_valid(self.floor):
                errors["floor"] = [_("该楼宇没有这一层。")]
        elif self.floor is not None or self.room:
            errors["building"] = [_("填写了楼层或房间号时，须填写所在楼宇。")]
        if self.moved_in_on and self.moved_in_on > timezone.localdate():
            errors["moved_in_on"] = [_("入驻日期不能晚于今天。")]
        if self.status != self.Status.ACTIVE and not self.status_on:
            errors["status_on"] = [_("迁出或注销时须填写状态变更日期。")]
        if self.status_on and self.status_on > timezone.localdate():
            errors["status_on"] = [_("状态变更日期不能晚于今天。")]
        if self.employees is not None and self.employees > 1_000_000:
            errors["employees"] = [_("从业人员数不合理。")]
        org = self.party_organization if self.party_organization_id else None
        if org is not None and org.is_dissolved:
            errors["party_organization"] = [_("所选党组织已撤销。")]
        if errors:
            raise ValidationError(errors)

    def _clean_uscc(self, errors):
        reason = (self.uscc_override_reason or "").strip()
        self.uscc_override_reason = reason
        try:
            self.uscc = validators.normalize_uscc(self.uscc)
        except ValidationError as exc:
            if exc.code != validators.USCC_CHECK_OVERRIDABLE:
                errors["uscc"] = exc.messages
                return
            self.uscc = self.normalize_natural_key(self.uscc)
            user = self.validating_user
            if not reason:
                errors["uscc"] = exc.messages
            elif self.uscc_override_by_id and not self._changed("uscc", "uscc_override_reason"):
                pass  # accepted before, by a permitted user: other edits keep the acceptance
            elif user is None or not user.has_perm(OVERRIDE_PERMISSION):
                errors["uscc_override_reason"] = [
                    _("您没有接受例外信用代码的权限，请联系区级管理员。")
                ]
            else:
                self.uscc_override_by = user if user.pk else None
        else:
            # A valid code needs no exception: drop a stale one.
            self.uscc_override_reason = ""
            self.uscc_override_by = None

    def save(self, *args, **kwargs):
        self.name_grams = name_grams(self.name)
        moved = self._changed("building_id", "floor", "room")
        if moved and self.building_id and self.pk and not self._changed("moved_in_on"):
            self.moved_in_on = timezone.localdate()  # moved now: no other date was given
        with transaction.atomic():
            super().save(*args, **kwargs)
            if moved or self._changed("status"):
                # The open tenancy ends when the enterprise left: on its new move-in date,
                # or on the day it moved out of the district or was deregistered.
                leaving = self.status != self.Status.ACTIVE
                day = self.status_on if leaving else self.moved_in_on if moved else None
                sync_tenancies([self.pk], moved_on=day)
        self._stored = self._tracked()


@audited()
class Tenancy(TimestampedModel):
    """Where an enterprise sat and when (入驻/迁出): the tenancy history of a building.

    Kept by ``sync_tenancies`` from the enterprise's current building, floor and room."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="tenancies"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("楼宇"), on_delete=models.CASCADE, related_name="tenancies"
    )
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    room = models.CharField(_("房间号"), max_length=30, blank=True)
    moved_in_on = models.DateField(_("入驻日期"), null=True, blank=True)
    moved_out_on = models.DateField(_("迁出日期"), null=True, blank=True)

    scope_path = "enterprise__region__path"

    class Meta:
        verbose_name = _("入驻记录")
        verbose_name_plural = _("入驻记录")
        ordering = ["-moved_in_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(moved_out_on__isnull=True),
                name="tenancy_one_current",
            )
        ]

    def __str__(self):
        return f"{self.enterprise} @ {self.building}"


def sync_tenancies(enterprise_ids, moved_on=None):
    """Bring the tenancy history of ``enterprise_ids`` in line with their current building,
    floor and room: close the open tenancy that no longer matches (moved out on ``moved_on``
    or today) and open one for the current place. Two statements whatever the count, so
    imports call it once for all their rows."""
    from django.db import connection

    day = moved_on or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE buildings_tenancy t SET moved_out_on = GREATEST(%(day)s,
                COALESCE(t.moved_in_on, %(day)s)), updated_at = now()
            FROM buildings_enterprise e
            WHERE t.enterprise_id = e.id AND e.id = ANY(%(ids)s) AND t.moved_out_on IS NULL
              AND (e.building_id IS DISTINCT FROM t.building_id
                   OR e.floor IS DISTINCT FROM t.floor OR e.room IS DISTINCT FROM t.room
                   OR e.status <> 'active')
            """,
            {"ids": list(enterprise_ids), "day": day},
        )
        cursor.execute(
            """
            INSERT INTO buildings_tenancy
                (enterprise_id, building_id, floor, room, moved_in_on, created_at, updated_at)
            SELECT e.id, e.building_id, e.floor, e.room, COALESCE(e.moved_in_on, %(day)s),
                now(), now()
            FROM buildings_enterprise e
            WHERE e.id = ANY(%(ids)s) AND e.building_id IS NOT NULL AND e.status = 'active'
              AND NOT EXISTS (SELECT 1 FROM buildings_tenancy t
                              WHERE t.enterprise_id = e.id AND t.moved_out_on IS NULL)
            """,
            {"ids": list(enterprise_ids), "day": day},
        )


@audited()
class ServiceSite(ScopedModel):
    """A Party service site: 党建服务中心, 党建服务站, 金领驿站 ..."""

    class Kind(models.TextChoices):
        CENTER = "center", _("党建服务中心")
        STATION = "station", _("党建服务站")
        GOLDEN_COLLAR = "golden_collar", _("金领驿站")
        POINT = "point", _("党建服务点")

    code = models.CharField(_("站点编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("站点名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="service_sites"
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("所在楼宇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_sites",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    full_time_workers = models.PositiveSmallIntegerField(_("专职党群工作者（人）"), default=0)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    opened_on = models.DateField(_("启用日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("党建服务站点")
        verbose_name_plural = _("党建服务站点")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        building = self.building if self.building_id else None
        region = self.region if self.region_id else None
        if (
            building is not None
            and region is not None
            and not building.region.path.startswith(region.path)
        ):
            raise ValidationError({"building": [_("所在楼宇不在站点所属区划内。")]})


# --- derived facts (written only by buildings.coverage) ---------------------------------


class EnterpriseFacts(models.Model):
    """Per-enterprise coverage facts, refreshed in SQL by ``buildings.coverage``."""

    enterprise = models.OneToOneField(
        Enterprise, primary_key=True, on_delete=models.CASCADE, related_name="facts"
    )
    members = models.PositiveIntegerField(_("党员数"), default=0)
    full_members = models.PositiveIntegerField(_("正式党员"), default=0)
    probationary_members = models.PositiveIntegerField(_("预备党员"), default=0)
    has_own_organization = models.BooleanField(_("单独建立党组织"), default=False)
    has_joint_organization = models.BooleanField(_("联合党组织覆盖"), default=False)
    work_covered = models.BooleanField(_("党的工作覆盖"), default=False)
    should_found = models.BooleanField(_("应建未建"), default=False)

    scope_path = "enterprise__region__path"

    class Meta:
        verbose_name = _("企业覆盖情况")
        verbose_name_plural = _("企业覆盖情况")
        indexes = [
            models.Index(
                fields=["should_found"],
                name="facts_should_found",
                condition=models.Q(should_found=True),
            )
        ]

    def __str__(self):
        return str(self.enterprise)


class CoverageSummary(models.Model):
    """Coverage figures of one building, park or region, refreshed with the facts."""

    class Level(models.TextChoices):
        BUILDING = "building", _("楼宇")
        PARK = "park", _("园区")
        GRID = "grid", _("网格")
        COMMUNITY = "community", _("居民区/村")
        STREET = "street", _("街道/镇")
        DISTRICT = "district", _("区")

    level = models.CharField(_("层级"), max_length=20, choices=Level.choices)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="+", help_text=_("所在或所指区划")
    )
    building = models.OneToOneField(
        Building, null=True, on_delete=models.CASCADE, related_name="coverage"
    )
    park = models.OneToOneField(Park, null=True, on_delete=models.CASCADE, related_name="coverage")
    grid = models.OneToOneField(
        "grids.Grid", null=True, on_delete=models.CASCADE, related_name="coverage"
    )
    enterprises = models.PositiveIntegerField(_("企业/社会组织"), default=0)
    two_new = models.PositiveIntegerField(_("两新组织"), default=0)
    with_members = models.PositiveIntegerField(_("有党员的"), default=0)
    members = models.PositiveIntegerField(_("党员数"), default=0)
    with_organization = models.PositiveIntegerField(_("建有党组织的"), default=0)
    with_own_organization = models.PositiveIntegerField(_("单独建立的"), default=0)
    with_joint_organization = models.PositiveIntegerField(_("联合建立的"), default=0)
    work_covered = models.PositiveIntegerField(_("党的工作覆盖的"), default=0)
    should_found = models.PositiveIntegerField(_("应建未建"), default=0)
    service_sites = models.PositiveIntegerField(_("服务站点"), default=0)
    full_time_workers = models.PositiveIntegerField(_("专职党群工作者"), default=0)
    refreshed_at = models.DateTimeField(_("统计时间"))

    scope_path = "region__path"

    class Meta:
        verbose_name = _("覆盖统计")
        verbose_name_plural = _("覆盖统计")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "region"],
                condition=models.Q(building__isnull=True, park__isnull=True, grid__isnull=True),
                name="coverage_region_unique",
            )
        ]

    def __str__(self):
        return (
            f"{self.get_level_display()} {self.building or self.park or self.grid or self.region}"
        )

    def _rate(self, part):
        return round(100 * part / self.enterprises, 1) if self.enterprises else None

    @property
    def organization_rate(self):
        """组织覆盖率 (%): enterprises with an own or joint organisation, of all active."""
        return self._rate(self.with_organization)

    @property
    def work_rate(self):
        """工作覆盖率 (%): enterprises reached by an organisation or a service site."""
        return self._rate(self.work_covered)

    @property
    def two_new_per_worker(self):
        if not self.full_time_workers:
            return None
        return round(self.two_new / self.full_time_workers, 1)

    @property
    def understaffed(self):
        """More than STAFFING_MAX_PER_WORKER two-new organisations per full-time worker
        (or some and no worker at all)."""
        if not self.two_new:
            return False
        return not self.full_time_workers or (
            self.two_new / self.full_time_workers > STAFFING_MAX_PER_WORKER
        )
