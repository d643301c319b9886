"""Columns of list pages and exports: one declaration serves both."""

from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _


class Column:
    """One column: ``accessor`` is a dotted attribute path (``region.name``); choices show
    their label. ``order_by`` is the ORM field to sort on (None: not sortable)."""

    def __init__(self, accessor, label=None, order_by="", link=False, export=True):
        self.accessor = accessor
        self.label = label
        self.order_by = accessor.replace(".", LOOKUP_SEP) if order_by == "" else order_by
        self.link = link
        self.export = export

    def bind(self, model):
        if self.label is None:
            field = model._meta.get_field(self.accessor.split(".")[0])
            self.label = field.verbose_name
        return self

    def value(self, obj):
        for part in self.accessor.split("."):
            if obj is None:
                return None
            display = getattr(obj, f"get_{part}_display", None)
            obj = display() if display else getattr(obj, part)
        if callable(obj):
            obj = obj()
        return obj

    def text(self, obj):
        value = self.value(obj)
        if value is None:
            return ""
        if value is True:
            return str(_("是"))
        if value is False:
            return str(_("否"))
        return str(value)


def bind_columns(columns, model):
    return [column.bind(model) for column in columns]
