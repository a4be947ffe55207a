"""DORA figures begin at the team's first deployment (issue #20, round 8 H2).

One commit dated 1970-01-01 (git --date=@0, SOURCE_DATE_EPOCH=0 builds) sent through the API, then one production
deployment on 2025-03-12 listing it, gave the team 2,985 deployment-frequency values from 1969-12-29, each 0: the
commit's time widened the weeks recomputed back to 1970, and every week got "0 deploys/week". Deployment frequency
now exists only for periods that end after the team's first deployment (feedback.dora.deploying); lead time and
change failure rate exist only where deployments lie; time to restore only in the week its incident opened. A
change's time widens the weeks recomputed only back to the deployment that shipped it in the meantime.

Time is frozen at NOW, a Tuesday; the current week begins Monday 30 November 2026.
"""

import importlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from feedback import dora, services
from feedback.models import Change, Deployment, DoraDirty, Incident, MetricDefinition, MetricValue
from feedback.services.delivery import week_start
from tests.factories import TeamFactory
from tests.feedback.test_future_events import CURRENT_WEEK, NOW, frozen  # noqa: F401  (frozen: an autouse fixture)

pytestmark = pytest.mark.django_db

TEAM = "Acme/Data/Ledger"
EPOCH_SHA = "5555555555555555555555555555555555555555"


@pytest.fixture
def machine(client):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {services.api_token_create(name='CI', created_by=None)[1]}"
    return client


@pytest.fixture
def ledger():
    return TeamFactory(name="Ledger", parent=TeamFactory(name="Data", parent=TeamFactory(name="Acme")))


