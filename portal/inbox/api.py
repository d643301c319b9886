"""/api/v1/inbox/: the requesting user's own inbox items (nobody else's, whoever asks),
filtered like the inbox page (``state``, ``kind``), with ``POST {id}/read/`` and
``POST read-all/`` to mark items read."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from portal.inbox import services
from portal.inbox.filters import InboxItemFilterSet
from portal.inbox.models import InboxItem
from portal.routers import router


class InboxItemSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:inboxitem-detail")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    link = serializers.CharField(source="url", read_only=True)
    source_type = serializers.SerializerMethodField()

    class Meta:
        model = InboxItem
        fields = [
            "id",
            "url",
            "kind",
            "kind_label",
            "title",
            "body",
            "link",
            "due_on",
            "source_type",
            "object_id",
            "key",
            "created_at",
            "read_at",
            "done_at",
        ]
        read_only_fields = fields

    def get_source_type(self, item) -> str | None:
        ct = item.content_type
        return f"{ct.app_label}.{ct.model}" if ct is not None else None


MARKED = inline_serializer("InboxMarked", {"marked": serializers.IntegerField()})


class InboxItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InboxItemSerializer
    queryset = InboxItem.objects.all()
    permission_classes = [IsAuthenticated]
    filterset_class = InboxItemFilterSet
    ordering_fields = ["created_at", "due_on"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return (
            services.items_of(self.request.user)
            .select_related("content_type")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=None, responses=InboxItemSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark this item read (already read: unchanged)."""
        item = self.get_object()
        if item.read_at is None:
            item.read_at = timezone.now()
            item.save(update_fields=["read_at"])
        return Response(self.get_serializer(item).data)

    @extend_schema(request=None, responses=MARKED)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread item of the user read; answers how many."""
        return Response({"marked": services.mark_read(request.user)})


router.register("inbox", InboxItemViewSet, basename="inboxitem")
