"""Cronbach's α with Feldt's interval, on the dashboard and in the question bank: pingouin as the oracle, shown
only over at least the threshold's complete responses, and items that disagree marked as such."""

import re

import numpy as np
import pandas as pd
import pingouin
import pytest
from django.urls import reverse

from feedback.services import scores_aggregate
from surveys.models import Person
from tests.factories import TeamFactory, manager_of
from tests.feedback.conftest import run_cycle

pytestmark = pytest.mark.django_db
NUMBER = r"-?\d+\.\d\d"
REVERSED = (1, 3, 5)  # psafety-1, -3 and -5 are reverse-scored on their 5-point scale


def answers_of(scored: np.ndarray) -> list[dict]:
    """Each respondent's answers as asked, from their scored answers to the seven Edmondson items."""
    return [{f"psafety-{i}": int(6 - v if i in REVERSED else v) for i, v in enumerate(row, 1)} for row in scored]


def expected(scored: np.ndarray) -> tuple[float, tuple[float, float]]:
    alpha, interval = pingouin.cronbach_alpha(pd.DataFrame(scored))
    return alpha, tuple(interval)


@pytest.mark.parametrize("agree", [True, False])
def test_the_dashboard_and_question_bank_show_alpha_with_its_interval_and_mark_items_that_disagree(
    client, run_closed_cycle, agree
):
    # given: 12 people answer the seven items either as one (a trait plus a little noise) or at random
    rng = np.random.default_rng(3)
    trait = rng.integers(2, 5, (12, 1))
    scored = np.clip(trait + rng.integers(-1, 2, (12, 7)), 1, 5) if agree else rng.integers(1, 6, (12, 7))
    team = TeamFactory(name="Platform")
    cycle = run_closed_cycle([(team, answers_of(scored))])
    scores_aggregate(cycle_id=cycle.id)
    alpha, (low, high) = expected(scored)
    assert bool(alpha >= 0.7) is agree
    admin, _ = manager_of(team, email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    # when
    board = client.get(reverse("feedback:dashboard")).content.decode()
    bank = client.get(reverse("surveys:manage_questions")).content.decode()
    # then: α and pingouin's interval (to 2 decimals; pingouin rounds its interval to 3), its n, and the mark
    # exactly when α < 0.7
    for page in (board, bank):
        shown = re.search(rf"α ({NUMBER}) <span class=\"hint\">\(95% interval ({NUMBER}) to ({NUMBER}), n = 12 ", page)
        assert shown, "no α with its interval"
        assert [float(v) for v in shown.groups()] == pytest.approx([alpha, low, high], abs=0.0051)
        assert ("items disagree: read with care" in page) is not agree
    csv = client.get(reverse("feedback:dashboard"), {"export": "reliability"}).content.decode().splitlines()
    assert [float(v) for v in csv[1].split(",")[2:6]] == pytest.approx([alpha, low, high, 12], abs=0.0051)


def test_alpha_over_fewer_complete_responses_than_the_threshold_is_not_shown(client, run_closed_cycle):
    # given: 6 complete responses, then the threshold raised to 7
    rng = np.random.default_rng(5)
    scored = np.clip(rng.integers(2, 5, (6, 1)) + rng.integers(-1, 2, (6, 7)), 1, 5)
    team = TeamFactory(name="Platform")
    cycle = run_closed_cycle([(team, answers_of(scored))])
    scores_aggregate(cycle_id=cycle.id)
    admin, _ = manager_of(team, email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    assert "Cronbach's α" in client.get(reverse("surveys:manage_questions")).content.decode()
    type(cycle).objects.filter(id=cycle.id).update(threshold=7)
    # when
    board = client.get(reverse("feedback:dashboard")).content.decode()
    bank = client.get(reverse("surveys:manage_questions")).content.decode()
    # then
    assert "α " not in bank.replace("Cronbach's α", "") and "Cronbach's α " not in bank
    assert "No α to show here" in board


@pytest.mark.django_db
def test_alpha_is_not_shown_where_its_n_would_give_away_a_hidden_groups_count(client):
    # given: two top-level teams, Alpha (6, shown) and Beta (2, hidden): α over all 8 would say Beta's 2
    rng = np.random.default_rng(5)
    alpha_team, beta_team = TeamFactory(name="Alpha"), TeamFactory(name="Beta")
    answers = answers_of(np.clip(rng.integers(2, 5, (8, 1)) + rng.integers(-1, 2, (8, 7)), 1, 5))
    cycle = run_cycle([(alpha_team, answers[:6]), (beta_team, answers[6:])])
    scores_aggregate(cycle_id=cycle.id)
    admin, _ = manager_of(alpha_team, beta_team, email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    # when / then: no α on any dashboard root, in the CSV or the question bank
    for root in (alpha_team, beta_team):
        board = client.get(reverse("feedback:dashboard"), {"root": root.id}).content.decode()
        assert "No α to show here" in board and "complete responses" not in board
    csv = client.get(reverse("feedback:dashboard"), {"export": "reliability"}).content.decode().splitlines()
    assert csv[1:] == []
    assert "Cronbach's α " not in client.get(reverse("surveys:manage_questions")).content.decode()


@pytest.mark.django_db
def test_alpha_of_the_organisation_is_shown_on_its_dashboard_only(client):
    # given: an organisation of two teams of 6, everyone answering
    rng = np.random.default_rng(6)
    acme = TeamFactory(name="Acme")
    web, data = TeamFactory(name="Web", parent=acme), TeamFactory(name="Data", parent=acme)
    answers = answers_of(np.clip(rng.integers(2, 5, (12, 1)) + rng.integers(-1, 2, (12, 7)), 1, 5))
    cycle = run_cycle([(web, answers[:6]), (data, answers[6:])], audience=[acme])
    scores_aggregate(cycle_id=cycle.id)
    # when / then: the organisation's leader sees α over its 12; Web's manager, whose dashboard is Web, does not
    lee, _ = manager_of(acme, email="lee@example.com", role=Person.Role.LEADER)
    client.force_login(lee)
    assert "n = 12 complete responses" in client.get(reverse("feedback:dashboard")).content.decode()
    maria, _ = manager_of(web, email="maria@example.com")
    client.force_login(maria)
    board = client.get(reverse("feedback:dashboard")).content.decode()
    assert "complete responses" not in board and "No α to show here" in board
