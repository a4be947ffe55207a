"""The peer app at /survey/, as its documentation mounts it."""

from django.urls import include, path

urlpatterns = [path("survey/", include("survey.urls"))]
