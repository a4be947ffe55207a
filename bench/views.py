"""Baselines served by the same server configuration as Align, for like-for-like ratios."""

from datetime import timedelta

from django.db import connection
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from feedback.models import Action, Finding, GroupScore, ItemScore, MetricValue, ParticipationFigure
from feedback.selectors.dashboard import REPORTED_STATES, heatmap_levels, heatmap_places, scatter_sample
from surveys.models import Comment, Cycle, CycleTeam, Team
from surveys.selectors import team_subtree_ids

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

    The root's scores over the shown cycles and its participation over every cycle, the heatmap cycle's tree
    and participation and the scores of its groups on the page (with the flagged changes), the findings with
    the scores and metric values behind the significant ones' scatters (of the groups they draw,
    `scatter_sample`), and the metric values of every team since the first shown cycle.
    """
    root = int(request.GET["root"])
    cycles = [int(c) for c in request.GET.getlist("cycle")]
    rows = 0
    rows += len(GroupScore.objects.filter(cycle_id__in=cycles, team_id=root).values_list("mean", "sd", "respondents"))
    rows += len(ParticipationFigure.objects.filter(team_id=root).values_list("cycle_id", "invited", "answered"))
    # The heatmap cycle's tree and participation, and its scores of the groups on the page (`heatmap_levels`:
    # down to the departments at 5,000 teams) with every flagged change (the movers).
    chosen = cycles[-1]
    tree = {
        t: (p, n) for t, p, n in CycleTeam.objects.filter(cycle_id=chosen).values_list("team_id", "parent_id", "name")
    }
    invited = ParticipationFigure.objects.filter(cycle_id=chosen).values_list("team_id", "invited", "shown")
    rows += len(tree) + len(invited)
    places = heatmap_places(root, tree, {team_id for team_id, _, _ in invited})
    page, _ = heatmap_levels(places)
    heat = GroupScore.objects.filter(cycle_id=chosen)
    if len(page) < len(places):
        heat = heat.filter(Q(team_id__in=[p.team_id for p in page]) | Q(change_flagged=True))
    rows += len(heat.values_list("team_id", "dimension_id", "mean"))
    findings = list(Finding.objects.values_list("id", "r", "q", "significant", "dimension_id", "metric_id"))
    rows += len(findings)
    significant = [f for f in findings if f[3]][:6]
    # The scatters' rows: those of the groups the page's scatters draw, no more.
    subtree = team_subtree_ids([root], parents=dict(Team.objects.values_list("id", "parent_id")))
    reported = Cycle.objects.filter(state__in=REPORTED_STATES).count()
    drawn = scatter_sample(subtree, cycles=reported)
    scatter = GroupScore.objects.filter(
        team_id__in=list(drawn), shown=True, dimension_id__in={f[4] for f in significant}
    )
    rows += len(scatter.values_list("dimension_id", "team_id", "cycle_id", "mean"))
    scatter_metrics = MetricValue.objects.filter(team_id__in=list(drawn), metric_id__in={f[5] for f in significant})
    rows += len(scatter_metrics.values_list("metric_id", "team_id", "period_start", "value"))
    # The metric timeline as the page reads it: each metric's and period's sum and count over the subtree's
    # teams, worked out by the database (`metric_timeline`), not the 600,000 values at 5,000 teams one by one.
    first = Cycle.objects.get(id=cycles[0]).opens_at.date()
    metric_values = MetricValue.objects.filter(team_id__in=list(subtree), period_start__gte=first).order_by()
    rows += len(
        metric_values.values_list("metric_id", "period_start", "period_end").annotate(total=Sum("value"), n=Count("id"))
    )
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
