"""The dashboard at 5,000 teams: a scatter draws whole groups up to a number of points, the page's heatmap has
the rows that fit on it (its CSV every row) with the movers of every group, and the group picker lists the
groups near the one shown rather than every team."""

import functools
import re

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.models import GroupScore
from feedback.selectors import dashboard as dashboard_module
from feedback.selectors.dashboard import SCATTER_POINTS, dashboard, reported_cycles, scatter_sample
from surveys.models import Team
from tests.factories import UserFactory, organisation_with_aggregates

URL = reverse("feedback:dashboard")


@settings(max_examples=300)
@given(size=st.integers(1, 3000), cycles=st.integers(1, 1500), first=st.integers(1, 10**6))
def test_a_scatter_draws_whole_groups_up_to_its_points_and_the_same_ones_every_time(size, cycles, first):
    subtree = set(range(first, first + size))
    drawn = scatter_sample(subtree, cycles=cycles)
    assert drawn <= subtree
    assert drawn == subtree or len(drawn) == max(1, SCATTER_POINTS // cycles)
    assert len(drawn) * cycles <= SCATTER_POINTS or len(drawn) == 1  # a group's every cycle: at most the points
    assert scatter_sample(set(sorted(subtree, reverse=True)), cycles=cycles) == drawn


@pytest.mark.django_db
def test_the_pages_heatmap_has_the_rows_that_fit_and_the_movers_of_every_group(monkeypatch):
    # given an organisation of 3 departments of 4 teams, a third of its last cycle's shown figures moved
    root = organisation_with_aggregates(departments=3, teams_per_department=4, cycles=2)
    last = reported_cycles()[-1]
    moved = list(GroupScore.objects.filter(cycle=last, shown=True).order_by("id").values_list("id", flat=True))[::3]
    GroupScore.objects.filter(id__in=moved).update(
        change=0.5, change_shown=True, change_flagged=True, change_ci_low=0.2, change_ci_high=0.8
    )
    # and a page that holds 4 rows: the organisation and its departments
    limited = functools.partial(dashboard_module.heatmap_levels, limit=4)
    monkeypatch.setattr(dashboard_module, "heatmap_levels", limited)
    # when the page's dashboard and the CSV's are read
    whole = dashboard(root=root)
    page = dashboard(root=root, whole_heatmap=False)
    # then the page has the rows that fit, as the CSV's has them, and says how many groups there are
    assert page.heatmap == page.heatmap_shown == whole.heatmap_shown
    assert [row.depth for row in page.heatmap] == [0, 1, 1, 1] and page.heatmap_depth == whole.heatmap_depth == 1
    assert page.heatmap_groups == whole.heatmap_groups == len(whole.heatmap) == 16
    # and the movers are every group's, teams below the page's rows among them
    assert page.movers == whole.movers
    teams = {t.id for t in Team.objects.filter(parent__parent=root)}
    assert any(m.team_id in teams for m in page.movers)


def _listed(page: str) -> set[str]:
    picker = page.split('name="root"', 1)[1].split("</select>", 1)[0]
    return {name.split(" / ")[-1] for name in re.findall(r"<option [^>]*>([^<]+)</option>", picker)}


@pytest.mark.django_db
def test_the_group_picker_lists_the_groups_above_beside_and_below_the_one_shown(client):
    organisation_with_aggregates(departments=2, teams_per_department=3, cycles=1)
    client.force_login(UserFactory(username="alice@example.com", is_superuser=True))
    team = Team.objects.get(name="Team 0.1")
    department = Team.objects.get(name="Department 0")
    on_team = client.get(URL, {"root": team.id}).content.decode()
    assert _listed(on_team) == {"Acme", "Department 0", "Team 0.0", "Team 0.1", "Team 0.2"}
    on_department = client.get(URL, {"root": department.id}).content.decode()
    assert _listed(on_department) == {"Acme", "Department 0", "Department 1", "Team 0.0", "Team 0.1", "Team 0.2"}
    assert _listed(client.get(URL).content.decode()) == {"Acme", "Department 0", "Department 1"}


@pytest.mark.django_db
def test_a_sampled_scatter_draws_teams_only_and_its_caption_counts_them(monkeypatch, admin_client):
    from feedback.models import Finding, MetricDefinition, MetricValue
    from surveys.models import Cycle

    # given 3 departments of 4 teams over 4 cycles, a metric for every team and cycle, and a significant finding
    root = organisation_with_aggregates(departments=3, teams_per_department=4, cycles=4)
    metric = MetricDefinition.objects.create(key="velocity", name="Velocity")
    teams = list(Team.objects.filter(parent__parent=root))
    for number, cycle in enumerate(Cycle.objects.order_by("opens_at")):
        day = cycle.opens_at.date()
        MetricValue.objects.bulk_create(
            MetricValue(metric=metric, team=t, period_start=day, period_end=day, value=number + t.id % 3) for t in teams
        )
    dimension_id = GroupScore.objects.filter(team__in=teams, shown=True).values_list("dimension", flat=True).first()
    Finding.objects.create(
        dimension_id=dimension_id, metric=metric, lag=0, n_teams=10, n_points=40, r=0.6, ci_low=0.3, ci_high=0.8,
        p=0.001, q=0.01, direction="better", significant=True, sentence="Associated.",
    )  # fmt: skip
    # and a scatter of at most 8 points: 2 teams' 4 cycles
    monkeypatch.setattr(dashboard_module, "SCATTER_POINTS", 8)
    # when the organisation's dashboard is read
    view = next(v for v in dashboard(root=root).findings if v.finding.significant)
    # then it draws 2 of the 12 teams (never a department, whose score re-counts its teams') and says how many
    # teams its points come from
    names = {t.name for t in teams}
    assert (view.groups_drawn, view.groups_total) == (2, 12)
    assert view.points and {p.team for p in view.points} <= names
    page = admin_client.get(URL, {"root": root.id}).content.decode()
    caption = f"from {view.groups_with_points} teams, of 2 drawn at random among the 12 teams here"
    assert caption in page and f"a sample of {len(view.points)} team-cycles" in page
