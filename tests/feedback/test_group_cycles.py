"""Attack finding H4: a one-off survey of one team showed as its department's and organisation's latest cycle in
the team report, and the organisation's "as a whole for comparison" column was the one-off's own figure.

One selector (`participation.cycles_reporting`) decides the cycles of a group for every output: the team report
page, its CSVs and PDF, the members' results page, the comments API, the drivers and the comparison column."""

import itertools

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import selectors
from feedback.models import GroupScore
from feedback.selectors.participation import cycles_reporting
from feedback.services import scores_aggregate
from surveys.models import Cycle, CycleTeam, Invitation, Response
from tests.downloads import csv_rows
from tests.factories import PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _publish(*cycles):
    Cycle.objects.filter(id__in=[c.id for c in cycles]).update(state=Cycle.State.PUBLISHED)


@pytest.fixture
def acme(run_closed_cycle):
    """Acme: Engineering (Platform with its Risk team, and Data) and Sales, 6 people each in Risk, Data and Sales.
    Two cycles for everyone, then a one-off for Risk alone, all answered by everyone and published."""
    root = TeamFactory(name="Acme")
    engineering = TeamFactory(name="Engineering", parent=root)
    platform = TeamFactory(name="Platform", parent=engineering)
    risk = TeamFactory(name="Risk", parent=platform)
    data = TeamFactory(name="Data", parent=engineering)
    sales = TeamFactory(name="Sales", parent=root)
    for team in (risk, data, sales):
        PersonFactory.create_batch(6, team=team)
    whole = []
    for _ in range(2):
        said = [{"comment": "Everyone was asked this"}] * 6
        whole.append(run_closed_cycle([(risk, said), (data, said), (sales, said)], audience=[root]))
        scores_aggregate(cycle_id=whole[-1].id)
    one_off = run_closed_cycle([(risk, [{"comment": "Only Risk was asked this"}] * 6)], audience=[risk])
    one_off.name = "Risk one-off"
    one_off.save(update_fields=["name"])
    scores_aggregate(cycle_id=one_off.id)
    _publish(*whole, one_off)
    teams = {"acme": root, "engineering": engineering, "platform": platform, "risk": risk, "data": data}
    return teams | {"whole": whole, "one_off": one_off}


@pytest.fixture
def admin(client):
    client.force_login(UserFactory(username="alice@example.com", is_superuser=True))
    return client


def test_the_team_report_of_a_group_above_a_one_off_never_has_it(acme):
    for group in ("acme", "engineering", "platform", "data"):
        for published_only in (False, True):
            reports = selectors.team_report(team=acme[group], published_only=published_only)
            assert [r.cycle for r in reports] == acme["whole"][::-1], group
    risk = selectors.team_report(team=acme["risk"])
    assert [r.cycle for r in risk] == [acme["one_off"], *acme["whole"][::-1]]


def test_the_comparison_column_uses_only_cycles_that_took_in_the_whole_comparison_group(acme):
    by_cycle = {r.cycle: r for r in selectors.team_report(team=acme["risk"])}
    assert by_cycle[acme["one_off"]].extras.benchmark == {}  # Acme's figure there is Risk's own
    assert all(cell.benchmark is None for cell in by_cycle[acme["one_off"]].cells)
    whole = by_cycle[acme["whole"][-1]]
    acme_scores = GroupScore.objects.filter(cycle=acme["whole"][-1], team=acme["acme"], shown=True)
    assert whole.extras.benchmark and set(whole.extras.benchmark) == {s.dimension_id for s in acme_scores}


@pytest.mark.parametrize("group", ["acme", "engineering", "platform"])
def test_no_page_csv_or_pdf_of_a_group_above_the_one_off_shows_it(admin, acme, group, monkeypatch):
    url = reverse("feedback:team_report", args=[acme[group].id])
    page = admin.get(url)
    assert page.status_code == 200 and "Risk one-off" not in page.content.decode()
    assert f'<option value="{acme["whole"][-1].id}" selected' in page.content.decode()
    refused = admin.get(url, {"cycle": acme["one_off"].id})
    assert refused.status_code == 400 and "Risk one-off" not in refused.content.decode()
    for export in ("scores", "items", "drivers"):
        rows = csv_rows(admin.get(url, {"export": export}))
        assert all("Risk one-off" not in cell for row in rows for cell in row), export
    printed = {}
    monkeypatch.setattr("feedback.services.report_pdf", lambda *, html: printed.setdefault("html", html).encode())
    assert admin.get(url, {"export": "pdf"}).status_code == 200
    assert "Risk one-off" not in printed["html"] and acme["whole"][0].name in printed["html"]


