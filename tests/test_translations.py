"""The German, French and Spanish catalogues are complete, current, compiled and safe, and what respondents and
members read comes out in their language.

A string the code marks but no catalogue holds, an entry left untranslated or fuzzy, a `.mo` older than its
`.po`, a placeholder or tag a translation lost (a 500, or broken markup, where it is shown): each fails here. The
rendering test renders the survey, its error, message and thank-you pages, the team's results page, the login
and password pages, every email and the Slack message in each language and fails on any English sentence of the
English rendering that is still there (names, numbers and what the database holds, such as question texts,
are allowed).
"""

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import translation

from feedback.emails import results_published_send, results_ready_send
from feedback.selectors import team_results_key
from feedback.services.digest import digest_message
from surveys import emails, services, slack
from surveys.models import Cycle, Invitation, Person

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# What `makemessages` reads: the apps and the site, not the tests, benchmarks or third-party files. The same
# arguments as in the README's "Languages" section.
MAKEMESSAGES_IGNORE = [
    "tests/*", "bench/*", "var/*", "docs/*", "deploy/*", "*/node_modules/*", "test-artifacts/*", "align.egg-info/*",
]  # fmt: skip
SOURCES = ["alignsite", "surveys", "feedback", "conversations", "locale", "manage.py"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfi]|\{(\w+)\}")
TAG = re.compile(r"</?\w+[^>]*>")
WORDS = re.compile(r"[^\W\d_]{2,}")


def catalogue(code: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / code / "LC_MESSAGES" / "django.po"))


def live(po) -> list:
    return [entry for entry in po if not entry.obsolete]


def key(entry) -> tuple:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or None)


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_entry_of_each_catalogue_is_translated_and_none_is_fuzzy(code):
    po = catalogue(code)
    assert not po.metadata_is_fuzzy and po.metadata["Language"] == code
    nplurals = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
    entries = live(po)
    assert len(entries) > 100  # the catalogue is the real one, not an empty file
    untranslated = [e.msgid for e in entries if not e.translated()]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    short_plurals = [e.msgid for e in entries if e.msgid_plural and len(e.msgstr_plural) != nplurals]
    assert (untranslated, fuzzy, short_plurals) == ([], [], [])


def test_the_catalogues_hold_every_string_the_code_marks_and_nothing_else(tmp_path):
    if shutil.which("xgettext") is None and not os.environ.get("CI"):
        pytest.skip("GNU gettext (xgettext) is not installed; CI installs it")
    # given a copy of the sources and catalogues, so the checkout is not touched
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
        else:
            shutil.copy(source, tmp_path / name)

    # when makemessages brings the copied catalogues up to date with the code
    command = [sys.executable, "manage.py", "makemessages", *(f"--locale={code}" for code in LANGUAGES)]
    command += ["--add-location=file", *(f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE)]
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": ""})

    # then no catalogue misses a string of the code, and none keeps one the code no longer has
    for code in LANGUAGES:
        wanted = {key(e) for e in live(polib.pofile(str(tmp_path / "locale" / code / "LC_MESSAGES" / "django.po")))}
        kept = {key(e) for e in live(catalogue(code))}
        assert sorted(wanted - kept, key=str) == [], f"{code}: run makemessages and translate these"
        assert sorted(kept - wanted, key=str) == [], f"{code}: no longer in the code; run makemessages"


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_compiled_catalogue_says_exactly_what_its_source_says(code, tmp_path):
    # given the .po compiled by polib, in a scratch file, and the committed .mo
    compiled = tmp_path / "django.mo"
    catalogue(code).save_as_mofile(str(compiled))
    committed = ROOT / "locale" / code / "LC_MESSAGES" / "django.mo"

    def entries(path):
        mo = polib.mofile(str(path))
        return mo.metadata.get("Plural-Forms"), {
            key(e): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo if e.msgid
        }

    # then they hold the same entries, translations and plural rule (compilemessages makes the .mo)
    assert entries(committed) == entries(compiled), f"locale/{code}: run compilemessages and commit the .mo"


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_translation_keeps_its_placeholders_and_markup(code):
    problems = []
    for entry in live(catalogue(code)):
        pairs = [(entry.msgid, entry.msgstr)] if not entry.msgid_plural else [
            (entry.msgid if form == 0 else entry.msgid_plural, text) for form, text in entry.msgstr_plural.items()
        ]  # fmt: skip
        for source, text in pairs:
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(text)):  # a name may repeat
                problems.append(("placeholders", source, text))
            if sorted(TAG.findall(source)) != sorted(TAG.findall(text)):
                problems.append(("markup", source, text))
            if "python-format" in entry.flags:
                names = {name for name, _ in PLACEHOLDER.findall(source) if name}
                try:
                    text % {name: 1 for name in names}  # what rendering does; a stray % raises here
                except (KeyError, ValueError, TypeError) as error:
                    problems.append((f"format: {error}", source, text))
    assert problems == []


