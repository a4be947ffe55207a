"""The REST API: metric definitions and values in and out. Parse, call one service or selector, respond."""

import math
import re

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from surveys import cadence, time_limits
from surveys.names import name_finder, unknown_path_messages
from surveys.selectors import team_paths

from . import services, stored_numbers
from .api_auth import IngestTokenAuthentication, IngestTokenOrAdmin
from .api_parsers import DATE_TIME, JsonNumber, identifier_text
from .models import MetricDefinition, MetricValue
from .periods import calendar_date
from .selectors.metrics import period_ended
from .services.delivery import CLOCK_SKEW_SHOWN, ahead_problem
from .services.metrics import MAX_BATCH, MetricRow


class ApiAccess:
    authentication_classes = [IngestTokenAuthentication, SessionAuthentication]
    permission_classes = [IngestTokenOrAdmin]


class ApiView(ApiAccess, APIView):
    """A batch endpoint: a body that cannot be parsed gets the same 400 shape as a row that fails validation."""

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType):
            body = {"errors": [{"index": None, "field": "body", "message": str(exc.detail)}]}
            return Response(body, status=exc.status_code)
        return super().handle_exception(exc)


class Pages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class MetricDefinitionOutput(serializers.ModelSerializer):
    class Meta:
        model = MetricDefinition
        fields = ["key", "name", "unit", "category", "direction", "time_rollup", "team_rollup", "builtin"]


@extend_schema_view(get=extend_schema(operation_id="metric_definitions_list"))
class MetricDefinitionList(ApiAccess, generics.ListAPIView):
    queryset = MetricDefinition.objects.order_by("key")
    serializer_class = MetricDefinitionOutput
    pagination_class = Pages


# A number as a program writes it: a JSON number, or (from a form) its plain decimal text. Spellings a person
# might type — "1_000", "0,5", Arabic-Indic digits, padding — are refused rather than read by float(), which
# would accept some of them; people's files go through the CSV upload, which reads those with care.
PLAIN_NUMBER = re.compile(r"([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?", re.ASCII)


class MachineNumberField(serializers.FloatField):
    """A number sent as a JSON number or as plain decimal text, stored by the rule the CSV upload follows
    (`feedback/stored_numbers.py`): 1e-400 is refused as too close to zero, not stored as 0."""

    default_error_messages = {"invalid": "Send a number, such as 0.5 or 1250 (a JSON number, or plain decimal text)."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, JsonNumber):
            text = data.text
        elif isinstance(data, int):
            text = str(data)
        elif isinstance(data, float):
            if not math.isfinite(data):
                raise serializers.ValidationError("The value must be a finite number.")
            text = repr(data)
        elif isinstance(data, str):
            text = data
        else:
            self.fail("invalid")
        match = PLAIN_NUMBER.fullmatch(text)
        if not match:
            self.fail("invalid")
        sign, mantissa, exponent = match.groups()
        number = stored_numbers.exact("-" if sign == "-" else "", mantissa, stored_numbers.power(exponent or "0"))
        try:
            return stored_numbers.to_float(number, text)
        except stored_numbers.NumberError as error:
            raise serializers.ValidationError(str(error)) from None


EXAMPLE = "2026-03-29T02:30:00Z or 2026-03-29T04:30:00+02:00"


