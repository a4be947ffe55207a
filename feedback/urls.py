from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<int:team_id>/", views.team_report, name="team_report"),
    path("results/<str:key>/", views.team_results, name="team_results"),
]
