"""Base classes of the REST API: every resource's viewset and serializer is a few lines.

Contract (issue 2): lists answer ``{"count", "next", "previous", "results"}`` (cursor mode for
sync omits ``count``), every object carries ``id`` and ``url``, relations are brief nested
objects on read and accept an id or a natural key on write, errors are
``{"field": ["message"]}`` in Chinese keyed by the field's API name.
"""

import functools
import math

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import exception_handler as drf_exception_handler

from portal import scoping


def api_view_name(model):
    return f"api:{model._meta.model_name}-detail"


def django_errors_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): list(errors)
            for field, errors in exc.message_dict.items()
        }
    else:
        detail = {"non_field_errors": list(exc.messages)}
    return exceptions.ValidationError(detail)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = django_errors_to_drf(exc)
    elif isinstance(exc, IntegrityError):
        # A unique row written by someone else between our check and our insert.
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("数据已被他人同时修改或登记，请刷新后重试。")]}
        )
    elif isinstance(exc, ProtectedError):
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("该对象仍被其他数据引用（例如存在下级），不能删除。")]}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        # Django's get_object_or_404 message ("No Organization matches ...") is English.
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.Throttled):
        # DRF sets Retry-After from ``wait``; the message is ours, in Chinese.
        from portal.throttling import throttled_message

        wait = exc.wait
        exc = exceptions.Throttled(detail=throttled_message(wait))
        exc.wait = max(1, math.ceil(wait or 1))
    elif isinstance(exc, exceptions.ParseError):
        # DRF's parsers word malformed JSON/multipart bodies in untranslated English.
        exc = exceptions.ParseError(_("请求内容无法解析：%(error)s") % {"error": exc.detail})
    return drf_exception_handler(exc, context)


# --- serializers ----------------------------------------------------------------------


_PK_SENTINEL = 987654321


