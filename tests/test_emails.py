"""Every email Align sends comes in text and HTML, and the two say the same: the same figures, the same links,
every word of the text. Checked on the demo organisation, where the digest has trends, movers, findings and
conversations to report, with a name that would be markup if it were not escaped.
"""

import re
from collections import Counter
from html import unescape
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from feedback.emails import results_published_send, results_ready_send
from feedback.services.digest import digest_message
from surveys import emails
from surveys.models import Cycle, Invitation, Person

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)*")
LINK = re.compile(r"https?://[^\s\"'<>]+")
WORD = re.compile(r"[^\W\d_]+")
KINDS = [
    "anonymous pulse survey",
    "Reminder:",
    "your weekly Align digest",
    "your Align login",
    "reset your Align password",
    "ready to publish",
    "are in",
]
MARKUP_NAME = '<img src=x onerror="alert(1)"> Ada & Co'


class Visible(HTMLParser):
    """Collect an HTML email's visible text and its links' targets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.hrefs, self.hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("title", "head", "style"):
            self.hidden += 1
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag in ("title", "head", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.text.append(data)


def html_of(message) -> str:
    (alternative,) = message.alternatives
    assert alternative.mimetype == "text/html"
    return alternative.content


def visible(html: str) -> Visible:
    parser = Visible()
    parser.feed(html)
    return parser


def assert_both_forms_agree(message):
    html = html_of(message)
    assert html.lstrip().lower().startswith("<!doctype html>") and '<html lang="en-gb">' in html
    shown = visible(html)
    html_text = " ".join(shown.text)
    text_links = set(LINK.findall(message.body))
    assert text_links and text_links == set(shown.hrefs) == set(LINK.findall(html_text)), message.subject
    text_without_links, html_without_links = LINK.sub(" ", message.body), LINK.sub(" ", html_text)
    assert Counter(NUMBER.findall(text_without_links)) == Counter(NUMBER.findall(html_without_links)), message.subject
    missing = {w.casefold() for w in WORD.findall(text_without_links)} - {
        w.casefold() for w in WORD.findall(html_without_links)
    }
    assert not missing, (message.subject, missing)


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO(), teams=12, people=110, cycles=6, seed=3)
    mail.outbox.clear()


def test_every_email_has_an_html_form_that_says_what_its_text_says(demo, mailoutbox):
    # given the demo's open cycle, a published cycle, the admin and the leader, everyone reading the default
    # language (each email is in its reader's: tests/test_translations.py checks the others)
    Person.objects.update(language="")
    open_cycle = Cycle.objects.get(state=Cycle.State.OPEN)
    published = Cycle.objects.filter(state=Cycle.State.PUBLISHED).latest("closes_at")
    invitation = Invitation.objects.filter(cycle=open_cycle).select_related("person", "cycle").first()
    Person.objects.filter(pk=invitation.person_id).update(name=MARKUP_NAME)
    invitation.person.refresh_from_db()
    admin = get_user_model().objects.get(username="admin@example.com")
    leader = get_user_model().objects.get(username="lee@example.com")

    # when every kind of email is composed or sent
    composed = [
        emails.survey_link_message(invitation=invitation, token="t" * 43),
        emails.survey_link_message(invitation=invitation, token="t" * 43, reminder=True),
        digest_message(user=admin),
        digest_message(user=leader),
    ]
    emails.login_granted_email_send(user_id=leader.id)
    emails.password_reset_email_send(email="admin@example.com")
    results_ready_send(cycle=published)
    assert results_published_send(cycle=published) > 0

    # then each one's HTML carries the text's figures, links and words
    subjects = [message.subject for message in composed + mailoutbox]
    for kind in KINDS:
        assert any(kind in subject for subject in subjects), (kind, subjects)
    digest = composed[2]
    assert re.search(r"n = \d+", digest.body) and "eNPS" in digest.body and "Conversations on comments" in digest.body
    for message in composed + mailoutbox:
        assert_both_forms_agree(message)

    # and a name that would be markup is shown as written, never as markup
    html = html_of(composed[0])
    assert "<img" not in html and "&lt;img src=x onerror=" in html
    assert MARKUP_NAME in unescape(" ".join(visible(html).text)) and MARKUP_NAME in composed[0].body