class TextNodes(HTMLParser):
    """Collect a page's visible text nodes (the title included), and the words of its attributes people hear."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        for name, value in attrs:
            heard = name in ("aria-label", "title", "alt", "placeholder")
            if heard or (name.startswith("data-") and " " in (value or "")):  # data-: the scripts' words
                self.nodes.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.nodes.append(data)


def nodes_of(text: str, *, html: bool) -> set[str]:
    if html:
        parser = TextNodes()
        parser.feed(text)
        found = parser.nodes
    else:
        found = text.splitlines()
    return {" ".join(node.split()) for node in found if node.strip()}


def database_texts() -> list[str]:
    """Return every text the database holds for Align's apps (names, question texts, comments, actions…),
    longest first: what a page shows from there is not the catalogue's to translate."""
    texts = {settings.ORGANISATION_NAME}
    for model in apps.get_models():
        if model._meta.app_label not in ("surveys", "feedback", "conversations"):
            continue
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        for row in model.objects.values_list(*fields) if fields else []:
            texts.update(value for value in row if isinstance(value, str) and len(value) > 2)
    return sorted(texts, key=len, reverse=True)


def english_left(english: set[str], translated: set[str], allowed: list[str], same: set[str]) -> list[str]:
    """Return the nodes of the English rendering found unchanged in the translated one that still have words
    once the database's texts, links, the product's name and the languages' own names are taken out. A node
    the catalogue translates as itself (`same`: French "Question", "Score") is translated."""
    own_names = [translation.get_language_info(code)["name_local"] for code, _ in settings.LANGUAGES]  # the switcher's
    names = {"Align", "eNPS"} | {name for _, name in settings.LANGUAGES}
    names |= {word for name in own_names for word in name.title().split()}
    left = []
    for node in sorted(english & translated - same):
        rest = re.sub(r"https?://\S+", " ", node)
        for text in allowed:
            if text in rest:  # whole words only: a team called "Web" leaves "Website" alone
                rest = re.sub(rf"(?<!\w){re.escape(text)}(?!\w)", " ", rest)
        if any(word not in names for word in WORDS.findall(rest)):
            left.append(node)
    return left


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO(), teams=6, people=50, cycles=3, seed=3)
    mail.outbox.clear()


