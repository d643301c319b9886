"""Admin of the inbox: each user sees their own items (superusers all), read-only but for
the read time."""

from django.contrib import admin

from portal.inbox.models import InboxItem


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "due_on", "read_at", "done_at"]
    list_filter = ["kind", "generated"]
    search_fields = ["title"]
    list_select_related = ["user"]
    fields = [
        "user",
        "kind",
        "title",
        "body",
        "url",
        "due_on",
        "content_type",
        "object_id",
        "key",
        "generated",
        "created_at",
        "read_at",
        "done_at",
    ]
    readonly_fields = [f for f in fields if f != "read_at"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    # An inbox needs no role permission: everyone signed in to the admin has their own.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (
            obj is None or request.user.is_superuser or obj.user_id == request.user.pk
        )

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