class AcceptedDateTimeField(serializers.DateTimeField):
    """When a delivery event happened: a date and time with its offset or Z, within the times Align accepts
    (surveys.time_limits) and not ahead of now (services.delivery.ahead_problem), each refused naming its row
    and field.

    1. The text must be a calendar date and time (DATE_TIME).
    2. Within the times Align accepts: a .NET client's unset 0001-01-01T00:00:00, or 9999-12-31 for "no end",
       is refused here rather than stored to stop the DORA recomputation later. A time a zone's offset carries
       past year 1 or 9999 is refused the same way (DRF lets the OverflowError of a naive one through as a 500).
       Checked before 3, so that year 1 is refused with what it usually means.
    3. With an offset or Z: a time without one was read on the server's clock (TIME_ZONE), which is not the
       sender's, and GitHub's payloads always carry one.
    4. Not ahead of now by more than CLOCK_SKEW: a deployment dated 2199, or 2062 for 2026, was read as weeks of
       "0 deploys/week" still to come.
    """

    default_error_messages = {"invalid": f"Send a date and time with its offset or Z, such as {EXAMPLE}."}

    def to_internal_value(self, value):
        written = DATE_TIME.fullmatch(value) if isinstance(value, str) else None
        if written is None:
            self.fail("invalid")
        try:
            # RFC 3339 (§5.6) allows a lower-case t and z, which Django's parse_datetime does not read: the text is
            # ASCII digits and separators (DATE_TIME), so upper case changes nothing else.
            moment = super().to_internal_value(value.upper())
        except OverflowError:
            moment = None
        except serializers.ValidationError as error:
            if "overflow" not in error.get_codes():
                raise
            moment = None
        shown = f"“{value}”"
        if moment is None or not time_limits.accepts(moment):
            # beyond what a datetime holds: the year as written gives the hint, if any
            year = moment.year if moment is not None else int(value[:4])
            raise serializers.ValidationError(time_limits.outside(shown, year), code="outside")
        if written["zone"] is None:
            raise serializers.ValidationError(
                f"{shown} has no time zone: add its offset or Z, such as {EXAMPLE}. Align does not guess the "
                "sender's zone.",
                code="naive",
            )
        problem = ahead_problem(moment, shown=shown)
        if problem:
            raise serializers.ValidationError(f"{problem}.", code="ahead")
        return moment


class CalendarDateField(serializers.DateField):
    """A date written YYYY-MM-DD (periods.calendar_date), refused naming the problem otherwise: DRF reads dates with
    Django's parse_date, which on Python 3.11 also reads week dates (2026-W13 became 2026-03-23) and compact dates
    (20260401)."""

    def to_internal_value(self, value):
        try:
            return calendar_date(value)
        except ValueError as problem:
            raise serializers.ValidationError(f"{problem}.", code="invalid") from None


class AcceptedDateField(CalendarDateField):
    """A date (a metric's period) written YYYY-MM-DD, within the ones Align accepts (surveys.time_limits)."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not time_limits.accepts_date(day):
            raise serializers.ValidationError(time_limits.outside(f"“{value}”", day.year), code="outside")
        return day


class MetricValueInput(serializers.Serializer):
    metric = serializers.SlugField(max_length=50)
    team = serializers.CharField(
        max_length=500, required=False, allow_blank=True, allow_null=True, help_text="Team path; empty for the org."
    )
    period_start = AcceptedDateField(help_text=f"A date from {time_limits.ACCEPTED}.")
    period_end = AcceptedDateField(help_text="Inclusive.")
    value = MachineNumberField()


class MetricValueBatchInput(serializers.Serializer):
    values = MetricValueInput(many=True, allow_empty=False, max_length=MAX_BATCH)


PERIOD_RULES = (
    "A period must have begun (its start no later than today on the organisation's clock), and must not overlap "
    "another period of the same kind (a month, a week, …) for the same metric and team, stored or sent with it; a "
    "metric measured in % takes values 0 to 100."
)
BATCH_RESULT = inline_serializer(
    "MetricValueBatchResult", {"created": serializers.IntegerField(), "updated": serializers.IntegerField()}
)
ROW_ERRORS = inline_serializer(
    "RowErrors",
    {
        "errors": inline_serializer(
            "RowError",
            {
                "index": serializers.IntegerField(allow_null=True, help_text="The row; null for the request."),
                "field": serializers.CharField(),
                "message": serializers.CharField(),
            },
            many=True,
        )
    },
)


def _row_errors(detail) -> list[dict]:
    """Flatten DRF's nested errors into [{index, field, message}]; index is the row, or None for the request."""
    rows = []

    def add(index, field, messages):
        messages = messages if isinstance(messages, list) else [messages]
        rows.extend({"index": index, "field": field, "message": str(m)} for m in messages)

    for field, errors in detail.items():
        # A list field's errors come either as a list (one entry per row) or a dict keyed by row index.
        per_row = enumerate(errors) if isinstance(errors, list) else errors.items() if isinstance(errors, dict) else []
        nested = False
        for key, row_errors in per_row:
            if isinstance(key, int) and isinstance(row_errors, dict):
                nested = True
                for name, messages in row_errors.items():
                    add(key, name, messages)
            elif key == "non_field_errors":
                nested = True
                add(None, field, row_errors)
        if not nested:
            add(None, field, errors)
    return rows


