from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("s/<str:token>/", views.invitation_open, name="invitation"),
    path("survey/", views.survey_answer, name="answer"),
    path("survey/thanks/", views.survey_thanks, name="thanks"),
]
