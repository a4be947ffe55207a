from django.urls import path

from .views import dashboard, reports, sources

app_name = "feedback"
urlpatterns = [
    path("reports/", reports.home, name="home"),
    path("reports/dashboard/", dashboard.dashboard, name="dashboard"),
    path("reports/teams/<int:team_id>/", reports.team_report, name="team_report"),
    path("reports/teams/<int:team_id>/cycles/<int:cycle_id>/actions/", reports.action_add, name="action_add"),
    path("reports/results/<str:key>/", reports.team_results, name="team_results"),
    path("manage/api-tokens/", sources.api_tokens, name="manage_api_tokens"),
    path("manage/api-tokens/<int:token_id>/revoke/", sources.api_token_revoke, name="manage_api_token_revoke"),
    path("manage/metrics/", sources.metrics, name="manage_metrics"),
    path("manage/metrics/upload/", sources.metrics_upload, name="manage_metrics_upload"),
    path("manage/repositories/", sources.repositories, name="manage_repositories"),
    path("manage/audit/", sources.audit_log, name="manage_audit_log"),
]
