"""Columns of list pages and exports: one declaration serves both."""

from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Column:
    """One column: ``accessor`` is a dotted attribute path (``region.name``); choices show
    their label. ``order_by`` is the ORM field to sort on (None: not sortable).

    When the accessor ends in a concrete field, exports read the column with
    ``values_list`` (no model instances), which is several times faster on large tables.
    """

    def __init__(self, accessor, label=None, order_by="", link=False, export=True):
        self.accessor = accessor
        self.label = label
        self.order_by = accessor.replace(".", LOOKUP_SEP) if order_by == "" else order_by
        self.link = link
        self.export = export

    def bind(self, model):
        field = self._final_field(model)
        if self.label is None:
            self.label = model._meta.get_field(self.accessor.split(".")[0]).verbose_name
        self.lookup = self.accessor.replace(".", LOOKUP_SEP) if field is not None else None
        self.choices = dict(field.flatchoices) if field is not None and field.choices else None
        return self

    def _final_field(self, model):
        """The concrete field the accessor ends in, or None (a property or method)."""
        field = None
        for part in self.accessor.split("."):
            if model is None:
                return None
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return None
            model = field.related_model
        if field is None or field.is_relation or not field.concrete:
            return None
        return field

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
        return format_value(self.value(obj))

    def text_of_value(self, value):
        """The text of a value read by ``lookup`` (values mode)."""
        if self.choices is not None and value is not None:
            value = self.choices.get(value, value)
        return format_value(value)


class Annotation(Column):
    """A column read from an annotation of the list's queryset (a count, a derived figure):
    exports read it with ``values_list`` like a field. ``choices`` label stored values;
    ``empty`` is shown where the figure is None (not computed yet)."""

    def __init__(self, accessor, label, choices=None, order_by="", empty=""):
        super().__init__(accessor, label=label, order_by=order_by)
        self.fixed_choices = dict(choices) if choices else None
        self.empty = empty

    def bind(self, model):
        self.lookup = self.accessor
        self.choices = self.fixed_choices
        return self

    def value(self, obj):
        return getattr(obj, self.accessor)

    def text(self, obj):
        return self.text_of_value(self.value(obj))

    def text_of_value(self, value):
        return self.empty if value is None else super().text_of_value(value)


def format_value(value):
    if value is None:
        return ""
    if value is True:
        return str(_("是"))
    if value is False:
        return str(_("否"))
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def bind_columns(columns, model):
    return [column.bind(model) for column in columns]
