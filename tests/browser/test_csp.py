"""The Content-Security-Policy breaks nothing: pages with charts, forms and the API docs load with no violation."""

import re

import pytest

from tests.browser.test_reports import log_in, org  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violations_while(page, visit) -> list[str]:
    found = []
    page.on(
        "console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None
    )
    visit()
    return found


def test_the_survey_form_and_thank_you_page_run_under_the_policy(page, link):
    def visit():
        page.goto(link)
        for group in page.get_by_role("group").all():
            group.get_by_role("radio").first.check()
        page.get_by_role("button", name="Send my answers").click()
        page.wait_for_url(re.compile(r"/survey/thanks/"))

    assert violations_while(page, visit) == []


def test_reports_with_charts_and_the_api_docs_run_under_the_policy(page, live_server, org):  # noqa: F811
    def visit():
        log_in(page, live_server, "ada@example.com")
        for path in ["/reports/dashboard/", f"/reports/teams/{org['Platform'].id}/"]:
            page.goto(live_server.url + path)
            page.wait_for_function("document.body.dataset.charts === 'drawn'")
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".swagger-ui .info", timeout=15_000)  # drawn by its own script, from this site

    assert violations_while(page, visit) == []
