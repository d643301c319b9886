"""The dashboard's summary tables, rewritten by ``dashboard.summaries.refresh()``.

The dashboard never aggregates the registers per request: it reads ``Figure`` rows (one value
per region, metric and month) and the time of the last refresh from ``Refresh``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Region


class Figure(models.Model):
    """One figure of one region (district, street/town, community, ...) for one month.

    ``month`` is the first day of the month. Stock figures (members, organisations, open
    cases ...) hold the count at the month's end, the current month's the count at the
    refresh; flow figures (visits) the count within the month. The metrics are listed in
    ``dashboard.summaries.METRICS``.
    """

    region = models.ForeignKey(
        Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="+"
    )
    metric = models.CharField(_("指标"), max_length=40)
    month = models.DateField(_("月份"))
    value = models.BigIntegerField(_("数值"), default=0)

    scope_path = "region__path"

    class Meta:
        verbose_name = _("工作台统计")
        verbose_name_plural = _("工作台统计")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "metric", "month"], name="dashboard_figure_unique"
            )
        ]

    def __str__(self):
        return f"{self.region_id} {self.metric} {self.month:%Y-%m}: {self.value}"


class Refresh(models.Model):
    """The last refresh of the figures (one row): when, and how long it took."""

    refreshed_at = models.DateTimeField(_("统计时间"))
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    figures = models.PositiveIntegerField(_("统计行数"), default=0)

    class Meta:
        verbose_name = _("工作台统计刷新")
        verbose_name_plural = _("工作台统计刷新")

    def __str__(self):
        return f"{self.refreshed_at:%Y-%m-%d %H:%M}"
