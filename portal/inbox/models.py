"""Each user's inbox: reminders of work due (written by the daily reminder run) and messages
from the workflows (a case dispatched to me, a wish claimed ...).

An item belongs to one user and nobody else sees it. ``key`` names the reason of a reminder
(``talk_due:applicant:123``, ``term:org:45:2027-01-01:6m``): the daily run upserts by
(user, key), so it never writes an item twice, and marks done (``done_at``) the generated
items whose reason has gone. Messages usually have no key (every event is a new message).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboxItem(models.Model):
    class Kind(models.TextChoices):
        # Reminders (待办), written by the daily run from the apps' reminder providers.
        TALK_DUE = "talk_due", _("入党谈话到期")
        ACTIVIST_DUE = "activist_due", _("积极分子培养期满")
        PROBATION_DUE = "probation_due", _("预备期即将期满")
        TRANSFER_APPROVAL = "transfer_approval", _("组织关系转接待审批")
        TRANSFER_ACCEPTANCE = "transfer_acceptance", _("组织关系转接待接收")
        DUES_ARREARS = "dues_arrears", _("党费欠缴")
        TERM_6M = "term_6m", _("换届提醒（半年内届满）")
        TERM_1M = "term_1m", _("换届提醒（一个月内届满）")
        TERM_OVERDUE = "term_overdue", _("届满未换届")
        # Messages (消息), written when a workflow step happens.
        CASE_REPORTED = "case_reported", _("新的需求/问题")
        CASE_DISPATCHED = "case_dispatched", _("需求/问题派给我")
        CASE_RESOLVED = "case_resolved", _("需求/问题待核实")
        CASE_ESCALATED = "case_escalated", _("需求/问题上报")
        CASE_OVERDUE = "case_overdue", _("需求/问题超时")
        WISH_REVIEWED = "wish_reviewed", _("微心愿审核")
        WISH_CLAIMED = "wish_claimed", _("微心愿认领")
        WISH_FULFILLED = "wish_fulfilled", _("微心愿实现")
        WISH_CONFIRMED = "wish_confirmed", _("微心愿确认")
        WISH_WITHDRAWN = "wish_withdrawn", _("微心愿撤回")
        WISH_RELEASED = "wish_released", _("微心愿认领释放")
        MESSAGE = "message", _("消息")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="inbox_items",
    )
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    due_on = models.DateField(_("到期日期"), null=True, blank=True)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("对象类型"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    object_id = models.PositiveBigIntegerField(_("对象编号"), null=True, blank=True)
    source = GenericForeignKey("content_type", "object_id")
    key = models.CharField(_("提醒标识"), max_length=200, null=True, blank=True)
    generated = models.BooleanField(
        _("由每日提醒生成"),
        default=False,
        help_text=_("每日提醒生成的待办在其事由消失后自动标记为已完成。"),
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待办与提醒")
        verbose_name_plural = _("待办与提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            # NULL keys (messages) never conflict; a reminder exists once per user and reason.
            models.UniqueConstraint(fields=["user", "key"], name="inbox_item_user_key"),
        ]
        indexes = [
            # The navigation badge: a user's unread, open items.
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True, done_at__isnull=True),
                name="inbox_item_unread",
            ),
            models.Index(fields=["user", "-created_at"], name="inbox_item_user_created"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self):
        return (
            self.due_on is not None and self.done_at is None and self.due_on < timezone.localdate()
        )
