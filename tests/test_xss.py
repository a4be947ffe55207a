"""Stored XSS: hostile text entered everywhere a user can type comes out escaped everywhere it is shown."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse

from feedback.models import Action, MetricDefinition, MetricValue
from feedback.selectors import team_results_key
from feedback.services import results_published_notify, scores_aggregate
from surveys import services
from surveys.emails import survey_link_message
from surveys.models import Cycle, Invitation, Person, TemplateQuestion
from tests.factories import PersonFactory, TeamFactory, manager_of, pulse_template
from tests.feedback.conftest import run_cycle

pytestmark = pytest.mark.django_db
PAYLOADS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(2)>",
    "javascript:alert(3)",
    "{{ 7|add:7 }}",
    '=HYPERLINK("http://evil")',
]
RAW = ["<script>alert", "<img src=x onerror", "<svg/onload", 'href="javascript:']


@pytest.fixture
def hostile():
    """An organisation whose every free-text field holds a payload, with a published, aggregated cycle."""
    payload = " ".join(PAYLOADS)
    department = TeamFactory(name=f"Dept {PAYLOADS[0]}")
    team = TeamFactory(name=f"Team {PAYLOADS[1]}", parent=department)
    dimension = services.dimension_create(name=f"Dim {PAYLOADS[2]}")
    question = services.question_create(dimension=dimension, text=f"Q {payload}")
    TemplateQuestion.objects.create(template=pulse_template(), question=question, position=99)
    PersonFactory.create_batch(6, team=team, name=f"Person {payload}")
    cycle = run_cycle([(team, [{"comment": f"Comment {payload}"}] * 6)])
    Cycle.objects.filter(id=cycle.id).update(name=f"Cycle {PAYLOADS[3]}")
    scores_aggregate(cycle_id=cycle.id)
    services.cycle_publish(cycle_id=cycle.id)
    Action.objects.create(team=team, cycle=cycle, text=f"Action {payload}")
    metric = MetricDefinition.objects.create(key="hostile", name=f"M {PAYLOADS[0]}{PAYLOADS[1]}"[:100], unit="x")
    day = cycle.opens_at.date()
    MetricValue.objects.create(metric=metric, team=team, period_start=day, period_end=day, value=1)
    return {"team": team, "department": department, "cycle": cycle}


def assert_escaped(text: str, where: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw!r} unescaped in {where}"


def test_every_page_escapes_what_users_typed(client, hostile):
    admin, _ = manager_of(hostile["department"], email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    team, cycle = hostile["team"], hostile["cycle"]
    pages = [
        reverse("feedback:home"), reverse("feedback:dashboard"), reverse("feedback:team_report", args=[team.id]),
        reverse("feedback:team_results", args=[team_results_key(team_id=team.id)]), reverse("surveys:manage"),
        reverse("surveys:manage_teams"), reverse("surveys:manage_team", args=[team.id]),
        reverse("surveys:manage_people"), reverse("surveys:manage_questions"), reverse("surveys:manage_cycles"),
        reverse("surveys:manage_cycle", args=[cycle.id]), reverse("feedback:manage_metrics"),
        reverse("feedback:manage_audit_log"), reverse("surveys:manage_template", args=[pulse_template().id]),
        reverse("surveys:manage_template_preview", args=[pulse_template().id]),
    ]  # fmt: skip
    shown = 0
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert_escaped(text, url)
        shown += "&lt;script&gt;alert" in text or "\\u003Cscript\\u003Ealert" in text
    assert shown >= 8  # the payloads are on the pages, as text


def test_the_survey_page_escapes_question_text(client, hostile):
    cycle = run_cycle([(hostile["team"], [])])
    Cycle.objects.filter(id=cycle.id).update(state=Cycle.State.OPEN)
    invitation = Invitation.objects.filter(cycle=cycle).first()
    client.get(f"/s/{services.invitation_link_issue(invitation_id=invitation.id)}/")
    text = client.get(reverse("surveys:answer")).content.decode()
    assert "Q &lt;script&gt;" in text
    assert_escaped(text, "the survey page")


def test_csv_exports_neutralise_formulas_and_emails_escape_html(client, hostile, mailoutbox):
    admin, _ = manager_of(hostile["department"], email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    exported = client.get(reverse("feedback:team_report", args=[hostile["team"].id]), {"export": "items"})
    cells = [cell for row in csv.reader(io.StringIO(exported.content.decode())) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    people = client.get(reverse("surveys:manage_people_export")).content.decode()
    assert not any(cell.startswith("=") for row in csv.reader(io.StringIO(people)) for cell in row)
    mail.outbox.clear()
    Cycle.objects.filter(id=hostile["cycle"].id).update(members_notified=False)
    results_published_notify(cycle_id=hostile["cycle"].id)
    invitation = Invitation.objects.filter(cycle=hostile["cycle"]).first()
    survey_link_message(invitation=invitation, token="t" * 43).send()
    assert len(mailoutbox) >= 2
    for message in mailoutbox:
        (html,) = [content for content, kind in message.alternatives if kind == "text/html"]
        assert_escaped(html, f"the HTML of {message.subject!r}")
    assert "Action &lt;script&gt;" in mailoutbox[-1].alternatives[0].content  # the invitation names the actions


def test_the_pdf_shows_hostile_text_as_text(client, hostile, settings):
    from pathlib import Path

    from pypdf import PdfReader

    from tests.conftest import IN_CI

    if not Path(settings.ALIGN_CHROMIUM_PATH).exists():
        message = "Debian's chromium is not installed (apt-get install chromium)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    admin, _ = manager_of(hostile["department"], email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    response = client.get(reverse("feedback:team_report", args=[hostile["team"].id]), {"export": "pdf"})
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    # Printed as the characters typed: had the markup been interpreted, the tags would not be in the text.
    assert "<h1>" not in text and 'Team "><img src=x onerror=alert(1)>' in text  # the team's name, the heading
    assert 'Comment <script>alert("xss")</script>' in text


LINK = '<a href="https://evil.example/">click</a>'


@pytest.fixture
def linked():
    """A team, a dimension, its question and a published cycle, each named as a link (plotly's HTML subset)."""
    department = TeamFactory(name="Dept")
    team = TeamFactory(name=LINK, parent=department)
    dimension = services.dimension_create(name=LINK)
    question = services.question_create(dimension=dimension, text=LINK)
    TemplateQuestion.objects.create(template=pulse_template(), question=question, position=99)
    cycles = [run_cycle([(team, [{}] * 6)], audience=[department]) for _ in range(2)]
    Cycle.objects.filter(id=cycles[0].id).update(name=LINK)
    for cycle in cycles:
        scores_aggregate(cycle_id=cycle.id)
        services.cycle_publish(cycle_id=cycle.id)
    return {"team": team, "department": department}


def figure_strings(value, key=""):
    """Yield (key, string) for every string of a figure, with the key of the dict it sits under."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for inner, item in value.items():
            yield from figure_strings(item, inner)
    elif isinstance(value, list):
        for item in value:
            yield from figure_strings(item, key)


def test_chart_figures_on_every_report_page_hold_no_markup_from_names(client, linked):
    import json
    import re

    admin, _ = manager_of(linked["department"], email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    team = linked["team"]
    pages = [
        reverse("feedback:dashboard") + f"?root={linked['department'].id}",
        reverse("feedback:team_report", args=[team.id]),
        reverse("feedback:team_results", args=[team_results_key(team_id=team.id)]),
    ]
    drawn = 0
    for url in pages:
        text = client.get(url).content.decode()
        for source in re.findall(r'<script id="figure-[^"]*" type="application/json">(.*?)</script>', text):
            for key, shown in figure_strings(json.loads(source)):
                drawn += "&lt;a href=" in shown
                # Hover templates are the charts' own markup; names reach them through placeholders only.
                assert key == "hovertemplate" or "<" not in shown, f"{key}={shown!r} on {url}"
    assert drawn >= 6  # the names are in the charts, escaped for plotly to show them as typed


def test_the_pdfs_charts_link_nowhere_a_name_points(client, linked, settings):
    from pathlib import Path

    from pypdf import PdfReader

    from tests.conftest import IN_CI

    if not Path(settings.ALIGN_CHROMIUM_PATH).exists():
        message = "Debian's chromium is not installed (apt-get install chromium)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    admin, _ = manager_of(linked["department"], email="ada@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    response = client.get(reverse("feedback:team_report", args=[linked["team"].id]), {"export": "pdf"})
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.content)).pages
    links = [
        str(annotation.get_object().get("/A", {}).get("/URI", ""))
        for page in pages
        for annotation in page.get("/Annots") or []
    ]
    assert not [link for link in links if "evil.example" in link]
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert text.count(LINK) >= 3  # the page's own text and the charts' alike, as typed
