"""Manage pages whose tables hold what people typed or uploaded, on a 375 px phone: a 300-character team path, a
long email or a long repository name wraps inside its table (which scrolls sideways, never the page)."""

import pytest

from feedback.models import RawEvent, Repository
from surveys.models import Person
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_reports import log_in
from tests.factories import TeamFactory, manager_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATH = ("Engineering/" + "Platformteamwithaverylongname" * 11)[:300]  # 300 characters, no space
LONG = "Xk7Qp2Lm9Tz4Rw8Bn3Vc6Hy1Gf5Js0Da" * 3  # 96 characters, unbroken
WIDE = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def phone(chromium, request):
    context = chromium.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def ada(live_server):
    """Ada administers Engineering."""
    engineering = TeamFactory(name="Engineering")
    manager_of(engineering, email="ada@example.com", role=Person.Role.ADMIN)
    return engineering


def upload(page, url: str, name: str, text: str) -> None:
    page.goto(url)
    page.get_by_label("File").set_input_files({"name": name, "mimeType": "text/csv", "buffer": text.encode()})
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()


def test_upload_previews_and_repositories_with_long_unbroken_values_fit_a_375px_phone(phone, live_server, ada):
    assert len(PATH) == 300
    log_in(phone, live_server, "ada@example.com")
    # given: a metric file and a people file naming a 300-character team path, with long names and emails
    metrics = (
        "metric,team,period_start,period_end,value\r\n"
        f"{LONG},{PATH},2026-10-01,2026-10-31,{'9' * 60}\r\n"
        f"deploys,Engineering,2026-10-01,2026-10-31,12\r\n"
    )
    upload(phone, f"{live_server.url}/manage/metrics/upload/", "metrics.csv", metrics)
    # then: the preview lists the line, and the page is no wider than the phone
    assert phone.get_by_role("heading", name="Each line as read").is_visible()
    assert PATH in phone.locator("main").inner_text()
    assert phone.evaluate(WIDE), phone.evaluate("document.documentElement.scrollWidth")
    people = (
        "email,name,team,role,manager\n"
        f"{LONG.lower()}@{LONG.lower()}.example.com,{LONG},{PATH},member,no\n"
        f"bo@example.com,Bo,Engineering,manager,yes\n"
    )
    upload(phone, f"{live_server.url}/manage/people/import/", "people.csv", people)
    assert phone.get_by_role("heading", name="Each line as read").is_visible()
    assert PATH in phone.locator("main").inner_text()
    assert phone.evaluate(WIDE), phone.evaluate("document.documentElement.scrollWidth")
    # and: a connected repository and one only heard from, both named at GitHub's longest, fit too
    Repository.objects.create(full_name=f"{LONG}/{LONG}", team=TeamFactory(name=LONG, parent=ada))
    body = {"repository": {"full_name": f"{LONG}/{LONG}x", "id": 7}}
    RawEvent.objects.create(source="github", delivery_id="1", event="push", body=body)
    phone.goto(f"{live_server.url}/manage/repositories/")
    assert f"{LONG}/{LONG}x" in phone.locator("main").inner_text()
    assert phone.evaluate(WIDE), phone.evaluate("document.documentElement.scrollWidth")
