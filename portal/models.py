"""Base models every app builds on, and the Region tree that scoping is built on."""

import re
from datetime import timedelta

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def audited(**kwargs):
    """Track a model with pghistory: insert, update and delete events with request context.

    Trigger based (DESIGN.md 2), so admin, API, UI, bulk SQL and imports are all caught.
    ``updated_at`` is left out of snapshots so a save that changes nothing leaves no event.
    Trackers bind to their model, so each model gets its own.
    """
    kwargs.setdefault("exclude", ["updated_at"])
    trackers = (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
    return pghistory.track(*trackers, **kwargs)


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class ScopedModel(TimestampedModel):
    """A row that belongs to a region, directly or through a relation.

    ``scope_path`` names the lookup that reaches the materialized path of the row's region;
    ``portal.scoping`` filters on it. ``natural_key_field`` is the field imports and the API
    upsert by.
    """

    scope_path = "region__path"
    natural_key_field = "code"
    #: What autocomplete matches a typed term against (codes by prefix).
    autocomplete_fields = ("name", "code")

    class Meta:
        abstract = True

    @classmethod
    def normalize_natural_key(cls, value):
        """A natural key as someone typed it, in the spelling it is stored in: imports and
        the API look relations up by this (``code`` as typed, a USCC upper-cased ...)."""
        return value.strip() if isinstance(value, str) else value

    def get_absolute_url(self):
        meta = self._meta
        return reverse(f"{meta.app_label}:{meta.model_name}_detail", args=[self.pk])


code_validator = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z_.-]*$", _("编码只能包含字母、数字、下划线、点和连字符。")
)


class TreeNode(models.Model):
    """A tree kept as a ``parent`` foreign key (the truth) plus a materialized ``path``.

    The path is the chain of codes from the root, ``/310104/310104003/``, so "X and
    everything under it" is ``path LIKE 'X.path%'``, an index range scan on the C-collated
    column (core PostgreSQL, no ltree), and sorting by path lists the tree depth-first.
    Moving or re-coding a node rewrites its subtree's paths in one UPDATE statement.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # COLLATE "C": byte order, so one plain b-tree index serves both the prefix match
    # (``LIKE 'x%'``) and ``ORDER BY path`` (tree order) on core PostgreSQL.
    path = models.CharField(_("路径"), max_length=600, editable=False, db_collation="C")
    depth = models.PositiveSmallIntegerField(_("层级深度"), default=0, editable=False)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["path"], name="%(class)s_path")]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_path = instance.__dict__.get("path")
        return instance

    def build_path(self) -> str:
        # ``self.parent``, not ``parent_id``: an import links rows to parents not yet saved.
        parent = self.parent
        prefix = parent.path if parent is not None else "/"
        return f"{prefix}{self.code}/"

    def clean(self):
        super().clean()
        parent = self.parent
        if parent is None:
            return
        stored = getattr(self, "_stored_path", None)
        if self.pk and (parent.pk == self.pk or (stored and parent.path.startswith(stored))):
            raise ValidationError({"parent": _("上级不能是自身或自身的下级。")})

    def save(self, *args, **kwargs):
        old_path = getattr(self, "_stored_path", None)
        self.path = self.build_path()
        self.depth = self.path.count("/") - 2
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                self.move_subtree(old_path, self.path)
        self._stored_path = self.path

    def move_subtree(self, old_path: str, new_path: str) -> int:
        """Rewrite every descendant's path after this node moved: one UPDATE statement."""
        depth_delta = new_path.count("/") - old_path.count("/")
        return (
            type(self)
            .objects.filter(path__startswith=old_path)
            .exclude(pk=self.pk)
            .update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + depth_delta,
            )
        )

    @classmethod
    def rebuild_paths(cls, pks) -> int:
        """Recompute the path and depth of the nodes ``pks`` and everything under them from
        the ``parent`` links (the truth), in one statement. For bulk writes that move several
        nodes at once, where rewriting one moved subtree after another by old path prefix
        would depend on the order of the moves."""
        from django.db import connection

        meta, quote = cls._meta, connection.ops.quote_name
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        parent, code = quote(meta.get_field("parent").column), quote(meta.get_field("code").column)
        sql = f"""
            WITH RECURSIVE up (anchor, parent_id, path) AS (
                SELECT n.{pk}, n.{parent}, n.{code} || '/' FROM {table} n
                WHERE n.{pk} = ANY(%(pks)s)
              UNION ALL
                SELECT up.anchor, p.{parent}, p.{code} || '/' || up.path
                FROM up JOIN {table} p ON p.{pk} = up.parent_id
                WHERE length(up.path) <= %(limit)s
            ), down (id, path) AS (
                SELECT anchor, '/' || path FROM up WHERE parent_id IS NULL
              UNION ALL
                SELECT c.{pk}, down.path || c.{code} || '/'
                FROM down JOIN {table} c ON c.{parent} = down.id
                WHERE length(down.path) <= %(limit)s
            )
            UPDATE {table} SET path = d.path,
                depth = length(d.path) - length(replace(d.path, '/', '')) - 2
            FROM (SELECT DISTINCT id, path FROM down) d
            WHERE {table}.{pk} = d.id AND {table}.path IS DISTINCT FROM d.path
        """  # noqa: S608 - only quoted names of this model are interpolated
        # The length limit stops the recursion should the links ever form a cycle.
        limit = meta.get_field("path").max_length
        with connection.cursor() as cursor:
            cursor.execute(sql, {"pks": list(pks), "limit": limit})
            return cursor.rowcount

    def descendants(self, include_self=True):
        qs = type(self).objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestors(self):
        codes = self.path.strip("/").split("/")[:-1]
        return type(self).objects.filter(code__in=codes).order_by("depth")


