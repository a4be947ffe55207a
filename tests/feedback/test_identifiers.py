"""Identifiers from outside compared as their owners compare them: team paths and metric keys (Align's own),
commit ids (Git's), repository names (GitHub's); and the migration that brings old rows in line."""

import json
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from feedback import services
from feedback.models import Change, Deployment, Incident, MetricDefinition, MetricValue, Repository
from surveys import names
from surveys.names import name_finder
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def machine():
    return Client(HTTP_AUTHORIZATION=f"Bearer {services.api_token_create(name='CI', created_by=None)[1]}")


def post(machine, name, values):
    return machine.post(reverse(name), json.dumps({"values": values}), content_type="application/json")


def test_a_name_is_found_exactly_else_ignoring_case_when_that_names_one():
    find = name_finder({"Engineering/Platform": 1, "Engineering/platform": 2, "Sales": 3})
    assert (find("Engineering/Platform"), find("Engineering/platform")) == (1, 2)
    assert find("ENGINEERING/PLATFORM") is None  # two teams: no guess
    assert find("SALES") == 3
    assert find("Straße") is None and name_finder({"Straße": 4})("STRASSE") == 4  # Unicode case folding
    assert name_finder({unicodedata.normalize("NFC", "Zürich"): 5})(unicodedata.normalize("NFD", "Zürich")) == 5


def test_an_api_row_goes_to_the_team_spelt_exactly_when_two_differ_only_in_case(machine):
    # given: teams made before team_save refused names differing only in case
    engineering = TeamFactory(name="Engineering")
    upper, lower = TeamFactory(name="Platform", parent=engineering), TeamFactory(name="platform", parent=engineering)
    row = {"id": "d", "finished_at": "2026-11-02T10:00:00Z"}
    # when / then: each spelling finds its own team; another spelling is refused, not guessed
    assert post(machine, "api-deployments", [{**row, "team": "Engineering/platform"}]).status_code == 200
    assert Deployment.objects.get().team == lower
    post(machine, "api-deployments", [{**row, "team": "Engineering/Platform", "updated_at": "2026-11-02T11:00:00Z"}])
    assert Deployment.objects.get().team == upper
    response = post(machine, "api-deployments", [{**row, "team": "ENGINEERING/PLATFORM"}])
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "team"
    values = [{"metric": "revenue", "team": "engineering/PLATFORM", "period_start": "2026-10-01",
               "period_end": "2026-10-31", "value": 1.0}]  # fmt: skip
    response = post(machine, "api-metric-values-batch", values)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "team"
    listed = machine.get(reverse("api-metric-values"), {"team": "ENGINEERING/PLATFORM"})
    assert listed.status_code == 400


def test_a_metric_key_in_other_capitals_is_that_metric_when_only_one_matches(machine):
    TeamFactory(name="Sales")
    values = [{"metric": "Revenue", "team": "Sales", "period_start": "2026-10-01", "period_end": "2026-10-31",
               "value": 5.0}]  # fmt: skip
    assert post(machine, "api-metric-values-batch", values).json() == {"created": 1, "updated": 0}
    # the same value under two spellings in one batch is one value twice
    twice = [values[0], {**values[0], "metric": "REVENUE"}]
    assert post(machine, "api-metric-values-batch", twice).status_code == 400
    listed = machine.get(reverse("api-metric-values"), {"metric": "REVENUE"}).json()
    assert [v["metric"] for v in listed["results"]] == ["revenue"]
    MetricDefinition.objects.create(key="Revenue", name="Other revenue")
    assert post(machine, "api-metric-values-batch", [{**values[0], "metric": "REVENUE"}]).status_code == 400
    assert post(machine, "api-metric-values-batch", [{**values[0], "value": 6.0}]).json() == {
        "created": 1,
        "updated": 0,
    }
    assert set(MetricValue.objects.values_list("metric__key", "value")) == {("revenue", 5.0), ("Revenue", 6.0)}


def test_commit_ids_are_stored_as_git_writes_them_and_other_ids_as_sent():
    team = TeamFactory()
    services.change_record(team=team, sha=SHA.upper(), authored_at=MONDAY)
    services.deployment_record(team=team, external_id="d", finished_at=MONDAY, shas=[SHA.upper(), "Rev-7"])
    services.incident_record(team=team, external_id="i", opened_at=MONDAY, sha=SHA[:8].upper())
    assert Change.objects.get().sha == SHA
    assert Deployment.objects.get().shas == [SHA, "Rev-7"]
    assert Incident.objects.get().sha == SHA[:8]
    assert services.change_record(team=team, sha=SHA, authored_at=MONDAY) is None  # the same change


def lead_time(team, shas, *, other="0123" + "f" * 36) -> float | None:
    """Return the lead time of two changes (at 0 h, and `other` at 1 h) deployed at 2 h, and at 10 h by `shas`."""
    services.change_record(team=team, sha=SHA, authored_at=MONDAY)
    services.change_record(team=team, sha=other, authored_at=MONDAY + timedelta(hours=1))
    services.deployment_record(team=team, external_id="early", finished_at=MONDAY + timedelta(hours=2))
    services.deployment_record(team=team, external_id="late", finished_at=MONDAY + timedelta(hours=10), shas=shas)
    services.dora_recompute(team_id=team.id)
    value = MetricValue.objects.filter(team=team, metric__key="lead-time", period_start=date(2026, 11, 2)).first()
    return value and value.value