def post(machine, kind: str, *rows):
    response = machine.post(reverse(f"api-{kind}"), json.dumps({"values": list(rows)}), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def figures(team, key: str) -> dict[date, float]:
    rows = MetricValue.objects.filter(team=team, metric__key=key).values_list("period_start", "value")
    return dict(sorted(rows))


def recompute_all(team) -> None:
    while DoraDirty.objects.filter(team=team).exists():
        services.dora_recompute(team_id=team.id)


# The report's example


def test_the_report_s_1970_commit_leaves_no_figure_before_the_first_deployment(machine, ledger):
    # given: the report's two requests
    post(machine, "changes", {"team": TEAM, "sha": EPOCH_SHA, "authored_at": "1970-01-01T00:00:01Z"})
    post(
        machine,
        "deployments",
        {"id": "ledger-old-1", "team": TEAM, "finished_at": "2025-03-12T10:00:00Z", "environment": "production",
         "shas": [EPOCH_SHA]},
    )  # fmt: skip
    # then: only the deployment's week and the REACH after it are marked, not 2,985 weeks from 1969-12-29
    marked = sorted(DoraDirty.objects.filter(team=ledger).values_list("week_start", flat=True))
    assert marked == [date(2025, 3, 10) + timedelta(weeks=n) for n in range(5)]
    # when
    recompute_all(ledger)
    # then: 1 deploy in the week of 10 March 2025, 0 in the four after it, nothing before
    assert figures(ledger, "deployment-frequency") == {
        date(2025, 3, 10): 1.0, date(2025, 3, 17): 0.0, date(2025, 3, 24): 0.0, date(2025, 3, 31): 0.0,
        date(2025, 4, 7): 0.0,
    }  # fmt: skip
    # and the 55-year "lead time" is not one: the commit lies beyond the 90 days a week looks back
    assert figures(ledger, "lead-time") == {}
    assert not MetricValue.objects.filter(team=ledger, period_start__lt=date(2025, 3, 10)).exists()


def test_an_incident_dated_1970_has_its_time_to_restore_and_no_deploys_per_week(machine, ledger):
    # given: an incident dated 1970, resolved two hours later, and the team's deployment in 2025
    post(machine, "incidents", {"team": TEAM, "id": "i-epoch", "opened_at": "1970-01-01T00:00:01Z",
                                "resolved_at": "1970-01-01T02:00:01Z"})  # fmt: skip
    post(machine, "deployments", {"id": "d-1", "team": TEAM, "finished_at": "2025-03-12T10:00:00Z"})
    # when
    recompute_all(ledger)
    # then: time to restore lives in the week its incident opened (its own event), nothing else before 2025
    assert figures(ledger, "time-to-restore") == {date(1969, 12, 29): 2.0}
    assert min(figures(ledger, "deployment-frequency")) == date(2025, 3, 10)
    assert figures(ledger, "change-failure-rate") == {date(2025, 3, 10): 0.0}


def test_a_team_without_deployments_has_no_deployment_frequency(ledger):
    services.change_record(team=ledger, sha=EPOCH_SHA, authored_at=datetime(2026, 11, 2, tzinfo=UTC))
    services.incident_record(team=ledger, external_id="i", opened_at=datetime(2026, 11, 3, tzinfo=UTC))
    DoraDirty.objects.get_or_create(team=ledger, week_start=date(2026, 11, 2))
    recompute_all(ledger)
    assert figures(ledger, "deployment-frequency") == {}


def test_a_deployment_older_than_the_first_fills_the_quiet_weeks_up_to_the_next_with_zero(ledger):
    # given: the team's first deployment, computed
    services.deployment_record(team=ledger, external_id="d-2", finished_at=datetime(2026, 10, 7, tzinfo=UTC))
    recompute_all(ledger)
    assert min(figures(ledger, "deployment-frequency")) == date(2026, 10, 5)
    # when: an older deployment arrives late, two months before it
    services.deployment_record(team=ledger, external_id="d-1", finished_at=datetime(2026, 8, 5, tzinfo=UTC))
    recompute_all(ledger)
    # then: every week from the new first one's to the next deployment's has its figure, 0 between
    weekly = figures(ledger, "deployment-frequency")
    between = [date(2026, 8, 3) + timedelta(weeks=n) for n in range(10)]
    assert [weekly.get(week) for week in between] == [1.0] + [0.0] * 8 + [1.0]


def test_a_first_deployment_corrected_to_a_later_time_takes_its_earlier_weeks_away(ledger):
    # given: a deployment on 5 August, computed
    first = datetime(2026, 8, 5, tzinfo=UTC)
    services.deployment_record(team=ledger, external_id="d-1", finished_at=first)
    services.deployment_record(team=ledger, external_id="d-2", finished_at=datetime(2026, 10, 7, tzinfo=UTC))
    recompute_all(ledger)
    assert min(figures(ledger, "deployment-frequency")) == date(2026, 8, 3)
    # when: its sender corrects it to 14 October
    corrected = datetime(2026, 10, 14, tzinfo=UTC)
    services.deployment_record(team=ledger, external_id="d-1", finished_at=corrected, updated_at=corrected)
    recompute_all(ledger)
    # then: the figures begin at the next first deployment, 7 October
    assert min(figures(ledger, "deployment-frequency")) == date(2026, 10, 5)


def test_a_commit_shipped_by_a_deployment_six_weeks_later_is_counted_in_that_week(ledger):
    # given: a deployment listing a commit whose change arrives after it, six weeks after the commit
    committed = datetime(2026, 9, 1, 9, tzinfo=UTC)
    shipped = committed + timedelta(weeks=6)
    services.deployment_record(team=ledger, external_id="d-1", finished_at=shipped, shas=[EPOCH_SHA])
    recompute_all(ledger)
    # when
    services.change_record(team=ledger, sha=EPOCH_SHA, authored_at=committed)
    recompute_all(ledger)
    # then: 6 weeks = 1,008 hours, in the deployment's week (the commit's week alone was marked before)
    assert figures(ledger, "lead-time") == {week_start(shipped): 1008.0}


# Stored figures from before the rule


def test_the_migration_has_stored_zeros_before_the_first_deployment_recomputed_away(ledger):
    # given: what the report's requests left before the rule — thousands of stored zeros — and a real quiet week
    services.deployment_record(team=ledger, external_id="d-1", finished_at=datetime(2025, 3, 12, 10, tzinfo=UTC))
    recompute_all(ledger)
    real = figures(ledger, "deployment-frequency")
    metric = MetricDefinition.objects.get(key="deployment-frequency")
    stale = [date(1969, 12, 29) + timedelta(weeks=n) for n in range(2_880)]
    MetricValue.objects.bulk_create(
        [MetricValue(metric=metric, team=ledger, period_start=week, period_end=week + timedelta(days=6), value=0,
                     source="dora") for week in stale]
    )  # fmt: skip
    # when: the migration marks the weeks, and the DORA sweep recomputes them
    migration = importlib.import_module("feedback.migrations.0019_dora_weeks_before_first_deployment")
    migration.zero_weeks_mark(apps, None)
    assert services.dora_dirty_teams() == [ledger.id]
    recompute_all(ledger)
    # then: the real figures stay, the stale ones are gone
    assert figures(ledger, "deployment-frequency") == real
    assert min(real) == date(2025, 3, 10)


# Any events: the property


OLD = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC))
RECENT = st.datetimes(min_value=datetime(2026, 6, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC))
THIS_YEAR = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC))
SHAS = [f"{n:x}" * 40 for n in range(1, 6)]


