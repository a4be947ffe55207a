"""Every form on every page, posted with hostile values one field at a time: a clear 4xx or success, never a 500.

An admin (who sees every form) opens each page of the access matrix, reads its forms as a browser would (the
rendered values, the checked boxes, the selected options) and sends each form once per field and hostile value,
the other fields as rendered, so a value that passes its field's checks still reaches the services. File inputs
get the hostile value as a file. Runs on SQLite and, in CI, on PostgreSQL, whose text cannot hold NUL. And every
page whose URL takes an id answers 404 for an id no row has, even one too large for a key column.
"""

import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.test_access_matrix import MATRIX

pytestmark = pytest.mark.django_db

HOSTILE = [
    "", " ", "\x00", "x\x00y", "-1", "0", "99999999999999999999", "1e309", "NaN", "٣", "2026-13-45T25:61",
    "<script>alert(1)</script>", "'; DROP TABLE surveys_team; --", "=HYPERLINK(\"http://x\")", "a" * 5000,
]  # fmt: skip
NOT_UTF8 = "\udcff\udcfe"  # sent as the bytes ff fe where a file is expected (a browser cannot send it in a field)


class FormReader(HTMLParser):
    """Collect each form's action, method and fields with the values a browser would send unchanged."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower()}
            self._form |= {"fields": {}, "files": set()}
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None or not name or name == "csrfmiddlewaretoken":
            if tag == "option" and form is not None and self._select:
                self._option(a)
            return
        fields = form["fields"].setdefault(name, [])
        kind = a.get("type", "text")
        if tag == "input" and kind == "file":
            form["files"].add(name)
        elif tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in a:
                fields.append(a.get("value", "on"))
        elif tag == "input" and kind not in ("submit", "button", "reset"):
            fields.append(a.get("value") or "")
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            fields.append("")

    def _option(self, a):
        values = self._form["fields"][self._select]
        if "selected" in a or not values:
            values[:] = [a.get("value", "")]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _one_of_each_shape(names: list[str]) -> list[str]:
    """Return the first of each kind of field name: a template's question_12 and question_13 are one kind."""
    shapes = {re.sub(r"\d+", "#", name): name for name in reversed(names)}
    return sorted(shapes.values(), key=names.index)


def _send(client, form: dict, url: str, field: str, value: str):
    data = {name: values for name, values in form["fields"].items()}
    if field in form["files"]:
        data[field] = SimpleUploadedFile("fuzz.csv", value.encode("utf-8", "surrogateescape"), "text/csv")
    else:
        data[field] = value
    action = form["action"] or url
    return client.post(action, data) if form["method"] == "post" else client.get(action, data)


def test_no_form_answers_a_hostile_value_with_a_500(client, world):
    client.force_login(world["users"]["admin"])
    client.raise_request_exception = False  # a crash becomes the 500 a browser would get
    tried, failures = 0, []
    for name in MATRIX:
        url = reverse(name, kwargs=world["kwargs"].get(name))
        page = client.get(url)
        if page.status_code != 200 or not page["Content-Type"].startswith("text/html"):
            continue
        reader = FormReader()
        reader.feed(page.content.decode())
        for form in reader.forms:
            if form["action"] == reverse("logout"):
                continue
            for field in _one_of_each_shape([*form["fields"], *form["files"]]):
                for value in [*HOSTILE, NOT_UTF8] if field in form["files"] else HOSTILE:
                    tried += 1
                    status = _send(client, form, url, field, value).status_code
                    if status >= 500:
                        failures.append((url, form["action"], field, value[:20], status))
    assert failures == []
    assert tried > 1000  # every admin page's forms were read and sent


@pytest.mark.parametrize("missing", [0, 2**63])  # no row has id 0; 2**63 is more than a key column holds
def test_an_id_that_is_no_objects_is_a_404_on_every_page_that_takes_one(client, world, missing):
    client.force_login(world["users"]["admin"])
    client.raise_request_exception = False
    statuses = {}
    for name, (method, _) in MATRIX.items():
        kwargs = world["kwargs"].get(name) or {}
        if any(isinstance(value, int) for value in kwargs.values()):
            kwargs = {key: missing if isinstance(value, int) else value for key, value in kwargs.items()}
            statuses[name] = getattr(client, method)(reverse(name, kwargs=kwargs)).status_code
    assert len(statuses) >= 10 and set(statuses.values()) == {404}, statuses