@pytest.mark.parametrize(
    ("shas", "hours"),
    [
        ([SHA[:7].upper()], (1 + 10) / 2),  # an abbreviation, in capitals, names the change: deployed at 10 h
        ([SHA[:6]], (2 + 1) / 2),  # shorter than Git's default: not taken for it (the next deployment, 2 h)
        ([SHA[:12]], (1 + 10) / 2),
    ],
)
def test_a_deployment_naming_an_abbreviated_commit_ships_that_change(shas, hours):
    assert lead_time(TeamFactory(), shas) == pytest.approx(hours)


def test_an_abbreviation_two_changes_begin_with_names_neither():
    # both changes begin 0123456789: Git calls that ambiguous, and so does Align
    other = "0123456789" + "f" * 30
    assert lead_time(TeamFactory(), ["0123456789"], other=other) == pytest.approx((2 + 1) / 2)


def test_a_repository_name_github_could_not_have_is_refused():
    with pytest.raises(ValidationError):
        services.repository_connect(full_name="acme/k\u00f6nig", team=TeamFactory())
    with pytest.raises(ValidationError):
        services.repository_connect(full_name="acme/a/b", team=TeamFactory())
    assert not Repository.objects.exists()


@pytest.fixture
def latest_schema_afterwards():
    """Leave the database at the latest migrations (later tests need every table), whatever the test moved it to."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_afterwards")
def test_the_migration_merges_spellings_of_one_repository_and_of_one_commit():
    # surveys as it stood then too: its later columns (SCIM's) have no default an old row could take
    then = ("surveys", "0019_slack_delivery")
    before, after = (
        [("feedback", "0012_change_in_its_own_unit"), then],
        [("feedback", "0013_events_in_order_and_identifiers_as_compared"), then],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        # given: rows written before identifiers were compared as their owners compare them
        old = executor.loader.project_state(before).apps
        team = old.get_model("surveys", "Team").objects.create(name="Payments")
        Repo, OldChange = old.get_model("feedback", "Repository"), old.get_model("feedback", "Change")
        Repo.objects.create(full_name="acme/api", team=team)
        newest = Repo.objects.create(full_name="Acme/API", team=team)
        OldChange.objects.create(team=team, sha=SHA.upper(), authored_at=MONDAY + timedelta(hours=1))
        OldChange.objects.create(team=team, sha=SHA, merged_at=MONDAY + timedelta(hours=3))
        OldChange.objects.create(team=team, sha="Rev-7", authored_at=MONDAY)
        deployment = old.get_model("feedback", "Deployment").objects.create(
            team=team, external_id="d", finished_at=MONDAY, shas=[SHA.upper()]
        )
        old.get_model("feedback", "Incident").objects.create(
            team=team, external_id="i", opened_at=MONDAY, deployment=deployment, sha=SHA[:9].upper()
        )
    finally:
        # when
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    # then, read through the models as they were then (later migrations add columns)
    new = executor.loader.project_state(after).apps
    repository, change_model = new.get_model("feedback", "Repository"), new.get_model("feedback", "Change")
    assert list(repository.objects.values_list("id", "full_name")) == [(newest.id, "Acme/API")]
    change = change_model.objects.get(sha=SHA)
    assert (change.authored_at, change.merged_at) == (MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=3))
    assert change_model.objects.filter(sha="Rev-7").exists()
    assert new.get_model("feedback", "Deployment").objects.get().shas == [SHA]
    incident = new.get_model("feedback", "Incident").objects.get()
    assert (incident.sha, incident.deployment_external_id, incident.counted) == (SHA[:9], "d", True)


# Team names told apart as Align tells them apart: case and Unicode normalisation alike.

NAME_LETTERS = st.sampled_from(["E", "e", "É", "é", "E\u0301", "e\u0301", "q", "Q", "ß", "SS", "ss", "ﬀ", "ff"])


@settings(max_examples=300, deadline=None)
@given(first=st.lists(NAME_LETTERS, min_size=1, max_size=4), second=st.lists(NAME_LETTERS, min_size=1, max_size=4))
def test_two_names_that_match_ignoring_case_or_normalisation_are_never_picked_between(first, second):
    one, other = "".join(first), "".join(second)
    assume(one != other)
    find = name_finder({one: 1, other: 2})
    if names.caseless(one) == names.caseless(other):
        event("the same name to Align")
        for spelling in {one, other, one.upper(), unicodedata.normalize("NFD", one), unicodedata.normalize("NFC", one)}:
            assert find(spelling) in {None, 1, 2}
            nfc = {unicodedata.normalize("NFC", one), unicodedata.normalize("NFC", other)}
            if unicodedata.normalize("NFC", spelling) not in nfc or (
                unicodedata.normalize("NFC", one) == unicodedata.normalize("NFC", other)
            ):
                assert find(spelling) is None  # ambiguous: not one of the two exactly, or NFC-equal to both
    else:
        event("two names")
        assert (find(one), find(other)) == (1, 2)


def test_nfc_equal_names_find_nothing_rather_than_the_last_one():
    find = name_finder({"Acme/\u00c9quipe": 1, "Acme/E\u0301quipe": 2})
    assert find("Acme/\u00c9quipe") is None and find("Acme/E\u0301quipe") is None


@pytest.mark.parametrize(
    ("existing", "new"), [("\u00c9quipe", "E\u0301quipe"), ("\u00c9quipe", "\u00e9quipe"), ("Stra\u00dfe", "STRASSE")]
)
def test_a_sibling_whose_name_matches_ignoring_case_or_normalisation_is_refused(existing, new):
    from surveys import services as survey_services

    acme = TeamFactory(name="Acme")
    survey_services.team_save(name=existing, parent=acme)
    with pytest.raises(ValidationError, match="already has a team"):
        survey_services.team_save(name=new, parent=acme)
    assert survey_services.team_save(name=new, parent=None).name == unicodedata.normalize("NFC", new)
