"""Baselines served by the same server configuration as Align, for like-for-like ratios."""

from datetime import timedelta

from django.db import connection
from django.db.models import Q
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from feedback.models import Action, Finding, GroupScore, ItemScore, MetricValue, ParticipationFigure
from surveys.models import Comment, Cycle, CycleTeam, Team

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

    The root's scores over the shown cycles and its participation over every cycle, every group's scores,
    participation and tree for the heatmap cycle, the tree of every shown cycle, the findings with the scores
    and metric values behind the significant ones' scatters, and the metric values of every team since the
    first shown cycle.
    """
    root = int(request.GET["root"])
    cycles = [int(c) for c in request.GET.getlist("cycle")]
    rows = 0
    rows += len(GroupScore.objects.filter(cycle_id__in=cycles, team_id=root).values_list("mean", "sd", "respondents"))
    rows += len(ParticipationFigure.objects.filter(team_id=root).values_list("cycle_id", "invited", "answered"))
    rows += len(GroupScore.objects.filter(cycle_id=cycles[-1]).values_list("team_id", "dimension_id", "mean"))
    rows += len(ParticipationFigure.objects.filter(cycle_id=cycles[-1]).values_list("team_id", "invited", "shown"))
    rows += len(CycleTeam.objects.filter(cycle_id__in=cycles).values_list("cycle_id", "team_id", "parent_id", "name"))
    findings = list(Finding.objects.values_list("id", "r", "q", "significant", "dimension_id", "metric_id"))
    rows += len(findings)
    significant = [f for f in findings if f[3]][:6]
    subtree = Q(team_id=root) | Q(team__parent_id=root) | Q(team__parent__parent_id=root)
    scatter = GroupScore.objects.filter(subtree, shown=True, dimension_id__in={f[4] for f in significant})
    rows += len(scatter.values_list("dimension_id", "team_id", "cycle_id", "mean"))
    scatter_metrics = MetricValue.objects.filter(subtree, metric_id__in={f[5] for f in significant})
    rows += len(scatter_metrics.values_list("metric_id", "team_id", "period_start", "value"))
    first = Cycle.objects.get(id=cycles[0]).opens_at.date()
    metric_values = MetricValue.objects.filter(subtree, period_start__gte=first)
    rows += len(metric_values.values_list("metric_id", "period_start", "value"))
    return HttpResponse(f"{rows} rows")


def team_report_rows(request):
    """Read the rows a team report reads for a team, with no rules and no rendering.

    The team's scores in every cycle it took part in, its organisation's scores to compare with, and for the
    latest cycle its item figures, its subtree's comments and its actions; its metric values since 90 days
    before the latest cycle.
    """
    team = Team.objects.get(id=int(request.GET["team"]))
    rows = 0
    cycles = list(Cycle.objects.filter(tree__team=team).order_by("-closes_at").values_list("id", "opens_at"))
    rows += len(GroupScore.objects.filter(team=team).values_list("cycle_id", "dimension_id", "mean", "respondents"))
    root = team
    while root.parent_id is not None:
        root = root.parent
    rows += len(GroupScore.objects.filter(team=root).values_list("cycle_id", "dimension_id", "mean"))
    latest, opened = cycles[0]
    rows += len(ItemScore.objects.filter(cycle_id=latest, team=team).values_list("question_id", "distribution"))
    subtree = Q(team=team) | Q(team__parent=team) | Q(team__parent__parent=team)
    rows += len(Comment.objects.filter(subtree, cycle_id=latest).values_list("id", "text"))
    rows += len(Action.objects.filter(team=team, cycle_id=latest).values_list("text"))
    since = opened.date() - timedelta(days=90)
    rows += len(MetricValue.objects.filter(subtree, period_start__gte=since).values_list("metric_id", "value"))
    return HttpResponse(f"{rows} rows")


def insert_table_create() -> None:
    """Create the baseline insert view's table if it is missing."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {INSERT_TABLE} (id bigserial PRIMARY KEY, body text)")
        else:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {INSERT_TABLE} (id integer PRIMARY KEY, body text)")
