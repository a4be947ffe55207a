"""The survey page as the server writes it (issue 22), for any mix of questions a template can ask: the count
of questions shown without JavaScript, one labelled radio per option in a fieldset, each scale marked with its
number of points (which the stylesheet lays out in a row where it fits), and 0-10's ends in its options' names."""

import re
from html.parser import HTMLParser

from django.template.loader import render_to_string
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.forms import AGREEMENT_LABELS, SurveyForm
from surveys.models import Question

SCALES = st.sampled_from([(Question.Kind.LIKERT, 5), (Question.Kind.LIKERT, 7), (Question.Kind.ENPS, 11)])


class Page(HTMLParser):
    """The parts of the page the test reads: fieldsets with their scale's classes, radios, labels, text by id."""

    def __init__(self):
        super().__init__()
        self.fieldsets: list[dict] = []
        self.labels: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.elements: dict[str, dict] = {}
        self._label: str | None = None
        self._text: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.elements[attrs["id"]] = {"tag": tag, **attrs}
        if tag == "fieldset":
            self.fieldsets.append({"radios": [], "scale": None})
        elif "scale" in attrs.get("class", "").split():
            self.fieldsets[-1]["scale"] = attrs["class"].split()
        elif tag == "input" and attrs.get("type") == "radio":
            self.fieldsets[-1]["radios"].append(attrs)
        elif tag == "label":
            self._label = attrs.get("for")
            self.labels[self._label] = ""
        elif tag == "p" and attrs.get("id"):
            self._text = attrs["id"]
            self.texts[self._text] = ""

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None
        elif tag == "p":
            self._text = None

    def handle_data(self, data):
        if self._label:
            self.labels[self._label] += data
        if self._text:
            self.texts[self._text] += data


def page_of(questions: list[Question]) -> Page:
    form = SurveyForm(questions=questions)
    cycle = {"name": "Pulse", "threshold": 5, "closes_at": None}
    page = Page()
    page.feed(render_to_string("surveys/answer.html", {"form": form, "cycle": cycle, "questions_key": None}))
    return page


@settings(max_examples=150, deadline=None)
@given(
    scales=st.lists(st.tuples(SCALES, st.booleans()), min_size=1, max_size=12),
    comment=st.none() | st.booleans(),
)
def test_every_rated_question_is_a_fieldset_of_labelled_radios_and_the_count_is_said_without_a_script(scales, comment):
    # given a template's questions: scales of 5, 7 or 11 points, required or not, and perhaps a comment box
    questions = [
        Question(id=n, kind=kind, scale_points=points, required=required, text=f"Question {n}")
        for n, ((kind, points), required) in enumerate(scales, start=1)
    ]
    if comment is not None:
        questions.append(Question(id=99, kind=Question.Kind.COMMENT, required=comment, text="Anything else?"))

    # when the page is written
    page = page_of(questions)

    # then it says how many questions there are, and its progress bar counts to that many
    n = len(scales)
    said = f"{n} question{'' if n == 1 else 's'}{' and a comment box' if comment is not None else ''}"
    assert page.texts["survey-progress-text"] == said
    assert page.elements["survey-progress"]["tag"] == "div"
    assert page.elements["survey-progress-said"]["role"] == "status"
    # and each rated question is one fieldset of radios, marked with its number of points, each radio labelled
    assert len(page.fieldsets) == n
    for ((kind, points), required), fieldset in zip(scales, page.fieldsets, strict=True):
        radios = fieldset["radios"]
        assert f"points-{points}" in fieldset["scale"] and ("enps" in fieldset["scale"]) == (kind == "enps")
        assert [int(radio["value"]) for radio in radios] == (
            list(range(11)) if kind == "enps" else [*range(1, points + 1)]
        )
        assert all(("required" in radio) == required for radio in radios)
        names = [re.sub(r"\s+", " ", page.labels[radio["id"]]).strip() for radio in radios]
        if kind == "enps":
            assert names == ["0 – not at all likely", *map(str, range(1, 10)), "10 – extremely likely"]
        else:
            assert names == AGREEMENT_LABELS[points]
