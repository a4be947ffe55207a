"""axe-core in Chromium: the respondent's pages have no WCAG 2.2 A/AA violations, in every state."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_survey_page_has_no_accessibility_violations(page, link, accessibility_violations):
    page.goto(link)
    assert accessibility_violations(page) == []


def test_the_survey_page_with_errors_has_no_accessibility_violations(page, link, accessibility_violations):
    page.goto(link)
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_role("alert").is_visible()
    assert accessibility_violations(page) == []


def test_the_thank_you_and_used_link_pages_have_no_accessibility_violations(page, link, accessibility_violations):
    page.goto(link)
    for group in page.get_by_role("group").all():
        group.get_by_role("radio").first.check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(re.compile(r"/survey/thanks/"))
    assert accessibility_violations(page) == []
    page.goto(link)
    assert "answers were received" in page.content()
    assert accessibility_violations(page) == []


def test_the_login_page_has_no_accessibility_violations(page, live_server, accessibility_violations):
    page.goto(f"{live_server.url}/accounts/login/")
    assert accessibility_violations(page) == []


@pytest.mark.django_db(transaction=False)
def test_the_check_itself_reports_violations(page, accessibility_violations):
    page.set_content('<html lang="en"><title>t</title><main><input type="text"><img src="x.png"></main></html>')
    assert {v.split(":")[0] for v in accessibility_violations(page)} == {"image-alt", "label"}


def test_the_admin_and_report_pages_have_no_accessibility_violations(page, live_server, accessibility_violations):
    from surveys import services
    from surveys.models import Person
    from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of

    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(5, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    manager_of(team, email="ada@example.com", role=Person.Role.ADMIN)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/reports/")
    paths = [
        "/reports/", f"/reports/teams/{team.id}/", "/manage/", "/manage/teams/", "/manage/people/",
        "/manage/people/new/", "/manage/people/import/", "/manage/questions/", "/manage/templates/",
        "/manage/templates/new/", "/manage/schedules/new/", "/manage/cycles/", f"/manage/cycles/{cycle.id}/",
    ]  # fmt: skip
    found = {}
    for path in paths:
        page.goto(live_server.url + path)
        violations = accessibility_violations(page)
        if violations:
            found[path] = violations
    assert found == {}
