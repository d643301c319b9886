"""Django admin through the same scoping, validation and audit as the UI and the API."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction

from portal import scoping


class ReadOnlyInline(admin.TabularInline):
    """Rows a workflow or the system writes (steps, photos, results, allocations,
    tenancies ...), shown on their parent's page and never added, changed or deleted
    there. ``fields`` lists what is shown; without it, every field of the model."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [f.name for f in self.model._meta.fields if f.name != "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedAdmin(admin.ModelAdmin):
    """Non-superusers see and pick only rows in their scope; saves are re-checked inside
    the transaction, so nothing can be moved out of scope. ModelForm validation runs the
    model's ``full_clean()``; the audit trail comes from the database triggers."""

    def get_queryset(self, request):
        return scoping.restrict(super().get_queryset(request), request.user, "view")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        related = db_field.related_model
        if field is not None and hasattr(related, "scope_path"):
            field.queryset = scoping.restrict(field.queryset, request.user, "view")
        return field

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            # Keep the row's current links valid choices: saving it unchanged must not be
            # refused because its parent sits above the user's scope (see scoping.choices).
            relations = {f.name: f for f in obj._meta.fields if f.many_to_one or f.one_to_one}
            for name, field in form.base_fields.items():
                model_field = relations.get(name)
                current = getattr(obj, model_field.attname) if model_field else None
                related = model_field.related_model if model_field else None
                if hasattr(related, "scope_path") and current is not None:
                    base = related._default_manager.all()
                    field.queryset = scoping.choices(base, request.user, current)
        return form

    def save_model(self, request, obj, form, change):
        action = "change" if change else "add"
        # The admin's change view runs inside a transaction: raising rolls the save back.
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not scoping.in_scope(obj, request.user, action):
                raise PermissionDenied
