import re

import pytest
from django.urls import reverse

from feedback.services import scores_aggregate
from surveys.models import Person
from tests.factories import PersonFactory, TeamFactory, manager_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(run_closed_cycle):
    """Engineering with Platform (6 answers), Payments (5) and Mobile (3), one closed, aggregated cycle."""
    engineering = TeamFactory(name="Engineering")
    teams = {name: TeamFactory(name=name, parent=engineering) for name in ("Platform", "Payments", "Mobile", "Data")}
    cycle = run_closed_cycle(
        [(teams["Platform"], [{}] * 6), (teams["Payments"], [{}] * 5), (teams["Mobile"], [{}] * 3)],
        audience=[engineering],
    )
    scores_aggregate(cycle_id=cycle.id)
    return {"Engineering": engineering, **teams, "cycle": cycle}


def test_a_manager_sees_their_team_scores_with_n(client, org):
    alice, _ = manager_of(org["Platform"], email="alice@example.com")
    client.force_login(alice)
    page = client.get(reverse("feedback:team_report", args=[org["Platform"].id])).content.decode()
    assert "Psychological safety" in page
    assert "<td>6</td>" in page
    assert "Not enough responses" not in page


def test_a_team_below_the_threshold_shows_not_enough_responses(client, org):
    bob, _ = manager_of(org["Mobile"], email="bob@example.com")
    client.force_login(bob)
    response = client.get(reverse("feedback:team_report", args=[org["Mobile"].id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not enough responses" in page
    assert "<td>3</td>" not in page


def test_the_smallest_sibling_of_a_hidden_team_is_hidden_too(client, org):
    # Engineering (14) − Platform (6) would reveal Mobile (3) unless Payments (5) is hidden as well.
    leader, _ = manager_of(org["Engineering"], email="lee@example.com", role=Person.Role.LEADER)
    client.force_login(leader)
    payments = client.get(reverse("feedback:team_report", args=[org["Payments"].id])).content.decode()
    engineering = client.get(reverse("feedback:team_report", args=[org["Engineering"].id])).content.decode()
    assert "Not enough responses" in payments
    assert "<td>14</td>" in engineering


def test_a_manager_gets_a_404_for_another_team(client, org):
    alice, _ = manager_of(org["Platform"], email="alice@example.com")
    client.force_login(alice)
    assert client.get(reverse("feedback:team_report", args=[org["Payments"].id])).status_code == 404
    assert client.get(reverse("feedback:team_report", args=[999999])).status_code == 404


def test_a_member_without_a_managed_team_sees_no_reports(client, org):
    member, _ = manager_of(org["Platform"], email="mo@example.com", role=Person.Role.MEMBER)
    client.force_login(member)
    assert client.get(reverse("feedback:team_report", args=[org["Platform"].id])).status_code == 404
    # /reports/ is their team's results page (issue 22), not a team report
    home = client.get(reverse("feedback:home")).content.decode()
    assert "Platform: published results" in home and "Delivery and business metrics" not in home


def test_reports_need_a_login(client, org):
    response = client.get(reverse("feedback:team_report", args=[org["Platform"].id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_home_page_lists_the_teams_a_leader_may_open(client, org):
    leader, _ = manager_of(org["Engineering"], email="lee@example.com", role=Person.Role.LEADER)
    client.force_login(leader)
    page = client.get(reverse("feedback:home")).content.decode()
    listed = re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', page)
    # the department first, then its teams by name, each with its whole path
    assert listed == ["Engineering", *(f"Engineering / {name}" for name in ("Data", "Mobile", "Payments", "Platform"))]


def test_a_team_moved_after_a_cycle_is_judged_by_the_tree_of_that_cycle(client, org):
    # Payments moves out of Engineering afterwards; in that cycle Mobile's 3 must still not be derivable.
    org["Payments"].parent = TeamFactory(name="Elsewhere")
    org["Payments"].save()
    leader, _ = manager_of(org["Engineering"], email="lee@example.com", role=Person.Role.LEADER)
    client.force_login(leader)
    response = client.get(reverse("feedback:team_report", args=[org["Platform"].id]))
    assert "<td>6</td>" in response.content.decode()
    # Payments is no longer in Lee's subtree, but in that cycle it was hidden to protect Mobile.
    admin, _ = manager_of(org["Engineering"], email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    assert (
        "Not enough responses"
        in client.get(reverse("feedback:team_report", args=[org["Payments"].id])).content.decode()
    )


def test_a_significant_change_is_shown_only_when_both_cycles_figures_are_shown(client, run_closed_cycle):
    low = {f"psafety-{i}": (4 if i in (1, 3, 5) else 2) for i in range(1, 8)}
    high = {f"psafety-{i}": (1 if i in (1, 3, 5) else 5) for i in range(1, 8)}
    shown = TeamFactory(name="Shown")
    first = run_closed_cycle([(shown, [low] * 6)])
    scores_aggregate(cycle_id=first.id)
    second = run_closed_cycle([(shown, [high] * 6)])
    scores_aggregate(cycle_id=second.id)
    alice, _ = manager_of(shown, email="alice@example.com")
    client.force_login(alice)
    page = client.get(reverse("feedback:team_report", args=[shown.id])).content.decode()
    assert "▲ up 3.00" in page
    # Had the first cycle's figure been hidden (raise its threshold), the change would reveal it: not shown.
    type(first).objects.filter(id=first.id).update(threshold=7)
    scores_aggregate(cycle_id=first.id)
    scores_aggregate(cycle_id=second.id)
    page = client.get(reverse("feedback:team_report", args=[shown.id])).content.decode()
    assert "▲ up" not in page and "no clear change" not in page


def test_a_fall_reads_down_and_its_size_never_down_and_a_negative_number(client, run_closed_cycle):
    # given: Psychological safety falls by 3 points (all items from 5, after reverse-scoring, to 2)
    high = {f"psafety-{i}": (1 if i in (1, 3, 5) else 5) for i in range(1, 8)}
    low = {f"psafety-{i}": (4 if i in (1, 3, 5) else 2) for i in range(1, 8)}
    team = TeamFactory(name="Shown")
    for answers in (high, low):
        cycle = run_closed_cycle([(team, [answers] * 6)])
        scores_aggregate(cycle_id=cycle.id)
    alice, _ = manager_of(team, email="alice@example.com", role=Person.Role.LEADER)
    client.force_login(alice)
    # when
    report = client.get(reverse("feedback:team_report", args=[team.id])).content.decode()
    board = client.get(reverse("feedback:dashboard")).content.decode()
    # then: the team report, the heatmap's label and the movers say "down 3.00 points", in words and a size
    assert "▼ down 3.00 points" in report
    assert 'aria-label="down 3.00 points"' in board and ": down 3.00 points" in board
    assert not re.search(r"(down|up) [−-]", report + board)


def test_an_enps_change_is_shown_in_enps_points_beside_the_enps(client, run_closed_cycle):
    # given: eNPS −30 (2 promoters, 3 passives, 5 detractors of 10), then 47 (8, 6 and 1 of 15)
    team = TeamFactory(name="Shown")
    PersonFactory.create_batch(15, team=team)
    before = [10, 9, 7, 8, 7, 0, 3, 5, 6, 1]
    after = [10] * 8 + [7] * 6 + [2]
    first = run_closed_cycle([(team, [{"enps": v} for v in before])])
    scores_aggregate(cycle_id=first.id)
    second = run_closed_cycle([(team, [{"enps": v} for v in after])])
    scores_aggregate(cycle_id=second.id)
    alice, _ = manager_of(team, email="alice@example.com")
    client.force_login(alice)
    # when
    page = client.get(reverse("feedback:team_report", args=[team.id])).content.decode()
    earlier = client.get(reverse("feedback:team_report", args=[team.id]), {"cycle": first.id}).content.decode()
    # then: the latest cycle first, 47 − (−30) = 77 eNPS points (it used to read "up 1.97", a change of the
    # 0–10 mean), and the earlier cycle when picked
    assert "eNPS 47" in page and "eNPS -30" in earlier and "eNPS -30" not in page
    assert "▲ up 77 eNPS points" in page
    # and beside each score its three groups, as counts and shares of its n
    assert "8 promoters (53%) · 6 passives (40%) · 1 detractor (7%)" in page
    assert "2 promoters (20%) · 3 passives (30%) · 5 detractors (50%)" in earlier
    csv = client.get(reverse("feedback:team_report", args=[team.id]), {"export": "scores"}).content.decode()
    enps_row = next(line for line in csv.splitlines() if line.startswith(second.name) and ",46.67," in line)
    assert ",76.67," in enps_row
