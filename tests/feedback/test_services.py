import pytest

from feedback.models import GroupScore
from feedback.services import scores_aggregate
from tests.factories import PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db

AGREE_WITH_EVERYTHING = {f"psafety-{i}": 5 for i in range(1, 8)}


def score(cycle, team, dimension_key):
    return GroupScore.objects.get(cycle=cycle, team=team, dimension__key=dimension_key)


def test_reverse_scored_items_are_flipped_before_averaging(run_closed_cycle):
    # Agreeing (5) with everything: the four positive items score 5, the three negative ones score 1.
    team = TeamFactory()
    cycle = run_closed_cycle([(team, [AGREE_WITH_EVERYTHING] * 5)])
    scores_aggregate(cycle_id=cycle.id)
    safety = score(cycle, team, "psychological-safety")
    assert safety.respondents == 5
    assert safety.mean == pytest.approx((4 * 5 + 3 * 1) / 7)
    assert safety.sd == pytest.approx(0.0)
    assert safety.favourable == pytest.approx(4 / 7)


def test_the_ideal_answers_score_the_top_of_the_scale(run_closed_cycle):
    ideal = {f"psafety-{i}": (1 if i in (1, 3, 5) else 5) for i in range(1, 8)}
    team = TeamFactory()
    cycle = run_closed_cycle([(team, [ideal] * 5)])
    scores_aggregate(cycle_id=cycle.id)
    assert score(cycle, team, "psychological-safety").mean == pytest.approx(5.0)
    assert score(cycle, team, "psychological-safety").favourable == pytest.approx(1.0)


def test_enps_is_computed_per_group(run_closed_cycle):
    team = TeamFactory()
    cycle = run_closed_cycle([(team, [{"enps": 10}, {"enps": 9}, {"enps": 8}, {"enps": 3}, {"enps": 0}])])
    scores_aggregate(cycle_id=cycle.id)
    assert score(cycle, team, "enps").enps == pytest.approx(0.0)
    assert score(cycle, team, "enps").mean == pytest.approx(6.0)


def test_a_department_counts_everyone_in_its_teams(run_closed_cycle):
    engineering = TeamFactory(name="Engineering")
    platform = TeamFactory(name="Platform", parent=engineering)
    mobile = TeamFactory(name="Mobile", parent=engineering)
    cycle = run_closed_cycle([(platform, [{}] * 6), (mobile, [{}] * 3)], audience=[engineering])
    scores_aggregate(cycle_id=cycle.id)
    assert score(cycle, engineering, "psychological-safety").respondents == 9
    assert score(cycle, mobile, "psychological-safety").respondents == 3


def test_aggregating_twice_gives_the_same_rows(run_closed_cycle):
    team = TeamFactory()
    cycle = run_closed_cycle([(team, [{}] * 5)])
    first = scores_aggregate(cycle_id=cycle.id)
    before = list(GroupScore.objects.values("team", "dimension", "respondents", "mean", "sd", "favourable"))
    assert scores_aggregate(cycle_id=cycle.id) == first
    after = list(GroupScore.objects.values("team", "dimension", "respondents", "mean", "sd", "favourable"))
    assert sorted(map(str, before)) == sorted(map(str, after))


def test_an_open_cycle_is_not_aggregated(run_closed_cycle):
    from surveys.models import Cycle

    team = TeamFactory()
    cycle = run_closed_cycle([(team, [{}] * 5)])
    Cycle.objects.filter(id=cycle.id).update(state=Cycle.State.OPEN)
    with pytest.raises(ValueError):
        scores_aggregate(cycle_id=cycle.id)


def test_moving_a_team_later_does_not_change_a_past_cycles_results(run_closed_cycle):
    # given: Platform sat in Engineering when the cycle opened
    engineering = TeamFactory(name="Engineering")
    product = TeamFactory(name="Product")
    platform = TeamFactory(name="Platform", parent=engineering)
    cycle = run_closed_cycle([(platform, [{}] * 5)], audience=[engineering])
    # when: it moves to Product before aggregation runs
    platform.parent = product
    platform.save()
    scores_aggregate(cycle_id=cycle.id)
    # then: its answers still count for Engineering in that cycle, not for Product
    assert score(cycle, engineering, "psychological-safety").respondents == 5
    assert not GroupScore.objects.filter(cycle=cycle, team=product).exists()