REGION_CODE_RE = re.compile(r"^(\d{6}|\d{9}|\d{12})$")


@audited()
class Region(TreeNode, ScopedModel):
    """An administrative division: city > district > street/town > community (居民区/村).

    Codes are GB/T 2260 county codes (6 digits) extended by the statistical division codes
    (9-digit township, 12-digit village level).
    """

    class Level(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区")
        STREET = "street", _("街道")
        TOWN = "town", _("镇")
        DEVELOPMENT_ZONE = "development_zone", _("开发区")
        COMMUNITY = "community", _("居民区/村")

    #: How deep in the tree each level sits; a child sits deeper than its parent.
    TIER = {
        Level.CITY: 1,
        Level.DISTRICT: 2,
        Level.STREET: 3,
        Level.TOWN: 3,
        Level.DEVELOPMENT_ZONE: 3,
        Level.COMMUNITY: 4,
    }

    code = models.CharField(
        _("区划代码"),
        max_length=12,
        unique=True,
        validators=[
            RegexValidator(
                REGION_CODE_RE, _("区划代码应为 6、9 或 12 位数字（GB/T 2260 及统计用区划代码）。")
            )
        ],
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=20, choices=Level.choices)

    scope_path = "path"

    class Meta(TreeNode.Meta):
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        parent = self.parent
        if parent is None or not self.level:
            return
        if self.TIER[self.level] <= self.TIER[parent.level]:
            raise ValidationError(
                {
                    "level": _("层级必须低于上级“%(parent)s”（%(level)s）。")
                    % {"parent": parent.name, "level": parent.get_level_display()}
                }
            )
        if self.TIER[parent.level] >= 2 and self.code and not self.code.startswith(parent.code):
            raise ValidationError(
                {"code": _("区划代码应以上级的代码 %(code)s 开头。") % {"code": parent.code}}
            )

    @property
    def is_street_level(self):
        return self.TIER.get(self.level) == 3


class ImportJob(models.Model):
    """One upload through the import framework, run by Celery, with its progress and report."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("处理中")
        INVALID = "invalid", _("校验未通过")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    spec = models.CharField(_("导入类型"), max_length=100)
    filename = models.CharField(_("文件名"), max_length=255)
    #: The upload, Fernet-encrypted (it may hold ID numbers); emptied once the job ends with
    #: a result, kept after a failure so the job can be retried.
    content = models.BinaryField(_("文件内容（加密）"))
    dry_run = models.BooleanField(_("仅校验"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    has_content = models.BooleanField(_("保留上传文件"), default=True)
    message = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    scope_path = "user__scope_region__path"

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in (self.Status.INVALID, self.Status.DONE, self.Status.FAILED)

    #: A job pending or running this long has lost its worker.
    STALE_AFTER = timedelta(hours=1)

    @property
    def can_retry(self):
        if not self.has_content:
            return False
        if self.status == self.Status.FAILED:
            return True
        unfinished = self.status in (self.Status.PENDING, self.Status.RUNNING)
        return unfinished and timezone.now() - self.created_at > self.STALE_AFTER


class SensitiveAccess(models.Model):
    """Who saw or exported unmasked sensitive fields (ID numbers, mobiles), when, of which
    rows, through what. Written by every unmasked view, API answer and export."""

    class Channel(models.TextChoices):
        UI = "ui", _("网页")
        API = "api", _("接口")
        EXPORT = "export", _("导出")
        ADMIN = "admin", _("后台")

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("访问人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    model = models.CharField(_("对象类型"), max_length=100)
    object_ids = ArrayField(models.BigIntegerField(), verbose_name=_("对象编号"))
    fields = ArrayField(models.CharField(max_length=50), verbose_name=_("字段"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    path = models.CharField(_("地址"), max_length=500, blank=True)

    scope_path = "user__scope_region__path"

    class Meta:
        verbose_name = _("敏感信息访问记录")
        verbose_name_plural = _("敏感信息访问记录")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user} {self.at:%Y-%m-%d %H:%M} {self.model} ×{len(self.object_ids)}"

    def get_absolute_url(self):
        return ""

    @property
    def count(self):
        return len(self.object_ids)

    @classmethod
    def record(cls, request, model, ids, fields, channel):
        return cls.objects.create(
            user=request.user,
            model=model._meta.label_lower,
            object_ids=list(ids),
            fields=list(fields),
            channel=channel,
            request_id=getattr(request, "id", "") or "",
            path=request.get_full_path()[:500],
        )
