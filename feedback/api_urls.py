from django.urls import path

from . import apis

urlpatterns = [
    path("metric-definitions/", apis.MetricDefinitionList.as_view(), name="api-metric-definitions"),
    path("metric-values/", apis.MetricValueList.as_view(), name="api-metric-values"),
    path("metric-values/batch/", apis.MetricValueBatch.as_view(), name="api-metric-values-batch"),
]