def detail_url(model, pk, request):
    """The API URL of a row. ``reverse`` is slow when called for every relation of every row
    of a 1000-row page, so each request reverses once per model and fills in the pk."""
    cache = getattr(request, "_api_url_templates", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._api_url_templates = cache
    template = cache.get(model)
    if template is None:
        url = reverse(api_view_name(model), args=[_PK_SENTINEL], request=request)
        template = cache[model] = url.replace(str(_PK_SENTINEL), "{pk}")
    return template.format(pk=pk)


class IdentityField(serializers.HyperlinkedIdentityField):
    def get_url(self, obj, view_name, request, format):
        return detail_url(type(obj), obj.pk, request)


@functools.cache
def brief_fields_for(model):
    names = {f.name for f in model._meta.fields}
    return [f for f in ("code", "name", "username", "level", "kind") if f in names][:2]


class BriefRelatedField(serializers.RelatedField):
    """A relation shown as ``{"id", "url", code/name}``; written as an id, a natural key or
    such an object. The choices are the rows the requesting user may see, so a row out of
    scope answers "does not exist" exactly like a missing one."""

    default_error_messages = {
        # DRF's ``fail()`` fills these in with str.format().
        "does_not_exist": _("对象“{value}”不存在或不在您的管辖范围内。"),
        "incorrect_type": _("应为编号（整数）、编码（字符串）或包含 id/编码 的对象。"),
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset
        return scoping.choices(queryset, request.user, self._current_pk())

    def _current_pk(self):
        """The pk this relation of the instance being updated holds now (kept as a choice)."""
        instance = getattr(self.parent, "instance", None)
        if not isinstance(instance, Model) or instance.pk is None:
            return None
        try:
            field = instance._meta.get_field(self.source)
        except FieldDoesNotExist:
            return None
        if not (field.many_to_one or field.one_to_one):
            return None
        return getattr(instance, field.attname)

    def use_pk_only_optimization(self):
        return False

    def _natural_key(self):
        return getattr(self.queryset.model, "natural_key_field", None)

    def to_internal_value(self, data):
        key = self._natural_key()
        if isinstance(data, dict):
            data = data.get("id", data.get(key) if key else None)
        queryset = self.get_queryset()
        try:
            if isinstance(data, bool) or data is None:
                raise TypeError
            if isinstance(data, int):
                return queryset.get(pk=data)
            if isinstance(data, str) and key:
                normalize = getattr(queryset.model, "normalize_natural_key", None)
                return queryset.get(**{key: normalize(data) if normalize else data})
            raise TypeError
        except queryset.model.DoesNotExist:
            self.fail("does_not_exist", value=data)
        except (TypeError, ValueError):
            self.fail("incorrect_type")

    def to_representation(self, value):
        request = self.context.get("request")
        data = {"id": value.pk, "url": detail_url(type(value), value.pk, request)}
        for name in brief_fields_for(type(value)):
            data[name] = getattr(value, name)
        return data

    def get_choices(self, cutoff=None):
        return {}


class ScopedModelSerializer(serializers.ModelSerializer):
    """Validates through ``Model.full_clean()`` so the API, the UI and imports agree."""

    serializer_related_field = BriefRelatedField

    def build_url_field(self, field_name, model_class):
        return IdentityField, {"view_name": api_view_name(model_class)}

    #: Input fields that are not model fields (a plain ID number the model keeps encrypted);
    #: ``apply_extra`` puts them on the instance before it is validated.
    extra_input_fields = ()

    def apply_extra(self, candidate, extra):
        """Hook: hand non-model input to the instance being validated."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        extra = {name: attrs.pop(name) for name in self.extra_input_fields if name in attrs}
        model = self.Meta.model
        plain = {k: v for k, v in attrs.items() if not model._meta.get_field(k).many_to_many}
        if self.instance is not None:
            candidate = self.instance
            for name, value in plain.items():
                setattr(candidate, name, value)
        else:
            candidate = model(**plain)
        self.apply_extra(candidate, extra)
        exclude = [f.name for f in model._meta.fields if not f.editable]
        try:
            candidate.full_clean(exclude=exclude)
        except DjangoValidationError as exc:
            raise django_errors_to_drf(exc) from None
        self._candidate = candidate
        return attrs

    def create(self, validated_data):
        # Save the instance that was validated: it carries what ``apply_extra`` gave it.
        candidate = getattr(self, "_candidate", None)
        if candidate is None or candidate.pk is not None:
            return super().create(validated_data)
        candidate.save()
        return candidate


# --- permissions and viewsets ----------------------------------------------------------


class ScopedModelViewSet(viewsets.ModelViewSet):
    """A model's REST resource, scoped to the requesting user (DESIGN.md 5).

    Rows out of scope are absent: 404 on detail, missing from lists. Writes are re-checked
    after save inside the transaction, so nothing can be moved out of the writer's scope.
    ``POST <resource>/upsert/`` creates or updates by natural key, one object or a list,
    all or nothing.
    """

    @classmethod
    def get_extra_actions(cls):
        """``upsert`` only where the model has a natural key to upsert by."""
        actions = super().get_extra_actions()
        if getattr(cls.queryset.model, "natural_key_field", None) is None:
            actions = [a for a in actions if a.__name__ != "upsert"]
        return actions

    def get_queryset(self):
        return scoping.restrict(super().get_queryset(), self.request.user, "view")

    @transaction.atomic
    def perform_create(self, serializer):
        obj = serializer.save()
        scoping.ensure_in_scope(obj, self.request.user, "add")

    @transaction.atomic
    def perform_update(self, serializer):
        obj = serializer.save()
        scoping.ensure_in_scope(obj, self.request.user, "change")

    def perform_destroy(self, instance):
        instance.delete()

    def natural_key_input(self):
        """The input field an upsert item names its row by."""
        return self.get_queryset().model.natural_key_field

    def natural_key_filter(self, item):
        """The lookup that finds an upsert item's existing row, or None if it names none."""
        key = self.natural_key_input()
        value = item.get(key)
        return {key: value} if value else None

    @action(detail=False, methods=["post"], url_path="upsert")
    def upsert(self, request):
        """Create or update by natural key; a list is written all or nothing."""
        model = self.get_queryset().model
        many = isinstance(request.data, list)
        items = request.data if many else [request.data]
        user = request.user
        results, errors, codes = [], {}, []
        with transaction.atomic():
            for index, item in enumerate(items):
                lookup = self.natural_key_filter(item) if isinstance(item, dict) else None
                if not lookup:
                    errors[index] = {self.natural_key_input(): [_("该字段是必填项。")]}
                    continue
                instance = self.get_queryset().filter(**lookup).first()
                action_name = "change" if instance else "add"
                if not scoping.can(user, model, action_name):
                    raise exceptions.PermissionDenied()
                serializer = self.get_serializer(instance, data=item)
                if not serializer.is_valid():
                    errors[index] = serializer.errors
                    continue
                obj = serializer.save()
                scoping.ensure_in_scope(obj, user, action_name)
                codes.append(status.HTTP_200_OK if instance else status.HTTP_201_CREATED)
                results.append(serializer.data)
            if errors:
                transaction.set_rollback(True)
        if errors:
            return Response(errors if many else errors[0], status=status.HTTP_400_BAD_REQUEST)
        if many:
            return Response(results, status=status.HTTP_200_OK)
        return Response(results[0], status=codes[0])


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """OpenAPI for BriefRelatedField: a brief object on read; id, code or object on write."""

    target_class = BriefRelatedField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "url": {"type": "string", "format": "uri"},
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                },
            }
        return {
            "oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "object"}],
            "description": '编号（整数）、编码（字符串），或 {"id": …} / {"code": …}',
        }
