"""Align's URLs plus the baseline views the benchmarks compare against."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/hello/", views.hello),
    path("bench/insert/", views.insert),
    path("bench/dashboard-rows/", views.dashboard_rows),
    path("bench/team-report-rows/", views.team_report_rows),
    path("", include("alignsite.urls")),
]
