"""Issue 22, defects 1-3 in Chromium: the thank-you page reaches the team's results, a member's login lands on
them, and an export that cannot be made is a page the person reads, not a cancelled download."""

import re

import pytest

from feedback.services import action_record, scores_aggregate
from surveys import services
from surveys.models import Invitation, Person
from surveys.templatetags.wall_clocks import time_on_clock
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_reports import log_in
from tests.factories import CycleFactory, PersonFactory, TeamFactory, UserFactory, manager_of
from tests.feedback.conftest import run_cycle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def org():
    """Acme, the only team the cycles' audience names (as in the demo): Platform (6 answers, shown), Payments
    (5) and Mobile (3, hidden); one published cycle with an action for Platform, and an open one."""
    acme = TeamFactory(name="Acme")
    teams = {name: TeamFactory(name=name, parent=acme) for name in ("Platform", "Payments", "Mobile")}
    answers = {"Platform": [{"comment": "Retros help"}] * 6, "Payments": [{}] * 5, "Mobile": [{}] * 3}
    past = run_cycle([(teams[name], given) for name, given in answers.items()], audience=[acme])
    scores_aggregate(cycle_id=past.id)
    past = services.cycle_publish(cycle_id=past.id)
    action_record(team=teams["Platform"], cycle=past, text="No meetings on Fridays", user=None)
    logins = {
        "admin": manager_of(acme, email="ada@example.com", role=Person.Role.ADMIN)[0],
        "leader": manager_of(acme, email="lee@example.com", role=Person.Role.LEADER)[0],
        "manager": manager_of(teams["Platform"], email="maria@example.com", role=Person.Role.MANAGER)[0],
        "member": UserFactory(username="charlie@example.com"),
    }
    PersonFactory(email="charlie@example.com", team=teams["Platform"], user=logins["member"], role=Person.Role.MEMBER)
    current = CycleFactory(teams=[acme], name="December pulse")
    services.cycle_open(cycle_id=current.id)
    return {"Acme": acme, **teams, "past": past, "current": current, "logins": logins}


def survey_link(live_server, org, team, nth=0):
    invitation = Invitation.objects.filter(cycle=org["current"], team=org[team]).order_by("id")[nth]
    return f"{live_server.url}/s/{services.invitation_link_issue(invitation_id=invitation.id)}/"


def answer(page, link, *, choice, comment=""):
    """Answer every question with its first or last option; return the thank-you page's HTML."""
    page.goto(link)
    groups = page.get_by_role("group")
    for index in range(groups.count()):
        radios = groups.nth(index).get_by_role("radio")
        (radios.first if choice == "first" else radios.last).check()
    if comment:
        page.get_by_label("Is there anything else").fill(comment)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(re.compile(r"/survey/thanks/"))
    return page.content()


def without_conversation(html: str) -> str:
    """Return a thank-you page's HTML without its conversation section (filled in by the page's script)."""
    return re.sub(r'<section id="conversation".*?</section>', "", html, flags=re.DOTALL)


def test_the_thank_you_page_links_to_the_respondents_team_results_and_is_the_same_whatever_they_answered(
    page, live_server, org, accessibility_violations
):
    # given two Platform respondents who answer opposite ways, and one of Mobile (whose figures were hidden)
    first = answer(page, survey_link(live_server, org, "Platform", 0), choice="first")
    thanks_url = page.url
    second = answer(page, survey_link(live_server, org, "Platform", 1), choice="last", comment="Too many meetings")
    assert page.url == thanks_url

    # then both see the very same page: when results come, and a link to Platform's published results; only
    # the one who wrote a comment is shown their private conversation link, which the server never saw
    assert without_conversation(first) == without_conversation(second)
    assert 'id="conversation" hidden=""' in first and 'href=""' in first
    link = page.locator("#conversation-link")
    assert link.is_visible() and re.fullmatch(rf"{live_server.url}/conversations/#[\w-]{{43}}", link.inner_text())
    closes = time_on_clock(org["current"].closes_at, org["current"].time_zone)
    assert f"December pulse closes on {closes}." in page.inner_text("main")
    assert accessibility_violations(page) == []
    page.get_by_role("link", name="See your team's published results").click()
    text = page.inner_text("main")
    assert "Platform: published results" in text and org["past"].name in text
    assert "Retros help" in text and "No meetings on Fridays" in text and "December pulse" not in text

    # and Mobile's respondent is told when results come, with no link to a page of hidden figures
    answer(page, survey_link(live_server, org, "Mobile"), choice="first")
    assert "December pulse closes on" in page.inner_text("main")
    assert page.get_by_role("link", name="See your team's published results").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "thanks-without-results.png"), full_page=True)


def test_a_member_with_a_login_lands_on_their_teams_results_and_no_role_is_offered_a_link_that_404s(
    page, live_server, org, accessibility_violations
):
    for role in ("member", "manager", "leader", "admin"):
        page.context.clear_cookies()
        log_in(page, live_server, org["logins"][role].username)
        if role == "member":
            text = page.inner_text("main")
            assert "Platform: published results" in text and "No meetings on Fridays" in text
            assert page.get_by_role("navigation").get_by_role("link", name="Dashboard").count() == 0
            assert accessibility_violations(page) == []
            page.screenshot(path=str(ARTIFACTS / "member-landing.png"), full_page=True)
        nav = page.get_by_role("navigation", name="Main").get_by_role("link")
        for href in [nav.nth(i).get_attribute("href") for i in range(nav.count())]:
            assert page.goto(f"{live_server.url}{href}").status == 200, (role, href)


def test_an_export_that_cannot_be_made_is_a_page_and_the_csv_still_downloads(
    page, live_server, org, settings, accessibility_violations
):
    settings.ALIGN_CHROMIUM_PATH = "/nonexistent/chromium"
    log_in(page, live_server, "maria@example.com")
    report = f"{live_server.url}/reports/teams/{org['Platform'].id}/"
    page.goto(report)
    # no export link asks for a download: an error answer must reach the person as a page
    assert page.locator("a[download]").count() == 0
    with page.expect_download() as csv:
        page.get_by_role("link", name="Download the scores as CSV").click()
    assert csv.value.suggested_filename == "align-team-scores.csv"
    page.get_by_role("link", name="Download this report as PDF").click()
    assert page.get_by_role("heading", name="PDF export is not available here").is_visible()
    assert "Chromium" in page.inner_text("main") and accessibility_violations(page) == []
    page.get_by_role("link", name="Back to the report").click()
    assert page.url == report

    log_in(page, live_server, "lee@example.com")
    page.goto(f"{live_server.url}/reports/dashboard/?root={org['Acme'].id}")
    assert page.locator("a[download]").count() == 0
    page.get_by_role("link", name="Download this dashboard as PDF").click()
    assert page.get_by_role("heading", name="PDF export is not available here").is_visible()
    page.get_by_role("link", name="Back to the report").click()
    assert page.url == f"{live_server.url}/reports/dashboard/?root={org['Acme'].id}"
