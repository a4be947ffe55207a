"""The REST API: metric definitions and values in and out. Parse, call one service or selector, respond."""

import math

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from surveys.selectors import team_paths

from . import services
from .api_auth import IngestTokenAuthentication, IngestTokenOrAdmin
from .models import MetricDefinition, MetricValue
from .services.metrics import MAX_BATCH, MetricRow


class ApiView(APIView):
    authentication_classes = [IngestTokenAuthentication, SessionAuthentication]
    permission_classes = [IngestTokenOrAdmin]


class Pages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class MetricDefinitionOutput(serializers.ModelSerializer):
    class Meta:
        model = MetricDefinition
        fields = ["key", "name", "unit", "category", "direction", "time_rollup", "team_rollup", "builtin"]


class MetricDefinitionList(ApiView):
    @extend_schema(responses=MetricDefinitionOutput(many=True), operation_id="metric_definitions_list")
    def get(self, request):
        paginator = Pages()
        page = paginator.paginate_queryset(MetricDefinition.objects.order_by("key"), request, view=self)
        return paginator.get_paginated_response(MetricDefinitionOutput(page, many=True).data)


class MetricValueInput(serializers.Serializer):
    metric = serializers.SlugField(max_length=50)
    team = serializers.CharField(
        max_length=500, required=False, allow_blank=True, allow_null=True, help_text="Team path; empty for the org."
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text="Inclusive.")
    value = serializers.FloatField()

    def validate_value(self, value):
        if not math.isfinite(value):
            raise serializers.ValidationError("The value must be a finite number.")
        return value


class MetricValueBatchInput(serializers.Serializer):
    values = MetricValueInput(many=True, allow_empty=False, max_length=MAX_BATCH)


BATCH_RESULT = inline_serializer(
    "MetricValueBatchResult", {"created": serializers.IntegerField(), "updated": serializers.IntegerField()}
)
ROW_ERRORS = inline_serializer(
    "RowErrors",
    {
        "errors": inline_serializer(
            "RowError",
            {"index": serializers.IntegerField(), "field": serializers.CharField(), "message": serializers.CharField()},
            many=True,
        )
    },
)


def _row_errors(detail) -> list[dict]:
    """Flatten DRF's nested errors into [{index, field, message}] rows."""
    rows = []
    values = detail.get("values") if isinstance(detail, dict) else None
    if isinstance(values, list):
        for index, fields in enumerate(values):
            for field, messages in (fields or {}).items():
                rows.extend({"index": index, "field": field, "message": str(m)} for m in messages)
    elif isinstance(detail, dict):
        for field, messages in detail.items():
            messages = messages if isinstance(messages, list) else [messages]
            rows.extend({"index": None, "field": field, "message": str(m)} for m in messages)
    return rows


class MetricValueBatch(ApiView):
    @extend_schema(
        request=MetricValueBatchInput,
        responses={200: BATCH_RESULT, 400: ROW_ERRORS},
        operation_id="metric_values_batch_upsert",
        description=f"Create or replace up to {MAX_BATCH} values, all or nothing. A value for the same metric, team "
        "and period replaces the earlier one, so sending a batch twice changes nothing.",
    )
    def post(self, request):
        parsed = MetricValueBatchInput(data=request.data)
        if not parsed.is_valid():
            return Response({"errors": _row_errors(parsed.errors)}, status=status.HTTP_400_BAD_REQUEST)
        rows = [
            MetricRow(
                metric=v["metric"],
                team=v.get("team") or None,
                period_start=v["period_start"],
                period_end=v["period_end"],
                value=v["value"],
            )
            for v in parsed.validated_data["values"]
        ]
        created, updated, errors = services.metric_values_upsert(rows=rows, source="api")
        if errors:
            body = {"errors": [{"index": e.index, "field": e.field, "message": e.message} for e in errors]}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": created, "updated": updated})


class MetricValueOutput(serializers.Serializer):
    metric = serializers.CharField(source="metric.key")
    team = serializers.CharField(allow_null=True)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    value = serializers.FloatField()
    source = serializers.CharField()


class MetricValueFilter(serializers.Serializer):
    metric = serializers.SlugField(required=False)
    team = serializers.CharField(required=False, help_text="Team path; `-` for organisation-wide values.")
    start = serializers.DateField(required=False, help_text="Periods starting on or after this day.")
    end = serializers.DateField(required=False, help_text="Periods ending on or before this day.")


class MetricValueList(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter(name, str, required=False) for name in ("metric", "team", "start", "end")],
        responses=MetricValueOutput(many=True),
        operation_id="metric_values_list",
    )
    def get(self, request):
        filters = MetricValueFilter(data=request.query_params)
        if not filters.is_valid():
            return Response({"errors": _row_errors(filters.errors)}, status=status.HTTP_400_BAD_REQUEST)
        query = MetricValue.objects.select_related("metric").order_by("metric__key", "team_id", "period_start")
        data = filters.validated_data
        paths = {team_id: path for path, team_id in team_paths().items()}
        if "metric" in data:
            query = query.filter(metric__key=data["metric"])
        if "team" in data:
            if data["team"] == "-":
                query = query.filter(team__isnull=True)
            else:
                ids = [tid for tid, path in paths.items() if path.casefold() == data["team"].strip("/").casefold()]
                if not ids:
                    body = {"errors": [{"index": None, "field": "team", "message": f"Unknown team “{data['team']}”."}]}
                    return Response(body, status=status.HTTP_400_BAD_REQUEST)
                query = query.filter(team_id=ids[0])
        if "start" in data:
            query = query.filter(period_start__gte=data["start"])
        if "end" in data:
            query = query.filter(period_end__lte=data["end"])
        paginator = Pages()
        page = paginator.paginate_queryset(query, request, view=self)
        for value in page:
            value.team = paths.get(value.team_id)
        return paginator.get_paginated_response(MetricValueOutput(page, many=True).data)