class MetricValueBatch(ApiView):
    @extend_schema(
        request=MetricValueBatchInput,
        responses={200: BATCH_RESULT, 400: ROW_ERRORS},
        operation_id="metric_values_batch_upsert",
        description=f"Create or replace up to {MAX_BATCH} values, all or nothing. A value for the same metric, team "
        "and period replaces the earlier one, so sending a batch twice changes nothing. " + PERIOD_RULES,
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
    team = serializers.CharField(source="team_path", allow_null=True, help_text="Team path; null for the org.")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    value = serializers.FloatField()
    source = serializers.CharField()
    period_ended = serializers.BooleanField(
        help_text="False while the period runs (its last day is today or later, on the organisation's clock): "
        "the value is so far, such as DORA's current week counting the deployments up to now against a week."
    )


class MetricValueFilter(serializers.Serializer):
    metric = serializers.SlugField(required=False)
    team = serializers.CharField(required=False)
    start = CalendarDateField(required=False)
    end = CalendarDateField(required=False)


class FiltersRejected(Exception):
    """Query parameters that cannot be read: answered 400 with [{index: null, field, message}], as batch errors."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter("metric", str, description="A metric key."),
            OpenApiParameter("team", str, description="A team path; `-` for organisation-wide values."),
            OpenApiParameter("start", OpenApiTypes.DATE, description="Periods starting on or after this day."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Periods ending on or before this day."),
        ],
        operation_id="metric_values_list",
    )
)
class MetricValueList(ApiAccess, generics.ListAPIView):
    serializer_class = MetricValueOutput
    pagination_class = Pages

    def handle_exception(self, exc):
        # Not a DRF ValidationError: it turns every leaf into text, so the index null became "None".
        if isinstance(exc, FiltersRejected):
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)

    def get_queryset(self):
        filters = MetricValueFilter(data=self.request.query_params)
        if not filters.is_valid():
            raise FiltersRejected(_row_errors(filters.errors))
        data = filters.validated_data
        self.paths = {team_id: path for path, team_id in team_paths().items()}
        query = MetricValue.objects.select_related("metric").order_by("metric__key", "team_id", "period_start")
        if "metric" in data:
            # Found as ingestion finds it (name_finder): an unknown key reads back nothing, as before.
            metric_id = name_finder(dict(MetricDefinition.objects.values_list("key", "id")))(data["metric"])
            query = query.filter(metric_id=metric_id)
        if data.get("team") == "-":
            query = query.filter(team__isnull=True)
        elif "team" in data:
            team_id = name_finder({path: team_id for team_id, path in self.paths.items()})(data["team"].strip("/"))
            if team_id is None:
                message = unknown_path_messages(self.paths.values())(data["team"])
                raise FiltersRejected([{"index": None, "field": "team", "message": message}])
            query = query.filter(team_id=team_id)
        if "start" in data:
            query = query.filter(period_start__gte=data["start"])
        if "end" in data:
            query = query.filter(period_end__lte=data["end"])
        return query

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        today = cadence.local_date(timezone.now(), settings.TIME_ZONE)
        for value in page:
            value.team_path = self.paths.get(value.team_id)
            value.period_ended = period_ended(value.period_end, today=today)
        return page


UPDATED_AT_HELP = (
    "When this state became true at your end. A row no newer than the one stored changes nothing, so rows may "
    "arrive in any order; without it, the row's own latest time stands in."
)
SHA_HELP = "A Git commit id, in either case; a deployment or incident may give 7 or more of its first digits."


class IdentifierField(serializers.CharField):
    """An id as its owner means it (api_parsers.identifier_text): text as sent, a whole number as its digits, so
    that 12345 and 12345.0 are one deployment; a fraction, true/false, a list or an object is refused naming the
    field (DRF's CharField kept 12345.0 as the text "12345.0", another id)."""

    def to_internal_value(self, data):
        try:
            text = identifier_text(data)
        except ValueError as problem:
            message = str(problem)
            raise serializers.ValidationError(f"{message[:1].upper()}{message[1:]}.", code="invalid") from None
        return super().to_internal_value(text)


class DeploymentInput(serializers.Serializer):
    id = IdentifierField(
        max_length=100, help_text="Your id for the deployment; sending it with a later updated_at corrects it."
    )
    team = serializers.CharField(max_length=500)
    finished_at = AcceptedDateTimeField()
    environment = serializers.CharField(max_length=50, required=False, default="production")
    production_environment = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true for an environment end-users directly interact with, as GitHub's deployment field of this "
        "name: the deployment counts as production whatever its environment is called. An environment named in "
        "ALIGN_PRODUCTION_ENVIRONMENTS (compared ignoring case) counts either way.",
    )
    shas = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=1000, help_text=SHA_HELP
    )
    updated_at = AcceptedDateTimeField(required=False, allow_null=True, help_text=UPDATED_AT_HELP)


