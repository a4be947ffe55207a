"""No link asks the browser for a download (issue 22, defect 3): an export that fails answers with a page (PDF
without Chromium, a 503; a rejected filter, a 400; an expired login), and under `download` Chromium turned that
page into a cancelled file named download.html, so the person saw nothing. Exports download by their
Content-Disposition alone."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOWNLOAD_LINK = re.compile(r"<a\b[^>]*\sdownload\b", re.I)


def test_no_template_link_carries_the_download_attribute():
    templates = [p for app in ("alignsite", "surveys", "feedback") for p in (ROOT / app).rglob("templates/**/*.html")]
    assert templates
    assert [str(p.relative_to(ROOT)) for p in templates if DOWNLOAD_LINK.search(p.read_text())] == []
