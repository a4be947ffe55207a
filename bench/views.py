"""Baselines served by the same server configuration as Align, for like-for-like ratios."""

from django.db import connection
from django.db.models import Q
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from feedback.models import Finding, GroupScore, MetricValue
from surveys.models import Cycle, CycleTeam

INSERT_TABLE = "bench_row"


def hello(request):
    """The least a Django view can do."""
    return HttpResponse("hello")


@csrf_exempt
def insert(request):
    """Insert one row per request (the floor for any view that stores something)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {INSERT_TABLE} (body) VALUES (%s)", [request.body[:200].decode() or "x"])  # noqa: S608
    return HttpResponse("stored", status=201)


def dashboard_rows(request):
    """Read the rows the dashboard reads for a root, with no rules and no rendering.

    The root's scores over the shown cycles, every group's scores and the tree for the heatmap cycle, the
    tree of every shown cycle, the findings, and the metric values of every team since the first shown cycle.
    """
    root = int(request.GET["root"])
    cycles = [int(c) for c in request.GET.getlist("cycle")]
    rows = 0
    rows += len(GroupScore.objects.filter(cycle_id__in=cycles, team_id=root).values_list("mean", "sd", "respondents"))
    rows += len(GroupScore.objects.filter(cycle_id=cycles[-1]).values_list("team_id", "dimension_id", "mean"))
    rows += len(CycleTeam.objects.filter(cycle_id__in=cycles).values_list("cycle_id", "team_id", "parent_id", "name"))
    rows += len(Finding.objects.values_list("id", "r", "q"))
    first = Cycle.objects.get(id=cycles[0]).opens_at.date()
    subtree = Q(team_id=root) | Q(team__parent_id=root) | Q(team__parent__parent_id=root)
    metric_values = MetricValue.objects.filter(subtree, period_start__gte=first)
    rows += len(metric_values.values_list("metric_id", "period_start", "value"))
    return HttpResponse(f"{rows} rows")


def insert_table_create() -> None:
    """Create the baseline insert view's table if it is missing."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {INSERT_TABLE} (id bigserial PRIMARY KEY, body text)")
        else:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {INSERT_TABLE} (id integer PRIMARY KEY, body text)")