class ChangeInput(serializers.Serializer):
    team = serializers.CharField(max_length=500)
    sha = serializers.CharField(
        max_length=64, help_text="The full commit id, in either case. A time sent twice keeps the earliest."
    )
    authored_at = AcceptedDateTimeField(required=False, allow_null=True)
    merged_at = AcceptedDateTimeField(required=False, allow_null=True)


class IncidentInput(serializers.Serializer):
    id = IdentifierField(
        max_length=100, help_text="Your id for the incident; sending it with a later updated_at updates it."
    )
    team = serializers.CharField(max_length=500)
    opened_at = AcceptedDateTimeField()
    resolved_at = AcceptedDateTimeField(required=False, allow_null=True)
    deployment_id = IdentifierField(max_length=100, required=False, allow_blank=True, allow_null=True)
    sha = serializers.CharField(max_length=64, required=False, allow_blank=True, help_text=SHA_HELP)
    updated_at = AcceptedDateTimeField(required=False, allow_null=True, help_text=UPDATED_AT_HELP)


BATCH_RECORDED = inline_serializer(
    "DeliveryBatchResult",
    {
        "recorded": serializers.IntegerField(help_text="Rows that changed what is stored."),
        "unchanged": serializers.IntegerField(help_text="Rows no newer than what is stored: late or repeated."),
        "ignored": inline_serializer(
            "IgnoredRow",
            {
                "index": serializers.IntegerField(),
                "field": serializers.CharField(),
                "message": serializers.CharField(),
            },
            many=True,
            required=False,
            help_text="Rows accepted but not recorded, each saying why (a deployment to an environment that is not "
            "production); present only when there are some.",
        ),
    },
)
EVENT_BATCH_MAX = 2000


def _event_batch_view(kind: str, row_serializer):
    batch = type(
        f"{kind.title()}BatchInput",
        (serializers.Serializer,),
        {"values": row_serializer(many=True, allow_empty=False, max_length=EVENT_BATCH_MAX)},
    )

    class EventBatch(ApiView):
        @extend_schema(
            request=batch,
            responses={200: BATCH_RECORDED, 400: ROW_ERRORS},
            operation_id=f"{kind}_record",
            description=f"Record up to {EVENT_BATCH_MAX} {kind}, all or nothing, as `values`. A row changes what "
            "is stored only if it is newer (by `updated_at`, else its own times), so rows may arrive in any order "
            "(a deployment to an environment other than production is answered in `ignored`, not recorded) "
            "and sending the same rows again changes nothing; DORA figures of the affected team and weeks are "
            "recomputed shortly after. Every time is a date and time with its offset or Z (such as "
            f"{EXAMPLE}), within {time_limits.ACCEPTED}, and no later than now plus {CLOCK_SKEW_SHOWN} (events are "
            "recorded once they have happened).",
        )
        def post(self, request):
            parsed = batch(data=request.data)
            if not parsed.is_valid():
                return Response({"errors": _row_errors(parsed.errors)}, status=status.HTTP_400_BAD_REQUEST)
            recorded, unchanged, ignored, errors = services.delivery_batch_record(
                kind=kind, rows=parsed.validated_data["values"]
            )
            if errors:
                body = {"errors": [{"index": i, "field": f, "message": m} for i, f, m in errors]}
                return Response(body, status=status.HTTP_400_BAD_REQUEST)
            answer = {"recorded": recorded, "unchanged": unchanged}
            if ignored:
                answer["ignored"] = [{"index": i, "field": f, "message": f"{m}."} for i, f, m in ignored]
            return Response(answer)

    EventBatch.__name__ = f"{kind.title()}Batch"
    return EventBatch


DeploymentBatch = _event_batch_view("deployments", DeploymentInput)
ChangeBatch = _event_batch_view("changes", ChangeInput)
IncidentBatch = _event_batch_view("incidents", IncidentInput)
