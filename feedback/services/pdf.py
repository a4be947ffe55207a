"""Reports as PDF: the same page, printed by headless Chromium with its charts drawn.

The page's HTML is rendered by Django and handed to Chromium directly; Chromium fetches nothing from the
network: static files (plotly.js, the stylesheet) are answered from Align's own static files and every other
request is refused. Runs in a thread of its own so that Playwright's event loop never meets a caller's.
"""

import mimetypes
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

ORIGIN = "http://align.pdf"  # never resolved: every request is answered or refused by the route below
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


class PdfUnavailable(RuntimeError):
    """Chromium is not installed where ALIGN_CHROMIUM_PATH points."""


def _static_file(name: str) -> Path | None:
    try:
        path = Path(staticfiles_storage.path(name))
        if path.exists():
            return path
    except NotImplementedError:
        pass
    found = finders.find(name)
    return Path(found) if found else None


def _print(html: str) -> bytes:
    from playwright.sync_api import sync_playwright

    static_prefix = ORIGIN + "/" + settings.STATIC_URL.lstrip("/")

    def answer(route):
        url = route.request.url.split("?")[0]
        if url == f"{ORIGIN}/report":
            route.fulfill(body=html, content_type="text/html; charset=utf-8")
            return
        path = _static_file(url[len(static_prefix) :]) if url.startswith(static_prefix) else None
        if path is None:
            route.abort()
            return
        route.fulfill(body=path.read_bytes(), content_type=mimetypes.guess_type(path.name)[0] or "text/plain")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=settings.ALIGN_CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.route("**/*", answer)
            page.goto(f"{ORIGIN}/report", wait_until="load")  # answered by the route with the report itself
            page.wait_for_function("document.body.dataset.charts === 'drawn'", timeout=30_000)
            page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
            page.emulate_media(media="print")
            return page.pdf(format="A4", print_background=True, margin={"top": "12mm", "bottom": "12mm",
                                                                         "left": "10mm", "right": "10mm"})  # fmt: skip
        finally:
            browser.close()


def report_pdf(*, html: str) -> bytes:
    """Return a rendered report page as a PDF, charts included; raise PdfUnavailable without Chromium."""
    if not Path(settings.ALIGN_CHROMIUM_PATH).exists():
        raise PdfUnavailable(f"PDF export needs Chromium at {settings.ALIGN_CHROMIUM_PATH} (ALIGN_CHROMIUM_PATH).")
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print, html).result()