@st.composite
def histories(draw):
    """Deployments in the second half of 2026, listing commits whole or abbreviated; commits and incidents (naming
    a commit or not) at any time since 1970, often very old."""
    listed = st.sampled_from(SHAS).flatmap(lambda sha: st.sampled_from([sha, sha[:7], sha[:12]]))
    deployments = [
        ("deployment", f"d-{n}", draw(RECENT), draw(st.lists(listed, max_size=2, unique_by=lambda sha: sha[0])))
        for n in range(draw(st.integers(0, 4)))
    ]
    changes = [
        ("change", sha, draw(OLD | THIS_YEAR), None)
        for sha in draw(st.lists(st.sampled_from(SHAS), max_size=4, unique=True))
    ]
    incidents = []
    for n in range(draw(st.integers(0, 2))):
        opened = draw(OLD | RECENT)
        resolved = draw(
            st.none() | st.integers(1, 48).map(lambda hours, opened=opened: opened + timedelta(hours=hours))
        )
        incidents.append(("incident", f"i-{n}", opened, (resolved, draw(st.sampled_from(["", *SHAS])))))
    return draw(st.permutations(deployments + changes + incidents))


def apply(team, event) -> None:
    kind, key, moment, extra = event
    if kind == "deployment":
        services.deployment_record(team=team, external_id=key, finished_at=moment, shas=extra)
    elif kind == "change":
        services.change_record(team=team, sha=key, authored_at=moment)
    else:
        resolved, sha = extra
        services.incident_record(team=team, external_id=key, opened_at=moment, resolved_at=resolved, sha=sha)


def stored(team) -> set[tuple]:
    return set(MetricValue.objects.filter(team=team).values_list("metric__key", "period_start", "period_end", "value"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=histories())
def test_any_events_give_figures_from_the_first_deployment_on_and_the_same_as_a_full_recomputation(ledger, events):
    """For any events, in any order of arrival, with commit and incident times as old as 1970:

    1. deployment frequency, lead time and change failure rate exist for no week before the first deployment's;
       time to restore only in weeks where a resolved incident opened;
    2. every figure the incremental recomputations left equals the one a recomputation of every week from the
       first deployment's to now (and of each incident's week) gives: narrowing the weeks an event marks lost
       none it changes; and each week holding a deployment or an incident has its figures.

    Old times are kept as sent, not clamped: a change older than the 90 days a week looks back counts in no lead
    time, which is what the full recomputation says too.
    """
    note(repr(events))
    for model in (Change, Deployment, Incident, DoraDirty, MetricValue):
        model.objects.filter(team=ledger).delete()
    # when: the events arrive one by one, each followed by the debounced recomputation
    for event in events:
        apply(ledger, event)
        recompute_all(ledger)
    incremental = stored(ledger)
    # then 1
    deployed = [moment for kind, _, moment, _ in events if kind == "deployment"]
    first_week = week_start(min(deployed)) if deployed else None
    for key, start, _, _ in incremental:
        if key == "time-to-restore":
            opened = {week_start(moment) for kind, _, moment, extra in events if kind == "incident" and extra[0]}
            assert start in opened
        else:
            assert first_week is not None and start >= first_week, (key, start)
    if deployed:
        assert min(start for key, start, _, _ in incremental if key == "deployment-frequency") == first_week
    # then 2: a recomputation from scratch
    MetricValue.objects.filter(team=ledger).delete()
    weeks = {week_start(moment) for kind, _, moment, _ in events if kind == "incident"}
    if first_week:
        weeks |= {first_week + timedelta(weeks=n) for n in range((CURRENT_WEEK - first_week).days // 7 + 1)}
    DoraDirty.objects.bulk_create([DoraDirty(team=ledger, week_start=week) for week in weeks])
    recompute_all(ledger)
    full = stored(ledger)
    assert incremental <= full
    touched = {week_start(moment) for kind, _, moment, _ in events if kind in ("deployment", "incident")}
    assert {row for row in full if row[1] in touched} <= incremental


def test_deploying_begins_with_the_period_that_ends_after_the_first_deployment():
    first = datetime(2025, 3, 12, 10, tzinfo=UTC)
    assert not dora.deploying(end=first, first_deployment_at=first)
    assert dora.deploying(end=first + timedelta(seconds=1), first_deployment_at=first)
    assert not dora.deploying(end=NOW, first_deployment_at=None)