def test_items_carry_their_distribution_as_asked_and_dimensions_their_reliability(run_closed_cycle):
    from feedback.models import DimensionReliability, ItemScore

    team = TeamFactory()
    answers = [{"psafety-1": 1, "psafety-2": 5}, {"psafety-1": 2, "psafety-2": 4}, {"psafety-1": 1, "psafety-2": 5},
               {"psafety-1": 5, "psafety-2": 1}, {"psafety-1": 4, "psafety-2": 2}]  # fmt: skip
    cycle = run_closed_cycle([(team, answers)])
    scores_aggregate(cycle_id=cycle.id)
    first = ItemScore.objects.get(cycle=cycle, team=team, question__key="psafety-1")
    assert first.distribution == {"1": 2, "2": 1, "4": 1, "5": 1}
    assert first.mean == pytest.approx((5 + 4 + 5 + 1 + 2) / 5)  # reverse-scored
    reliability = DimensionReliability.objects.get(cycle=cycle, dimension__key="psychological-safety")
    assert reliability.items == 7 and reliability.respondents == 5 and reliability.alpha is not None


def test_a_groups_change_from_its_previous_cycle_is_tested_and_flagged(run_closed_cycle):
    team = TeamFactory()
    low = {f"psafety-{i}": (4 if i in (1, 3, 5) else 2) for i in range(1, 8)}
    high = {f"psafety-{i}": (1 if i in (1, 3, 5) else 5) for i in range(1, 8)}
    first = run_closed_cycle([(team, [low] * 6)])
    scores_aggregate(cycle_id=first.id)
    second = run_closed_cycle([(team, [high] * 6)])
    scores_aggregate(cycle_id=second.id)
    after = score(second, team, "psychological-safety")
    assert after.previous_cycle_id == first.id
    assert after.change == pytest.approx(3.0)
    assert after.change_flagged and after.change_p < 0.01
    assert score(first, team, "psychological-safety").change is None


def test_admins_are_told_once_that_results_are_ready_without_small_counts(run_closed_cycle):
    from django.core import mail

    from feedback.services import results_announce
    from surveys.models import Person
    from tests.factories import manager_of

    team = TeamFactory()
    manager_of(team, email="ada@example.com", role=Person.Role.ADMIN)
    manager_of(team, email="maria@example.com")
    cycle = run_closed_cycle([(team, [{}] * 4)])
    assert results_announce(cycle_id=cycle.id) is True
    assert results_announce(cycle_id=cycle.id) is False
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert "fewer than 5 answered" in message.body and "ready to publish" in message.subject


def test_a_change_is_never_against_an_older_cycle_across_one_where_nobody_of_the_group_answered(run_closed_cycle):
    # given teams of six, where all of A answered the first and third cycles and nobody of A the second
    root = TeamFactory(name="Root")
    teams = {name: TeamFactory(name=name, parent=root) for name in "ABC"}
    for team in teams.values():
        PersonFactory.create_batch(6, team=team)
    cycles = []
    for a_answers in (6, 0, 6):
        given = [(teams["A"], [{}] * a_answers), (teams["B"], [{}] * 6), (teams["C"], [{}] * 6)]
        cycles.append(run_closed_cycle(given, audience=[root]))
        scores_aggregate(cycle_id=cycles[-1].id)
    # when the third cycle's change is read
    latest = GroupScore.objects.filter(cycle=cycles[2], team=teams["A"])
    # then A has no change at all: one against the first cycle would show that nobody of A answered the second
    assert latest.exists() and all(s.change is None and not s.change_shown for s in latest)
    # while B, which answered every cycle, is compared with the second
    assert all(s.previous_cycle_id == cycles[1].id for s in GroupScore.objects.filter(cycle=cycles[2], team=teams["B"]))
