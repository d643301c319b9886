"""Dues payments over the API (``/api/v1/dues-payments/``): one member's one month, validated
by ``DuesPayment.full_clean`` like the form (a second payment for a month is a 400)."""

from members.models import DuesPayment
from portal import api
from portal.routers import router


class DuesPaymentSerializer(api.ScopedModelSerializer):
    class Meta:
        model = DuesPayment
        fields = ["id", "url", "member", "period", "amount", "paid_on", "created_at"]
        read_only_fields = ["created_at"]

    def apply_extra(self, candidate, extra):
        request = self.context.get("request")
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
