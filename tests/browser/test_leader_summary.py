"""Issue 22, the leader's first screen: on the demo, a leader's dashboard opens on its summary — the paragraph
and the participation and score tiles are on the first screen at 1280 px, and come first after the heading on
a 375 px phone — without sideways scrolling or accessibility violations. Screenshots go to test-artifacts."""

from io import StringIO

import pytest
from django.core.management import call_command

from surveys.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO(), teams=12, people=110, cycles=6, seed=3)


def leader_dashboard(chromium, live_server, *, width: int, height: int):
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("lee@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/reports/")
    page.goto(f"{live_server.url}/reports/dashboard/")
    page.wait_for_function("() => document.body.dataset.charts === 'drawn'")
    return context, page


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 667)])
def test_a_leader_sees_the_summary_first(chromium, live_server, demo, accessibility_violations, width, height):
    context, page = leader_dashboard(chromium, live_server, width=width, height=height)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"leader-summary-{width}.png"))  # what the first screen shows
    page.screenshot(path=str(ARTIFACTS / f"leader-dashboard-{width}-full.png"), full_page=True)

    summary = page.locator("section.summary")
    paragraph = summary.locator(".summary-text")
    assert "answered" in paragraph.inner_text()
    first_screen = [paragraph, summary.get_by_role("heading", name="Participation")]
    if width >= 1280:
        first_screen.append(summary.get_by_role("heading", name="Scores"))
    for element in first_screen:
        box = element.bounding_box()
        assert box is not None and box["y"] + box["height"] <= height, element
    assert page.evaluate("document.querySelector('main h1').nextElementSibling.className") == "summary"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    lines = summary.locator(".score-lines li")
    assert lines.count() >= 3 and summary.locator("svg.spark").count() == lines.count()
    assert accessibility_violations(page) == []
    context.close()
