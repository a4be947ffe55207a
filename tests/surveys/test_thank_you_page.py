"""The thank-you page (issue 22, defect 1): the respondent's own team's results, read and never written."""

import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.selectors import RESULTS_LINK_DAYS, RESULTS_SALT, team_results_key, team_results_published
from feedback.services import scores_aggregate
from surveys import services
from surveys.models import Cycle
from surveys.templatetags.wall_clocks import time_on_clock
from tests.factories import CycleFactory, TeamFactory
from tests.feedback.conftest import run_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    """Acme, the only team the audience names: Platform (6 answers) shown, Payments (5) and Mobile (3) hidden."""
    acme = TeamFactory(name="Acme")
    teams = {name: TeamFactory(name=name, parent=acme) for name in ("Platform", "Payments", "Mobile")}
    answers = {"Platform": [{}] * 6, "Payments": [{}] * 5, "Mobile": [{}] * 3}
    past = run_cycle([(teams[name], given) for name, given in answers.items()], audience=[acme])
    scores_aggregate(cycle_id=past.id)
    current = CycleFactory(teams=[acme], name="December pulse")
    services.cycle_open(cycle_id=current.id)
    return {"Acme": acme, **teams, "past": past, "current": current}


def thanks(client, team):
    return client.get(reverse("surveys:thanks"), {"results": team_results_key(team_id=team.id)})


def test_a_team_has_results_for_its_members_once_a_cycle_showing_its_figures_is_published(org):
    assert not team_results_published(team_id=org["Platform"].id)  # closed, not published
    services.cycle_publish(cycle_id=org["past"].id)
    assert team_results_published(team_id=org["Platform"].id)  # though the audience named only Acme
    assert not team_results_published(team_id=org["Mobile"].id)  # every figure of it hidden


def test_the_thank_you_page_links_to_the_teams_results_and_says_when_the_cycle_closes(client, org):
    services.cycle_publish(cycle_id=org["past"].id)
    page = thanks(client, org["Platform"]).content.decode()
    assert "/reports/results/" in page and "December pulse closes on" in page
    assert "/reports/results/" not in thanks(client, org["Mobile"]).content.decode()


def test_the_thank_you_page_writes_and_logs_nothing(client, org, caplog):
    services.cycle_publish(cycle_id=org["past"].id)
    with CaptureQueriesContext(connection) as captured, caplog.at_level(logging.DEBUG):
        caplog.clear()
        assert thanks(client, org["Platform"]).status_code == 200
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert statements and all(sql.lstrip().upper().startswith("SELECT") for sql in statements)
    assert [r for r in caplog.records if not r.name.startswith("django.db")] == []


def test_the_thank_you_page_names_only_open_cycles_that_invited_the_team(client, org):
    elsewhere = CycleFactory(teams=[TeamFactory(name="Elsewhere")], name="Other pulse")
    services.cycle_open(cycle_id=elsewhere.id)
    page = thanks(client, org["Platform"]).content.decode()
    assert "December pulse closes on" in page and "Other pulse" not in page
    Cycle.objects.filter(id=org["current"].id).update(state=Cycle.State.CLOSED)
    assert "after the survey closes" in thanks(client, org["Platform"]).content.decode()


@pytest.mark.parametrize("first", ["00:00:01", "08:59:59", "23:59:58"])
def test_the_results_key_carries_the_day_not_when_a_teammate_answered(time_machine, first):
    # round 5: the key was stamped at the team's first submit of the day and shown to every later respondent
    from datetime import UTC, datetime

    from django.core import signing

    day = datetime(2026, 12, 1, tzinfo=UTC)
    time_machine.move_to(datetime.fromisoformat(f"2026-12-01T{first}+00:00"), tick=False)
    early = team_results_key(team_id=5)
    time_machine.move_to(datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC), tick=False)
    late = team_results_key(team_id=5)
    # then: one key all day, timed at the day's start, still a key of team 5
    timestamp = signing.b62_decode(early.split(signing.Signer().sep)[1])
    assert early == late and timestamp == int(day.timestamp())
    assert signing.loads(late, salt=RESULTS_SALT, max_age=RESULTS_LINK_DAYS * 86400) == 5


def test_without_a_script_the_page_says_its_address_is_the_conversation_link_and_when_it_works(client, org):
    page = thanks(client, org["Platform"]).content.decode()
    # then the text shown without JavaScript comes before the rest, and asks no one whether they commented
    noscript = re.search(r"<noscript>(.*?)</noscript>", page, flags=re.DOTALL).group(1)
    assert page.index("<noscript>") < page.index("Your answers were received")
    assert "If you wrote a comment: copy this page's address now" in noscript
    assert "address bar, is your private conversation link" in noscript and "shown only once" in noscript
    assert "The link works once the survey has closed" in noscript and 'href="/conversations/"' in noscript
    # and the conversation section, filled in by the script, says the same about when the link works
    section = re.search(r'<section id="conversation".*?</section>', page, flags=re.DOTALL).group(0)
    assert "The link works once the survey has closed" in section and "Copy link" in section


def test_the_thank_you_page_names_each_open_cycles_own_threshold_for_the_teams_results(client, org):
    # given a second open cycle inviting the team with a higher threshold, on Tokyo's clock
    later = CycleFactory(teams=[org["Platform"]], name="Tokyo pulse", threshold=7, time_zone="Asia/Tokyo")
    services.cycle_open(cycle_id=later.id)
    page = thanks(client, org["Platform"]).content.decode()
    # then each cycle's close is on its own clock, with the number of the team's answers its results need
    closes = {c.name: time_on_clock(c.closes_at, c.time_zone) for c in [org["current"], later]}
    assert f"December pulse closes on {closes['December pulse']}." in page
    assert f"Tokyo pulse closes on {closes['Tokyo pulse']}." in page and "JST, Asia/Tokyo" in page
    parts = page.split("Tokyo pulse closes on")
    assert "only if at least 5 people in your team answered" in parts[0]
    assert "only if at least 7 people in your team answered" in parts[1]