@pytest.mark.django_db
def test_respondents_pages_emails_and_slack_messages_have_no_english_sentence_left_in_each_language(
    demo, client, mailoutbox
):
    # given the demo: an open cycle's invitation with a working link, a published cycle, an admin and a leader
    open_cycle = Cycle.objects.get(state=Cycle.State.OPEN)
    published = Cycle.objects.filter(state=Cycle.State.PUBLISHED).latest("closes_at")
    invitation = Invitation.objects.filter(cycle=open_cycle).select_related("person", "cycle").first()
    token = services.invitation_link_issue(invitation_id=invitation.id)
    admin = get_user_model().objects.get(username="admin@example.com")
    results = team_results_key(team_id=invitation.team_id)

    def rendered(code: str) -> dict[str, set[str]]:
        """Every page and message a respondent or member gets, as text nodes, in one language."""
        client.cookies.clear()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        assert client.get(reverse("surveys:invitation", kwargs={"token": token})).status_code == 302
        survey = client.get(reverse("surveys:answer"))
        refused = client.post(reverse("surveys:answer"), {})  # nothing answered: the errors, nothing stored
        assert (survey.status_code, refused.status_code) == (200, 400)
        pages = {
            "survey": survey,
            "refused": refused,
            "thanks": client.get(reverse("surveys:thanks"), {"results": results}),
            "unknown link": client.get(reverse("surveys:invitation", kwargs={"token": "x" * 43})),
            "results": client.get(reverse("feedback:team_results", args=[results])),
            "not found": client.get("/no-such-page/"),
            "login": client.get(reverse("login")),
            "password reset sent": client.get(reverse("password_reset_done")),
        }
        assert all(f'<html lang="{code}">' in page.content.decode() for page in pages.values()), code
        texts = {name: nodes_of(page.content.decode(), html=True) for name, page in pages.items()}
        mailoutbox.clear()
        # Every email is written in its reader's language (people of the demo read several): everyone reads this.
        Person.objects.update(language="" if code == settings.LANGUAGE_CODE else code)
        invitation.person.refresh_from_db()
        leader = get_user_model().objects.get(username="lee@example.com")  # its person afresh, language and all
        with translation.override(code):
            messages = [
                emails.survey_link_message(invitation=invitation, token="t" * 43),
                emails.survey_link_message(invitation=invitation, token="t" * 43, reminder=True),
                digest_message(user=leader),
            ]
            emails.login_granted_email_send(user_id=leader.id)
            emails.password_reset_email_send(email=admin.email)
            results_ready_send(cycle=published)
            results_published_send(cycle=published)
            texts["slack"] = nodes_of(slack.survey_link_text(invitation=invitation, token="t" * 43), html=False)
        # One of each kind, in the order sent (results_published sends one per person invited).
        for number, message in enumerate(messages + mailoutbox[:4]):
            texts[f"email {number}"] = {message.subject} | nodes_of(message.body, html=False)
            texts[f"email {number}"] |= nodes_of(message.alternatives[0].content, html=True)
        return texts

    english = rendered(settings.LANGUAGE_CODE)
    allowed = database_texts()
    for code in LANGUAGES:
        # when everything is rendered in the language
        translated = rendered(code)
        # then each page and message has as many parts, and none says in English what the English one says
        assert translated.keys() == english.keys(), code
        same = {e.msgstr for e in live(catalogue(code)) if e.msgstr and e.msgstr == e.msgid}
        left = {name: english_left(words, translated[name], allowed, same) for name, words in english.items()}
        assert {name: nodes for name, nodes in left.items() if nodes} == {}, code


@pytest.mark.django_db
def test_each_email_to_a_person_is_in_their_language_whoever_sends_it(mailoutbox):
    # given Platform's people reading German, French and the default, and a login for the German reader
    from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of

    platform = TeamFactory(name="Platform")
    user, greta = manager_of(platform, email="greta@example.com")
    Person.objects.filter(pk=greta.pk).update(language="de")
    PersonFactory(team=platform, email="francoise@example.com", language="fr")
    PersonFactory(team=platform, email="ada@example.com", language="")
    cycle = CycleFactory(teams=[platform], name="December pulse")
    services.cycle_open(cycle_id=cycle.id)

    # when an admin working in Spanish publishes results and gives the German reader a login
    with translation.override("es"):
        results_published_send(cycle=Cycle.objects.get(pk=cycle.id))
        emails.login_granted_email_send(user_id=user.id)
        emails.password_reset_email_send(email="greta@example.com")

    # then each reader gets theirs in their own language, never the sender's
    subjects = {(message.to[0], message.subject) for message in mailoutbox}
    organisation = settings.ORGANISATION_NAME
    assert subjects == {
        ("greta@example.com", f"{organisation}: Die Ergebnisse von December pulse sind da"),
        ("francoise@example.com", f"{organisation} : les résultats de December pulse sont disponibles"),
        ("ada@example.com", f"{organisation}: the results of December pulse are in"),
        ("greta@example.com", f"{organisation}: dein Zugang zu Align"),
        ("greta@example.com", f"{organisation}: dein Align-Passwort zurücksetzen"),
    }
    reads = {"greta@example.com": "de", "francoise@example.com": "fr", "ada@example.com": settings.LANGUAGE_CODE}
    assert [f'<html lang="{reads[m.to[0]]}">' in m.alternatives[0].content for m in mailoutbox] == [True] * 5
