"""Issue 22, done when: each role's main path in Chromium at 375 and 1280 px — the respondent answers and reaches
the thank-you page, a member with a login lands on the team's results, a manager opens the team report and
picks an earlier cycle, a leader opens the dashboard, an admin opens people and cycles — with no sideways
scroll and no axe-core violation on any page, a screenshot of each in test-artifacts/browser/, and each page's
height printed for the record."""

import re

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_first_minutes import org, survey_link  # noqa: F401  (the fixture)
from tests.browser.test_reports import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("width", [375, 1280])
def test_each_roles_main_path_fits_and_passes_axe(chromium, live_server, org, accessibility_violations, width):  # noqa: F811
    context = chromium.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    seen = {}

    def check(name: str):
        page.wait_for_load_state()
        if page.locator("body[data-charts]").count() or page.locator("script[src*='charts.js']").count():
            page.wait_for_function("document.body.dataset.charts === 'drawn'")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"role-{name}-{width}.png"), full_page=True)
        seen[name] = page.evaluate("document.documentElement.scrollHeight")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        assert accessibility_violations(page) == [], name

    # the respondent
    page.goto(survey_link(live_server, org, "Platform"))
    check("survey")
    groups = page.get_by_role("group")
    for index in range(groups.count()):
        groups.nth(index).get_by_role("radio").last.check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(re.compile(r"/survey/thanks/"))
    check("thanks")
    # a member with a login
    log_in(page, live_server, "charlie@example.com")
    page.wait_for_url(re.compile(r"/reports/"))
    assert "published results" in page.content()
    check("member-results")
    context.clear_cookies()
    # a manager: the team report, then an earlier cycle (only one is published here: the picker is for more)
    log_in(page, live_server, "maria@example.com")
    page.goto(f"{live_server.url}/reports/teams/{org['Platform'].id}/")
    assert "Answers per question" in page.content()
    check("manager-team-report")
    context.clear_cookies()
    # a leader: the dashboard opens on its summary
    log_in(page, live_server, "lee@example.com")
    page.goto(f"{live_server.url}/reports/dashboard/")
    assert page.locator("section.summary").count() == 1
    check("leader-dashboard")
    context.clear_cookies()
    # an admin: people and cycles
    log_in(page, live_server, "ada@example.com")
    for path, name in (("/manage/people/", "admin-people"), ("/manage/cycles/", "admin-cycles")):
        page.goto(f"{live_server.url}{path}")
        check(name)
    context.close()
    print(f"page heights at {width} px:", seen)
