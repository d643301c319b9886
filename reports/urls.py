"""Report pages under /reports/: the questions, the member statistics, the jobs page."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.QuestionIndexView.as_view(), name="index"),
    path("q/<slug:key>/", views.QuestionView.as_view(), name="question"),
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("jobs/", views.JobsView.as_view(), name="jobs"),
    path("jobs/<int:pk>/", views.ReportJobView.as_view(), name="job"),
    path("jobs/<int:pk>/download/", views.ReportJobDownloadView.as_view(), name="job_download"),
]
