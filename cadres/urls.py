"""Pages of 班长工程 under /cadres/: secretaries (书记队伍) and vacancies, training records,
述职评议, community workers with promotion and the eligibility report, the ladder rules."""

from django.urls import path

from cadres import forms, views
from cadres.models import AnnualReview, CommunityWorker, TrainingRecord
from portal.views import object_urls

app_name = "cadres"

urlpatterns = [
    path("secretaries/", views.SecretaryListView.as_view(), name="secretary_list"),
    path("secretaries/<int:pk>/", views.SecretaryDetailView.as_view(), name="secretary_detail"),
    path("secretaries/vacancies/", views.VacancyListView.as_view(), name="vacancy_list"),
    *object_urls(
        "training-records/",
        TrainingRecord,
        list_view=views.TrainingRecordListView,
        detail=views.TrainingRecordDetailView,
        form=forms.TrainingRecordForm,
        importable=True,
    ),
    *object_urls(
        "annual-reviews/",
        AnnualReview,
        list_view=views.AnnualReviewListView,
        detail=views.AnnualReviewDetailView,
        form=forms.AnnualReviewForm,
    ),
    path(
        "community-workers/eligibility/",
        views.EligibilityListView.as_view(),
        name="eligibility",
    ),
    path(
        "community-workers/<int:pk>/promote/",
        views.PromoteView.as_view(),
        name="communityworker_promote",
    ),
    *object_urls(
        "community-workers/",
        CommunityWorker,
        list_view=views.CommunityWorkerListView,
        detail=views.CommunityWorkerDetailView,
        form=forms.CommunityWorkerForm,
    ),
    path("grade-changes/", views.GradeChangeListView.as_view(), name="gradechange_list"),
    path("ladder-rules/", views.LadderRuleListView.as_view(), name="ladderrule_list"),
    path("ladder-rules/<int:pk>/edit/", views.LadderRuleEditView.as_view(), name="ladderrule_edit"),
]
