"""Report pages in Chromium for each role: the numbers match the database, charts draw, axe finds nothing."""

import re

import pytest

from feedback.models import GroupScore, MetricDefinition, MetricValue
from feedback.selectors import team_results_key
from feedback.services import scores_aggregate
from surveys import services
from surveys.models import Dimension, Person
from tests.browser.conftest import ARTIFACTS
from tests.factories import TeamFactory, manager_of
from tests.feedback.conftest import run_cycle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def org():
    """Engineering: Platform (6 answers), Payments (5), Mobile (3); two aggregated cycles, the latest published."""
    engineering = TeamFactory(name="Engineering")
    teams = {name: TeamFactory(name=name, parent=engineering) for name in ("Platform", "Payments", "Mobile")}
    cycles = []
    for low in (2, 4):
        answers = {
            "Platform": [{"psafety-2": low, "comment": "Retros help"}] * 6,
            "Payments": [{}] * 5,
            "Mobile": [{"comment": "Only Mobile"}] * 3,
        }
        cycle = run_cycle([(teams[name], given) for name, given in answers.items()], audience=[engineering])
        scores_aggregate(cycle_id=cycle.id)
        cycles.append(cycle)
    services.cycle_publish(cycle_id=cycles[-1].id)
    deployments = MetricDefinition.objects.get(key="deployment-frequency")
    for week in range(4):
        start = cycles[0].opens_at.date().replace(day=1)
        MetricValue.objects.create(
            metric=deployments, team=teams["Platform"], period_start=start.replace(day=1 + 7 * week),
            period_end=start.replace(day=7 + 7 * week), value=3 + week,
        )  # fmt: skip
    logins = {
        "admin": manager_of(engineering, email="ada@example.com", role=Person.Role.ADMIN)[0],
        "leader": manager_of(engineering, email="lee@example.com", role=Person.Role.LEADER)[0],
        "manager": manager_of(teams["Platform"], email="maria@example.com", role=Person.Role.MANAGER)[0],
    }
    return {"Engineering": engineering, **teams, "cycles": cycles, "logins": logins}


@pytest.fixture
def desk(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/reports/")


def open_drawn(page, url, name):
    page.goto(url)
    page.wait_for_function("document.body.dataset.charts === 'drawn'")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def heat_cell(page, group, column):
    row = page.locator("table.heatmap tbody tr", has=page.get_by_role("link", name=group, exact=True))
    return row.locator("td").nth(column).inner_text()


@pytest.mark.parametrize("role", ["admin", "leader"])
def test_the_dashboard_shows_the_databases_figures_and_marks_suppressed_groups(
    desk, live_server, org, role, accessibility_violations
):
    log_in(desk, live_server, f"{org['logins'][role].email}")
    open_drawn(desk, f"{live_server.url}/reports/dashboard/?root={org['Engineering'].id}", f"dashboard-{role}")
    safety = Dimension.objects.get(key="psychological-safety")
    latest = org["cycles"][-1]
    platform = GroupScore.objects.get(cycle=latest, team=org["Platform"], dimension=safety)
    headers = desk.locator("table.heatmap thead th").all_inner_texts()
    column = headers.index("Psychological safety") - 1
    assert heat_cell(desk, "Platform", column).startswith(f"{platform.mean:.2f}")
    assert f"n={platform.respondents}" in heat_cell(desk, "Platform", column)
    assert heat_cell(desk, "Mobile", column) == "suppressed"
    assert desk.locator(".chart .main-svg").count() >= 3  # plotly drew the charts
    assert accessibility_violations(desk) == []


def test_the_heatmap_sorts_by_a_column_with_suppressed_cells_last(desk, live_server, org):
    log_in(desk, live_server, "ada@example.com")
    open_drawn(desk, f"{live_server.url}/reports/dashboard/?root={org['Engineering'].id}", "dashboard-sorted")
    desk.get_by_role("button", name="Psychological safety").click()
    names = desk.locator("table.heatmap tbody th").all_inner_texts()
    assert names[-1] in {"Mobile", "Payments"}
    header = desk.locator("table.heatmap thead th", has=desk.get_by_role("button", name="Psychological safety"))
    assert header.get_attribute("aria-sort") == "ascending"


def test_a_manager_sees_their_team_report_with_distributions_comments_and_metrics(
    desk, live_server, org, accessibility_violations
):
    log_in(desk, live_server, "maria@example.com")
    open_drawn(desk, f"{live_server.url}/reports/teams/{org['Platform'].id}/", "team-report-manager")
    text = desk.content()
    assert "Retros help" in text and "Only Mobile" not in text
    assert "Answers per question" in text and "Deployment frequency" in text
    desk.goto(f"{live_server.url}/reports/teams/{org['Engineering'].id}/")
    assert "Page not found" in desk.content() or desk.title() != "Engineering · Align"
    desk.goto(f"{live_server.url}/reports/teams/{org['Platform'].id}/")
    assert accessibility_violations(desk) == []


def test_a_member_sees_the_published_results_through_their_link(page, live_server, org, accessibility_violations):
    key = team_results_key(team_id=org["Platform"].id)
    open_drawn(page, f"{live_server.url}/reports/results/{key}/", "team-results-member")
    text = page.content()
    assert org["cycles"][-1].name in text and org["cycles"][0].name not in text  # published cycles only
    assert re.search(r"Retros help", text)
    assert accessibility_violations(page) == []
