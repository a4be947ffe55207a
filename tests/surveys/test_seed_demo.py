"""The demo seed: sizes, suppression on show, planted relations found and noise not, idempotent, deterministic."""

import pytest
from django.core.management import CommandError, call_command

from feedback.models import Deployment, Finding, GroupScore, MetricValue
from feedback.services.scores import cycle_disclosures, results_published_notify
from surveys import demo, selectors, services
from surveys.models import (
    Comment,
    Cycle,
    Invitation,
    InvitationToken,
    Person,
    QuestionTranslation,
    Response,
    Team,
)
from surveys.tokens import token_hash
from tests.factories import builtin_data_install

SMALL = {"teams": 12, "people": 110, "cycles": 6, "seed": 3}
TINY = {"teams": 4, "people": 40, "cycles": 3, "seed": 3}


def seed(**options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot():
    return sorted(GroupScore.objects.values_list("cycle__name", "team__name", "dimension__key", "respondents", "mean"))


@pytest.mark.django_db
def test_it_builds_an_organisation_of_the_requested_size_with_history_and_a_working_link():
    output = seed(**SMALL)
    root = Team.objects.get(name=demo.ORGANISATION, parent=None)
    departments = Team.objects.filter(parent=root)
    assert Team.objects.filter(parent__in=departments).count() == 12
    assert Person.objects.filter(user__isnull=True).count() == 110
    assert Cycle.objects.filter(state__in=[Cycle.State.CLOSED, Cycle.State.PUBLISHED]).count() == 6
    assert Cycle.objects.filter(state=Cycle.State.OPEN).count() == 1
    assert Response.objects.exists() and Comment.objects.exists() and Deployment.objects.exists()
    assert MetricValue.objects.filter(metric__key="change-failure-rate").exists()
    # uneven teams: some groups are suppressed, most are shown
    assert GroupScore.objects.filter(shown=False).exists()
    assert GroupScore.objects.filter(shown=True).count() > GroupScore.objects.filter(shown=False).count()
    # and what every cycle shows, read back from the database, lets nobody work out a small group
    for cycle in Cycle.objects.filter(state__in=[Cycle.State.CLOSED, Cycle.State.PUBLISHED]):
        assert cycle_disclosures(cycle_id=cycle.id) == []
    assert "/s/" in output and "admin@example.com" in output
    # the open cycle's invitations are all alike — sent together, one link each — whoever the seed answered
    open_cycle = Cycle.objects.get(state=Cycle.State.OPEN)
    invitations = Invitation.objects.filter(cycle=open_cycle)
    assert not invitations.filter(sent_at__isnull=True).exists()
    assert InvitationToken.objects.filter(invitation__cycle=open_cycle).count() == invitations.count()
    printed = output.split("/s/")[1].split("/")[0]
    assert InvitationToken.objects.filter(token_hash=token_hash(printed)).exists()  # printing wrote nothing
    # running it again changes nothing
    before = (Team.objects.count(), Person.objects.count(), Response.objects.count(), snapshot())
    assert "already exists" in seed(**SMALL)
    assert (Team.objects.count(), Person.objects.count(), Response.objects.count(), snapshot()) == before


@pytest.mark.django_db
def test_publishing_the_demo_s_waiting_cycle_emails_everyone_it_invited(mailoutbox, django_capture_on_commit_callbacks):
    # issue 22: the seed marked the waiting cycle's members as notified, so publishing it emailed nobody
    seed(**TINY)
    waiting = Cycle.objects.get(state=Cycle.State.CLOSED)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_publish(cycle_id=waiting.id)
    # then: one "results are in" email to each person it invited; the cycles published by the seed send none
    invited = set(Invitation.objects.filter(cycle=waiting).values_list("person__email", flat=True))
    assert invited and sorted(m.to[0] for m in mailoutbox) == sorted(invited)
    assert results_published_notify(cycle_id=Cycle.objects.filter(state=Cycle.State.PUBLISHED).first().id) == 0
    # and once the open survey has closed, running it again says why it prints no link to try
    services.cycle_close_now(cycle_id=Cycle.objects.get(state=Cycle.State.OPEN).id)
    assert "No invitation link to try: no survey is open now." in seed(**TINY)


@pytest.mark.django_db(transaction=True)
def test_the_same_seed_builds_the_same_demo():
    seed(**TINY)
    first = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    builtin_data_install()
    seed(**TINY)
    assert snapshot() == first


@pytest.mark.django_db
def test_the_default_demo_shows_its_planted_relations_and_leaves_the_noise_alone():
    seed()
    significant = set(Finding.objects.filter(significant=True).values_list("dimension__key", "metric__key", "lag"))
    assert ("trust-leadership", "churn-rate", 0) in significant  # planted: more trust, less churn
    assert ("business-clarity", "lead-time", 1) in significant  # planted: clarity now, shorter lead time next
    noise = {"revenue", "nps", "deployment-frequency", "incidents"}
    assert not {metric for _, metric, _ in significant} & noise
    unplanted = {"structure-clarity", "meaning", "impact", "dependability"}
    assert not {dimension for dimension, _, _ in significant} & unplanted
    assert Finding.objects.filter(significant=False).count() > len(significant)


@pytest.mark.django_db
@pytest.mark.parametrize("options", [{"teams": 1}, {"teams": 10, "people": 5}, {"cycles": 0}])
def test_impossible_sizes_are_refused_with_a_clear_message(options):
    with pytest.raises(CommandError, match="at least"):
        seed(**options)
    assert not Team.objects.exists()


@pytest.mark.django_db
def test_the_demo_has_people_reading_german_french_and_spanish_and_translations_not_validated():
    seed(**TINY)
    assert set(Person.objects.exclude(language="").values_list("language", flat=True)) == {"de", "fr", "es"}
    psafety = QuestionTranslation.objects.filter(question__key__startswith="psafety-")
    assert psafety.count() == 21 and all(translation.not_validated for translation in psafety)
    # the closed cycles offered them, so their team reports' method note names them
    closed = Cycle.objects.filter(state__in=[Cycle.State.CLOSED, Cycle.State.PUBLISHED]).values_list("id", flat=True)
    assert selectors.translations_not_validated(cycle_ids=closed)
