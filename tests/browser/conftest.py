"""Playwright driving Debian's Chromium (/usr/bin/chromium); never a downloaded browser."""

import os
import shutil
from pathlib import Path

import pytest

from surveys import services
from surveys.models import Invitation
from tests.conftest import IN_CI
from tests.factories import CycleFactory, PersonFactory, TeamFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


# One Playwright per process: another directory's conftest may import this fixture (tests/conversations), which
# makes a second session fixture, and Playwright's sync API cannot run twice at once.
_RUNNING: dict = {"users": 0}


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (apt-get install chromium)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    from playwright.sync_api import sync_playwright

    if not _RUNNING["users"]:
        _RUNNING["playwright"] = sync_playwright().start()
        _RUNNING["browser"] = _RUNNING["playwright"].chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    _RUNNING["users"] += 1
    yield _RUNNING["browser"]
    _RUNNING["users"] -= 1
    if not _RUNNING["users"]:
        _RUNNING["browser"].close()
        _RUNNING["playwright"].stop()


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(viewport={"width": 390, "height": 844})  # a phone: mobile first
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def axe_script() -> str:
    if not AXE.exists():
        message = "axe-core is not installed (npm ci --prefix tests/browser)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    return str(AXE)


@pytest.fixture
def accessibility_violations(axe_script):
    """Return a function that runs axe-core (WCAG 2.0-2.2 A and AA rules) on a page and lists the violations."""

    def check(page) -> list[str]:
        # Evaluated through DevTools rather than added as a <script>: the site's CSP refuses inline scripts.
        page.evaluate(Path(axe_script).read_text())
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
        )
        return [
            f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
            for v in result["violations"]
        ]

    return check


@pytest.fixture
def link(live_server):
    """An open survey link for one of Platform's five people, served by the live server."""
    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(5, team=team)
    cycle = CycleFactory(teams=[team], name="December pulse")
    services.cycle_open(cycle_id=cycle.id)
    invitation = Invitation.objects.filter(cycle=cycle).first()
    return f"{live_server.url}/s/{services.invitation_link_issue(invitation_id=invitation.id)}/"
