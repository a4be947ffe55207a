"""Team reports and team results: benchmark, item distributions, comments, actions, exports — all disclosed."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from feedback.models import Action, ReportAccess
from feedback.selectors import RESULTS_LINK_DAYS, team_results_key
from feedback.services import scores_aggregate
from surveys import services as survey_services
from surveys.models import Cycle
from tests.downloads import csv_rows
from tests.factories import TeamFactory, manager_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(run_closed_cycle):
    """Engineering: Platform (6 answers, with comments), Payments (5), Mobile (3, with a comment)."""
    engineering = TeamFactory(name="Engineering")
    teams = {name: TeamFactory(name=name, parent=engineering) for name in ("Platform", "Payments", "Mobile")}
    platform = [{"psafety-1": 2, "comment": f"Platform thought {i}"} for i in range(6)]
    mobile = [{"comment": "Only Mobile could have written this"}, {}, {}]
    cycle = run_closed_cycle(
        [(teams["Platform"], platform), (teams["Payments"], [{}] * 5), (teams["Mobile"], mobile)],
        audience=[engineering],
    )
    scores_aggregate(cycle_id=cycle.id)
    return {"Engineering": engineering, **teams, "cycle": cycle}


def report(client, team, **query):
    return client.get(reverse("feedback:team_report", args=[team.id]), query)


def test_a_shown_team_has_its_item_distributions_and_the_organisation_benchmark(client, org):
    alice, _ = manager_of(org["Platform"], email="alice@example.com")
    client.force_login(alice)
    page = report(client, org["Platform"]).content.decode()
    assert "Answers per question" in page
    # psafety-1 is reverse-scored and everyone answered 2 as asked
    assert "2: 100%" in page and "(reverse-scored)" in page
    assert '<th scope="col" class="breakable">Engineering</th>' in page


def test_comments_of_a_small_team_are_hidden_and_never_reach_its_department(client, org):
    lee, _ = manager_of(org["Engineering"], email="lee@example.com", role="leader")
    client.force_login(lee)
    mobile = report(client, org["Mobile"]).content.decode()
    assert "Comments are not shown" in mobile and "Only Mobile" not in mobile
    # Payments (5) is suppressed as well, or Engineering (14) minus Platform and Payments would single out
    # Mobile's 3: Mobile's comment appears only among the 8 of Payments and Mobile together.
    payments = report(client, org["Payments"]).content.decode()
    assert "Comments are not shown" in payments
    platform = report(client, org["Platform"]).content.decode()
    assert "Platform thought 3" in platform and "Only Mobile" not in platform
    engineering = report(client, org["Engineering"]).content.decode()
    assert "Only Mobile" in engineering and "Platform thought 3" in engineering


def test_comments_can_need_more_people_than_scores(client, org, settings):
    settings.ALIGN_COMMENT_THRESHOLD = 8
    lee, _ = manager_of(org["Engineering"], email="lee@example.com", role="leader")
    client.force_login(lee)
    platform = report(client, org["Platform"]).content.decode()
    # Platform's 6 answers still give scores, but not comments; Engineering's 14 give comments (no child's
    # are shown, so no difference singles anyone out)
    assert "Comments are not shown" in platform and "Platform thought 3" not in platform
    assert "Answers per question" in platform
    engineering = report(client, org["Engineering"]).content.decode()
    assert "Platform thought 3" in engineering and "Only Mobile" in engineering
    settings.ALIGN_COMMENT_THRESHOLD = 15  # more than Engineering's 14: nothing anywhere
    engineering = report(client, org["Engineering"]).content.decode()
    assert "Platform thought 3" not in engineering and "Comments are not shown" in engineering


def test_actions_are_recorded_after_publishing_and_shown_to_members(client, org):
    alice, _ = manager_of(org["Platform"], email="alice@example.com")
    client.force_login(alice)
    url = reverse("feedback:action_add", args=[org["Platform"].id, org["cycle"].id])
    client.post(url, {"text": "Blameless retros every sprint"})
    assert not Action.objects.exists()  # not published yet
    survey_services.cycle_publish(cycle_id=org["cycle"].id)
    client.post(url, {"text": "<script>alert(1)</script> Blameless retros every sprint"})
    assert Action.objects.get().team == org["Platform"]
    client.logout()
    results = client.get(reverse("feedback:team_results", args=[team_results_key(team_id=org["Platform"].id)]))
    page = results.content.decode()
    assert "Blameless retros every sprint" in page and "<script>alert(1)" not in page


def test_an_action_with_a_pasted_nul_character_is_kept_without_it(client, org):
    alice, _ = manager_of(org["Platform"], email="alice@example.com")
    client.force_login(alice)
    survey_services.cycle_publish(cycle_id=org["cycle"].id)
    url = reverse("feedback:action_add", args=[org["Platform"].id, org["cycle"].id])
    client.post(url, {"text": "Retros\x00 every sprint"}, follow=True)
    # a pasted NUL is dropped like every control character (PostgreSQL's text cannot hold one: it was a 500)
    assert list(Action.objects.values_list("text", flat=True)) == ["Retros every sprint"]


def test_nobody_records_an_action_for_a_team_outside_their_scope(client, org):
    bob, _ = manager_of(org["Payments"], email="bob@example.com")
    client.force_login(bob)
    survey_services.cycle_publish(cycle_id=org["cycle"].id)
    url = reverse("feedback:action_add", args=[org["Platform"].id, org["cycle"].id])
    assert client.post(url, {"text": "Take over Platform"}).status_code == 404
    assert not Action.objects.exists()


def test_the_scores_csv_keeps_suppression_and_the_view_is_audited(client, org):
    bob, _ = manager_of(org["Payments"], email="bob@example.com")
    client.force_login(bob)
    rows = csv_rows(report(client, org["Payments"], export="scores"))
    assert rows[0][:3] == ["Cycle", "Dimension", "Score (eNPS: −100 to 100)"]
    assert all(row[2] == "suppressed" for row in rows[1:])
    assert list(ReportAccess.objects.values_list("report", "subject", "format")) == [
        ("team_report:scores", "Payments", "csv")
    ]


def test_members_see_published_cycles_only(client, org):
    url = reverse("feedback:team_results", args=[team_results_key(team_id=org["Platform"].id)])
    assert "No results have been published" in client.get(url).content.decode()
    Cycle.objects.filter(id=org["cycle"].id).update(state=Cycle.State.PUBLISHED)
    assert "Platform thought" in client.get(url).content.decode()


def test_a_results_link_is_signed_once_a_day_and_still_expires_after_its_days(client, org, time_machine):
    team_id = org["Platform"].id
    time_machine.move_to("2026-03-01T09:00:00Z", tick=False)
    key = team_results_key(team_id=team_id)
    time_machine.move_to("2026-03-01T17:00:00Z", tick=False)
    assert team_results_key(team_id=team_id) == key  # the day's key, signed once
    time_machine.move_to("2026-03-02T09:00:00Z", tick=False)
    assert team_results_key(team_id=team_id) != key
    url = reverse("feedback:team_results", args=[key])
    # its days count from the start of the day it was signed on (it carries no submit's time)
    expiry = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=RESULTS_LINK_DAYS)
    time_machine.move_to(expiry - timedelta(seconds=1), tick=False)
    assert client.get(url).status_code == 200
    time_machine.move_to(expiry + timedelta(seconds=1), tick=False)
    assert client.get(url).status_code == 404


def test_publishing_tells_everyone_invited_once_with_their_team_link_and_no_figures(
    org, mailoutbox, django_capture_on_commit_callbacks
):
    from feedback.services import results_published_notify

    with django_capture_on_commit_callbacks(execute=True):
        survey_services.cycle_publish(cycle_id=org["cycle"].id)
    # the on_commit hook ran the task eagerly; running it again sends nothing
    sent = [m for m in mailoutbox if "results of" in m.subject]
    assert len(sent) == 14  # everyone invited, answered or not
    platform_key = team_results_key(team_id=org["Platform"].id)
    platform_mail = next(m for m in sent if org["Platform"].members.first().email in m.to)
    assert platform_key in platform_mail.body
    text = re.sub(r"https?://\S+", "", platform_mail.body)
    assert "%" not in text and not re.search(r"\d\.\d", text)  # no figures
    assert results_published_notify(cycle_id=org["cycle"].id) == 0


def test_the_next_invitation_carries_what_the_team_said_it_would_change(org, mailoutbox):
    from surveys.emails import survey_link_message
    from surveys.models import Invitation

    survey_services.cycle_publish(cycle_id=org["cycle"].id)
    Action.objects.create(team=org["Platform"], cycle=org["cycle"], text="Pair on every incident review")
    invitation = Invitation.objects.filter(team=org["Platform"]).first()
    survey_link_message(invitation=invitation, token="t" * 43).send()
    assert "Pair on every incident review" in mailoutbox[-1].body
    other = Invitation.objects.filter(team=org["Payments"]).first()
    survey_link_message(invitation=other, token="t" * 43).send()
    assert "Pair on every incident review" not in mailoutbox[-1].body


def test_every_table_of_a_team_report_downloads_and_hidden_items_stay_hidden(client, org):
    alice, _ = manager_of(org["Platform"], email="alice@example.com")
    client.force_login(alice)
    items = csv_rows(report(client, org["Platform"], export="items"))
    assert items[0][:3] == ["Cycle", "Question", "n"] and len(items) > 5
    assert any("2: 100%" in row[4] for row in items[1:])
    metrics = report(client, org["Platform"], export="metrics")
    header = "Metric,Period,Period start,Period end (inclusive),Value,Unit"
    assert metrics.status_code == 200 and metrics.content.decode("utf-8-sig").startswith(header)
    bob, _ = manager_of(org["Mobile"], email="bob@example.com")
    client.force_login(bob)
    hidden = csv_rows(report(client, org["Mobile"], export="items"))
    assert hidden == [items[0]]  # 3 respondents: no item figure at all
