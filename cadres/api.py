"""API of 班长工程: ``/api/v1/secretaries/`` (read, with ``vacancies/``),
``/training-records/``, ``/annual-reviews/``, ``/community-workers/`` (with
``{id}/promote/`` and ``eligibility/``), ``/grade-changes/`` (read) and ``/ladder-rules/``.

Secretary figures are computed for ``?as_of=YYYY-MM-DD`` (today by default). A worker's
tier, grade and start date at that grade are set when the worker is created and read-only
afterwards: ``POST community-workers/{id}/promote/`` is the only way to change them.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cadres import services
from cadres.filters import (
    AnnualReviewFilterSet,
    CommunityWorkerFilterSet,
    EligibilityFilterSet,
    GradeChangeFilterSet,
    LadderRuleFilterSet,
    SecretaryFilterSet,
    TrainingRecordFilterSet,
    VacancyFilterSet,
)
from cadres.forms import (
    LADDER_FIELDS,
    LADDER_RULE_FIELDS,
    REVIEW_FIELDS,
    TRAINING_FIELDS,
    WORKER_FIELDS,
)
from cadres.models import (
    AnnualReview,
    CommunityWorker,
    GradeChange,
    LadderRule,
    Secretary,
    TrainingRecord,
)
from cadres.views import as_of_date
from organizations.models import Organization
from portal import api, scoping
from portal.permissions import ScopedModelPermissions
from portal.routers import router

AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="统计日期（默认今天）")


class NoUpsertMixin:
    @classmethod
    def get_extra_actions(cls):
        return [a for a in super().get_extra_actions() if a.__name__ != "upsert"]


# --- secretaries ---------------------------------------------------------------------------


class SecretarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    organization = api.BriefRelatedField(read_only=True)
    holder = api.BriefRelatedField(read_only=True, allow_null=True)
    organization_kind = serializers.CharField(source="organization.kind", read_only=True)
    organization_sector = serializers.CharField(source="organization.sector", read_only=True)
    street = serializers.CharField(source="street_name", read_only=True)
    gender = serializers.CharField(
        source="holder.gender", read_only=True, default=None, allow_null=True
    )
    education = serializers.CharField(
        source="holder.education", read_only=True, default=None, allow_null=True
    )
    age = serializers.IntegerField(read_only=True, allow_null=True)
    tenure = serializers.DecimalField(max_digits=6, decimal_places=1, read_only=True)
    secretary_years = serializers.DecimalField(
        max_digits=6, decimal_places=1, read_only=True, allow_null=True
    )
    training_hours = serializers.DecimalField(max_digits=8, decimal_places=1, read_only=True)
    latest_rating = serializers.CharField(read_only=True, allow_null=True)
    latest_review_year = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Secretary
        fields = [
            "id",
            "url",
            "holder_name",
            "title",
            "holder",
            "organization",
            "organization_kind",
            "organization_sector",
            "street",
            "gender",
            "age",
            "education",
            "started_on",
            "ended_on",
            "tenure",
            "secretary_years",
            "training_hours",
            "latest_rating",
            "latest_review_year",
        ]

    def get_url(self, obj) -> str:
        return api.detail_url(Secretary, obj.pk, self.context.get("request"))


class VacancySerializer(serializers.ModelSerializer):
    region = api.BriefRelatedField(read_only=True)
    parent = api.BriefRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Organization
        fields = ["id", "code", "name", "kind", "sector", "region", "parent"]


@extend_schema(parameters=[AS_OF])
class SecretaryViewSet(viewsets.ReadOnlyModelViewSet):
    """Current secretaries and deputies with their profile figures (书记队伍)."""

    queryset = Secretary.objects.all()
    serializer_class = SecretarySerializer
    filterset_class = SecretaryFilterSet
    ordering_fields = ["holder_name", "started_on", "age", "tenure", "training_hours"]

    def get_queryset(self):
        from cadres.views import STREET_NAME

        queryset = services.secretaries(as_of_date(self.request)).annotate(street_name=STREET_NAME)
        return scoping.restrict(queryset, self.request.user).order_by(
            "organization__path", "title", "pk"
        )

    @extend_schema(responses=VacancySerializer(many=True), parameters=[AS_OF])
    @action(detail=False, methods=["get"], filter_backends=[])
    def vacancies(self, request):
        """Branch-level organisations in scope with no secretary in post."""
        queryset = scoping.restrict(
            services.vacant_organizations(as_of_date(request)), request.user
        ).order_by("path")
        queryset = VacancyFilterSet(request.GET, queryset=queryset, request=request).qs
        page = self.paginate_queryset(queryset)
        data = VacancySerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


# --- training records and reviews ----------------------------------------------------------


class TrainingRecordSerializer(api.ScopedModelSerializer):
    class Meta:
        model = TrainingRecord
        fields = ["id", "url", *TRAINING_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class TrainingRecordViewSet(NoUpsertMixin, api.ScopedModelViewSet):
    queryset = TrainingRecord.objects.select_related("member")
    serializer_class = TrainingRecordSerializer
    filterset_class = TrainingRecordFilterSet
    ordering_fields = ["started_on", "hours", "updated_at"]


class AnnualReviewSerializer(api.ScopedModelSerializer):
    class Meta:
        model = AnnualReview
        fields = ["id", "url", *REVIEW_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class AnnualReviewViewSet(api.ScopedModelViewSet):
    queryset = AnnualReview.objects.select_related("member", "organization", "reviewer")
    serializer_class = AnnualReviewSerializer
    filterset_class = AnnualReviewFilterSet
    ordering_fields = ["year", "updated_at"]


# --- community workers ---------------------------------------------------------------------


class CommunityWorkerSerializer(api.ScopedModelSerializer):
    class Meta:
        model = CommunityWorker
        fields = ["id", "url", *WORKER_FIELDS, *LADDER_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            # Registered: the ladder moves only through ``promote``.
            for name in LADDER_FIELDS:
                fields[name].read_only = True
        return fields


class PromotionSerializer(serializers.Serializer):
    to_tier = serializers.IntegerField(label=_("新档次"))
    to_grade = serializers.IntegerField(label=_("新等级"))
    effective_on = serializers.DateField(label=_("生效日期"))
    reason = serializers.CharField(label=_("事由"), required=False, allow_blank=True, default="")
    exception = serializers.ChoiceField(
        label=_("例外情形"),
        choices=GradeChange.ExceptionReason.choices,
        required=False,
        allow_blank=True,
        default="",
    )


class GradeChangeSerializer(serializers.ModelSerializer):
    worker = api.BriefRelatedField(read_only=True)
    approved_by = serializers.CharField(
        source="approved_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = GradeChange
        fields = [
            "id",
            "worker",
            "from_tier",
            "from_grade",
            "to_tier",
            "to_grade",
            "effective_on",
            "reason",
            "exception",
            "approved_by",
            "created_at",
        ]


class EligibilitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    community = serializers.CharField(source="community.name")
    post = serializers.CharField()
    tier = serializers.IntegerField()
    grade = serializers.IntegerField()
    current_since = serializers.DateField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class CommunityWorkerViewSet(api.ScopedModelViewSet):
    queryset = CommunityWorker.objects.select_related("community", "member", "user")
    serializer_class = CommunityWorkerSerializer
    filterset_class = CommunityWorkerFilterSet
    ordering_fields = ["name", "tier", "grade", "hired_on", "updated_at"]

    @extend_schema(request=PromotionSerializer, responses=GradeChangeSerializer)
    @action(detail=True, methods=["post"])
    def promote(self, request, pk=None):
        """Move the worker on the ladder (``cadres.services.promote``); 400 names the rule."""
        worker = self.get_object()
        serializer = PromotionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        change = services.promote(
            worker,
            data["to_tier"],
            data["to_grade"],
            data["effective_on"],
            data["reason"],
            request.user,
            exception=data["exception"],
        )
        return Response(
            GradeChangeSerializer(change, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=EligibilitySerializer(many=True), parameters=[AS_OF])
    @action(detail=False, methods=["get"], filterset_class=EligibilityFilterSet)
    def eligibility(self, request):
        """Workers in scope and whether each may step up a grade on ``as_of``."""
        as_of, rules = as_of_date(request), services.ladder_rules()
        queryset = services.with_eligibility(
            scoping.restrict(CommunityWorker.objects.select_related("community"), request.user),
            as_of,
            rules,
        ).order_by("community__path", "pk")
        queryset = EligibilityFilterSet(request.GET, queryset=queryset, request=request).qs
        page = self.paginate_queryset(queryset)
        for worker in page:
            worker.reasons = [str(r) for r in services.ineligibility_reasons(worker, as_of, rules)]
        return self.get_paginated_response(EligibilitySerializer(page, many=True).data)


class GradeChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """Promotion history (written only by ``promote``)."""

    queryset = GradeChange.objects.select_related("worker", "approved_by")
    serializer_class = GradeChangeSerializer
    filterset_class = GradeChangeFilterSet
    ordering_fields = ["effective_on", "created_at"]

    def get_queryset(self):
        return scoping.restrict(super().get_queryset(), self.request.user)


# --- ladder rules --------------------------------------------------------------------------


class LadderRulePermission(permissions.BasePermission):
    """Read with the view permission; write with the model permission and a district-wide
    scope (the rules are the district's)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        perm = ScopedModelPermissions.perms_map[request.method][0] % {
            "app_label": "cadres",
            "model_name": "ladderrule",
        }
        if not user.has_perm(perm):
            return False
        return request.method in permissions.SAFE_METHODS or scoping.district_wide(user)


class LadderRuleSerializer(api.ScopedModelSerializer):
    posts = serializers.ListField(child=serializers.CharField(), label=_("适用岗位"))

    class Meta:
        model = LadderRule
        fields = ["id", "url", *LADDER_RULE_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]


class LadderRuleViewSet(viewsets.ModelViewSet):
    queryset = LadderRule.objects.all()
    serializer_class = LadderRuleSerializer
    filterset_class = LadderRuleFilterSet
    permission_classes = [LadderRulePermission]


router.register("secretaries", SecretaryViewSet, basename="secretary")
router.register("training-records", TrainingRecordViewSet, basename="trainingrecord")
router.register("annual-reviews", AnnualReviewViewSet, basename="annualreview")
router.register("community-workers", CommunityWorkerViewSet, basename="communityworker")
router.register("grade-changes", GradeChangeViewSet, basename="gradechange")
router.register("ladder-rules", LadderRuleViewSet, basename="ladderrule")
