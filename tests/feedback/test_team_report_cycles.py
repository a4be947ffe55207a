"""A team report shows one cycle at a time, the latest first, with a picker (issue 22: it stacked every cycle
into 19,000 px), and draws each agreement question as a bar of unfavourable, neutral and favourable answers
whose shares are recomputed here from the raw answers."""

import re

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from feedback.selectors import team_results_key
from feedback.services import scores_aggregate
from feedback.statistics import favourability
from surveys import services
from surveys.models import Answer, Question, Response
from tests.factories import TeamFactory, manager_of

pytestmark = pytest.mark.django_db
SHARES = re.compile(r"(\d+)% unfavourable · (\d+)% neutral · <strong>(\d+)% favourable</strong>")


@pytest.fixture
def two_cycles(run_closed_cycle, client):
    team = TeamFactory(name="Platform")
    mixed = [{"psafety-2": v, "psafety-1": v} for v in (1, 2, 3, 4, 5, 5)]
    first = run_closed_cycle([(team, mixed)])
    scores_aggregate(cycle_id=first.id)
    second = run_closed_cycle([(team, [{"psafety-2": 5}] * 6)])
    scores_aggregate(cycle_id=second.id)
    client.force_login(manager_of(team, email="alice@example.com")[0])
    return {"team": team, "first": first, "second": second, "url": reverse("feedback:team_report", args=[team.id])}


def test_the_latest_cycle_is_shown_and_a_picked_one_instead(client, two_cycles):
    first, second = two_cycles["first"], two_cycles["second"]
    latest = client.get(two_cycles["url"]).content.decode()
    assert f'id="cycle-{second.id}"' in latest and f'id="cycle-{first.id}"' not in latest
    assert f'<option value="{second.id}" selected>{second.name} (latest)</option>' in latest
    picked = client.get(two_cycles["url"], {"cycle": first.id}).content.decode()
    assert f'id="cycle-{first.id}"' in picked and f'id="cycle-{second.id}"' not in picked


@pytest.mark.parametrize("cycle", ["999999", "abc", "-1"])
def test_a_cycle_that_is_not_the_reports_is_said_and_the_latest_shown(client, two_cycles, cycle):
    response = client.get(two_cycles["url"], {"cycle": cycle})
    page = response.content.decode()
    assert response.status_code == 400 and "were not understood" in page
    assert f'id="cycle-{two_cycles["second"].id}"' in page


def test_members_pick_among_published_cycles_only(client, two_cycles):
    services.cycle_publish(cycle_id=two_cycles["first"].id)
    url = reverse("feedback:team_results", args=[team_results_key(team_id=two_cycles["team"].id)])
    client.logout()
    page = client.get(url).content.decode()
    assert f'id="cycle-{two_cycles["first"].id}"' in page and "f-report-cycle" not in page  # one cycle: no picker
    refused = client.get(url, {"cycle": two_cycles["second"].id})  # closed, not published
    assert refused.status_code == 400 and f'id="cycle-{two_cycles["second"].id}"' not in refused.content.decode()


def test_each_questions_bar_is_its_raw_answers_counted_again(client, two_cycles):
    first = two_cycles["first"]
    page = client.get(two_cycles["url"], {"cycle": first.id}).content.decode()
    shown = SHARES.findall(page)
    responses = Response.objects.filter(cycle=first, team=two_cycles["team"])
    questions = Question.objects.filter(kind=Question.Kind.LIKERT, answers__response__in=responses).distinct()
    expected = []
    for question in questions.order_by("dimension_id", "key"):
        values = list(Answer.objects.filter(question=question, response__in=responses).values_list("value", flat=True))
        scored = [question.scale_points + 1 - v if question.reverse_scored else v for v in values]
        low = sum(v <= 2 for v in scored)
        high = sum(v >= question.scale_points - 1 for v in scored)
        expected.append(tuple(str(round(100 * c / len(values))) for c in (low, len(values) - low - high, high)))
    assert shown == expected and ("33", "17", "50") in shown  # answers 1, 2, 3, 4, 5, 5 as asked


def test_a_reverse_scored_items_agreement_is_unfavourable():
    assert favourability({5: 1.0}, points=5, reverse=True) == (1.0, 0.0, 0.0)
    assert favourability({1: 0.2, 2: 0.2, 3: 0.2, 4: 0.2, 5: 0.2}, points=5, reverse=False) == pytest.approx(
        (0.4, 0.2, 0.4)
    )
    assert favourability({4: 0.5, 3: 0.5}, points=7, reverse=False) == (0.0, 1.0, 0.0)  # 3 to 5 of 7 are neutral


@given(
    points=st.sampled_from([5, 7]),
    weights=st.lists(st.integers(0, 20), min_size=7, max_size=7),
    reverse=st.booleans(),
)
def test_the_three_shares_split_every_answer_and_reverse_scoring_mirrors_them(points, weights, reverse):
    total = sum(weights[:points]) or 1
    shares = {answer: weights[answer - 1] / total for answer in range(1, points + 1)}
    unfavourable, neutral, favourable = favourability(shares, points=points, reverse=reverse)
    assert unfavourable + neutral + favourable == pytest.approx(sum(shares.values()))
    mirrored = {points + 1 - answer: share for answer, share in shares.items()}
    assert favourability(mirrored, points=points, reverse=not reverse) == pytest.approx(
        (unfavourable, neutral, favourable)
    )