def test_the_risk_report_opens_on_its_one_off_without_an_organisation_column(admin, acme):
    page = admin.get(reverse("feedback:team_report", args=[acme["risk"].id])).content.decode()
    assert "Risk one-off" in page and "Acme as a whole for comparison" not in page.split("Risk one-off", 2)[-1][:3000]


def test_the_members_results_page_and_the_comments_api_follow_the_same_cycles(client, acme):
    for group in ("engineering", "platform"):
        key = selectors.team_results_key(team_id=acme[group].id)
        page = client.get(reverse("feedback:team_results", args=[key]))
        assert page.status_code == 200 and "Risk one-off" not in page.content.decode()
        refused = client.get(reverse("feedback:team_results", args=[key]), {"cycle": acme["one_off"].id})
        assert refused.status_code == 400
    client.force_login(UserFactory(username="root@example.com", is_superuser=True))
    for group in ("engineering", "platform"):
        body = client.get(reverse("conversations:api_team_comments", args=[acme[group].id])).json()
        assert {comment["cycle_id"] for comment in body["comments"]} == {cycle.id for cycle in acme["whole"]}
    body = client.get(reverse("conversations:api_team_comments", args=[acme["risk"].id])).json()
    assert acme["one_off"].id in {comment["cycle_id"] for comment in body["comments"]}


ORGANISATIONS = itertools.count()


def _covers(team_id, audience, parents):
    """Whether an audience took in the whole group, worked out here by walking up the tree."""
    while team_id is not None:
        if team_id in audience:
            return True
        team_id = parents.get(team_id)
    return not audience


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shape=st.lists(st.integers(min_value=0, max_value=10), min_size=3, max_size=6),
    sizes=st.lists(st.integers(min_value=2, max_value=7), min_size=6, max_size=6),
    audience=st.sets(st.integers(min_value=1, max_value=6), min_size=1, max_size=2),
)
def test_every_output_of_every_group_reports_only_the_cycles_that_took_it_in_whole(
    run_closed_cycle, shape, sizes, audience
):
    """Generated trees, team sizes and one-off audiences: each group's report has exactly the cycles whose
    audience took it in whole and invited someone in it, and no shown figure, taken with the others shown in any
    group's report, gives a hidden group's count by subtraction (parent minus its other children)."""
    # given: a root and up to six teams, each under the root or an earlier team; people on the leaves
    root = TeamFactory(name=f"Org {next(ORGANISATIONS)}")  # examples share the test's database
    teams = [root]
    for i, choice in enumerate(shape):
        teams.append(TeamFactory(name=f"T{i}", parent=teams[choice % len(teams)]))
    leaves = [t for t in teams if not any(other.parent_id == t.id for other in teams)]
    for team, size in zip(leaves, sizes, strict=False):
        PersonFactory.create_batch(size, team=team)
    named = [teams[i % len(teams)] for i in audience]
    whole = run_closed_cycle([(t, [{}] * t.members.count()) for t in leaves], audience=[root])
    one_off = run_closed_cycle([(t, [{}] * t.members.count()) for t in leaves], audience=named)
    for cycle in (whole, one_off):
        scores_aggregate(cycle_id=cycle.id)
    parents = dict(CycleTeam.objects.filter(cycle=one_off).values_list("team_id", "parent_id"))
    invited_teams = set(Invitation.objects.filter(cycle=one_off).values_list("team_id", flat=True))
    # when: every group's report is read
    shown: dict[int, int] = {}
    for team in teams:
        reports = selectors.team_report(team=team)
        below = {t for t in invited_teams if _covers(t, {team.id}, parents)}
        expected = ([one_off] if below and _covers(team.id, {n.id for n in named}, parents) else []) + [whole]
        # then: the one-off is there exactly where its audience took in the whole group
        assert [r.cycle for r in reports] == expected, team.name
        assert cycles_reporting(team_id=team.id, cycles=[whole, one_off]) == expected[::-1]
        for report in reports:
            if report.cycle == one_off:
                for cell in report.cells:
                    if cell.shown:
                        shown[team.id] = cell.respondents
                assert report.extras.benchmark == {} or _covers(root.id, {n.id for n in named}, parents)
    # and: no parent minus its shown children gives a hidden child's respondents in the one-off
    answered = set(Response.objects.filter(cycle=one_off).values_list("team_id", flat=True))
    with_invitees = _groups_with_invitees(invited_teams, parents)
    for parent_id in shown:
        children = [t for t, p in parents.items() if p == parent_id and t in with_invitees]
        hidden = [c for c in children if c not in shown]
        assert parent_id in answered or len(hidden) != 1, "a hidden child is its parent minus its shown siblings"


def _groups_with_invitees(invited: set[int], parents: dict) -> set[int]:
    groups = set()
    for team in invited:
        while team is not None:
            groups.add(team)
            team = parents.get(team)
    return groups
