from django.urls import path

from . import apis

urlpatterns = [
    path("metric-definitions/", apis.MetricDefinitionList.as_view(), name="api-metric-definitions"),
    path("metric-values/", apis.MetricValueList.as_view(), name="api-metric-values"),
    path("metric-values/batch/", apis.MetricValueBatch.as_view(), name="api-metric-values-batch"),
    path("deployments/", apis.DeploymentBatch.as_view(), name="api-deployments"),
    path("changes/", apis.ChangeBatch.as_view(), name="api-changes"),
    path("incidents/", apis.IncidentBatch.as_view(), name="api-incidents"),
]
