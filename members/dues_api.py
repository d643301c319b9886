"""Dues over the API: payments (``/api/v1/dues-payments/``), one member's one month,
validated by ``DuesPayment.full_clean`` like the form (a second payment for a month is a 400);
exemptions (``/api/v1/dues-exemptions/``, 减免/缓交), validated by ``DuesExemption.full_clean``
(an overlapping span is a 400 naming ``start``)."""

from members.models import DuesExemption, DuesPayment
from portal import api
from portal.routers import router


class DuesPaymentSerializer(api.ScopedModelSerializer):
    class Meta:
        model = DuesPayment
        fields = ["id", "url", "member", "period", "amount", "paid_on", "created_at"]
        read_only_fields = ["created_at"]

    def apply_extra(self, candidate, extra):
        record_recorder(self, candidate)


def record_recorder(serializer, candidate):
    """A new record's ``recorded_by`` is the requesting user."""
    request = serializer.context.get("request")
    if request is not None and candidate.recorded_by_id is None:
        candidate.recorded_by = request.user


class DuesPaymentViewSet(api.ScopedModelViewSet):
    """Dues payments in the user's scope. Upsert by natural key is not offered here (the key
    is derived); batch files go through the import."""

    queryset = DuesPayment.objects.select_related("member")
    serializer_class = DuesPaymentSerializer
    ordering_fields = ["period", "paid_on"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    @classmethod
    def get_extra_actions(cls):
        return [a for a in super().get_extra_actions() if a.__name__ != "upsert"]


router.register("dues-payments", DuesPaymentViewSet, basename="duespayment")


class DuesExemptionSerializer(api.ScopedModelSerializer):
    class Meta:
        model = DuesExemption
        fields = [
            "id",
            "url",
            "member",
            "start",
            "end",
            "reason",
            "note",
            "approved_by",
            "approved_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def apply_extra(self, candidate, extra):
        record_recorder(self, candidate)


class DuesExemptionViewSet(api.ScopedModelViewSet):
    """Dues exemptions (减免/缓交) in the user's scope; end an open one by PATCHing ``end``.
    No upsert (there is no natural key)."""

    queryset = DuesExemption.objects.select_related("member")
    serializer_class = DuesExemptionSerializer
    ordering_fields = ["start", "end", "approved_on"]


router.register("dues-exemptions", DuesExemptionViewSet, basename="duesexemption")
