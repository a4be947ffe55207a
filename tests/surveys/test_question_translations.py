"""Questions in the respondent's language (issue #25 item 4): per-language texts admins add, the survey page in the
page's language with a `lang` on a text in another, "translation not validated" for a validated item's translation
without a published source, and answers from every language counted in one figure."""

import html
import re
from collections import Counter
from html.parser import HTMLParser
from statistics import mean

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from feedback.models import GroupScore, ItemScore
from feedback.services import scores_aggregate
from surveys import selectors, services
from surveys.models import Invitation, Question, QuestionTranslation
from tests.factories import CycleFactory, PersonFactory, TeamFactory, pulse_template

pytestmark = pytest.mark.django_db
LINK = re.compile(r"/s/[\w-]+/(?:\?lang=[\w-]+)?")


@pytest.fixture
def admin_client(client, ada):
    """The client, logged in as Ada, an admin (tests/surveys/conftest.py)."""
    return client


def validated_item() -> Question:
    """Edmondson's first psychological-safety item, asked by the built-in Align pulse."""
    pulse_template()
    item = Question.objects.get(key="psafety-1", retired=False)
    assert item.validated
    return item


def test_answers_given_in_german_and_in_english_count_in_one_figure_equal_to_an_independent_computation(mailoutbox):
    # given: six people of one team, three reading German and three English, and every question in German
    team = TeamFactory(name="Platform")
    for i in range(6):
        PersonFactory(email=f"p{i}@example.com", team=team, language="de" if i % 2 else "en-gb")
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    questions = selectors.cycle_questions(cycle=cycle)
    for question in questions:
        services.question_translation_save(question_id=question.id, language="de", text=f"DE {question.text}")
    services.invitations_send_batch(cycle_id=cycle.id, batch_size=100)
    rated = [q for q in questions if q.kind != Question.Kind.COMMENT]
    given: dict[int, list[int]] = {q.id: [] for q in rated}
    # when: each opens their own link (German or English page) and answers
    for i, message in enumerate(sorted(mailoutbox, key=lambda m: m.to[0])):
        browser = Client()
        page = browser.get(LINK.search(message.body).group(0), follow=True).content.decode()
        language = "de" if "?lang=de" in message.body else "en-gb"
        assert f"DE {html.escape(rated[0].text)}" in page if language == "de" else "DE " not in page
        answers = {}
        for q in rated:
            answers[q.id] = list(q.value_range)[(i * 3 + q.id) % len(q.value_range)]
            given[q.id].append(answers[q.id])
        posted = {f"q{qid}": value for qid, value in answers.items()}
        assert browser.post(reverse("surveys:answer"), posted).status_code == 302
    services.cycle_close(cycle_id=cycle.id)
    scores_aggregate(cycle_id=cycle.id)

    # then: one figure per question and per dimension, over all six, as computed here from what was posted
    def scored(q: Question, value: int) -> int:
        low, high = min(q.value_range), max(q.value_range)
        return low + high - value if q.reverse_scored else value

    for q in rated:
        item = ItemScore.objects.get(cycle=cycle, team=team, question=q)
        assert item.respondents == 6
        assert item.mean == pytest.approx(mean(scored(q, v) for v in given[q.id]))
        assert {int(k): n for k, n in item.distribution.items() if n} == Counter(given[q.id])
    dimension = next(q.dimension for q in rated if q.kind == Question.Kind.LIKERT)
    items = [q for q in rated if q.dimension_id == dimension.id]
    per_person = [mean(scored(q, given[q.id][i]) for q in items) for i in range(6)]
    score = GroupScore.objects.get(cycle=cycle, team=team, dimension=dimension)
    assert (score.respondents, score.mean) == (6, pytest.approx(mean(per_person)))
    assert QuestionTranslation.objects.filter(question__in=rated).count() == len(rated)  # the same Question rows


def test_the_survey_page_shows_a_translation_and_else_the_question_text_with_its_language(settings):
    team = TeamFactory()
    PersonFactory(team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    questions = [q for q in selectors.cycle_questions(cycle=cycle) if q.kind == Question.Kind.LIKERT]
    services.question_translation_save(question_id=questions[0].id, language="fr", text="Première question")
    token = services.invitation_link_issue(invitation_id=Invitation.objects.get(cycle=cycle).id)
    browser = Client()
    page = browser.get(f"/s/{token}/?lang=fr", follow=True).content.decode()
    assert "Première question" in page
    # a question without a French text is shown in its own, marked as English for screen readers and hyphenation
    assert f'<span lang="en-GB">{html.escape(questions[1].text)}</span>' in page
    # the respondent switches to English: every question in its own text, none marked
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en-gb"
    page = browser.get(reverse("surveys:answer")).content.decode()
    assert "Première question" not in page and 'lang="en-GB">' not in page
    assert html.escape(questions[0].text) in page


def test_admins_add_edit_and_remove_a_translation_and_a_validated_item_without_source_is_marked(admin_client):
    item = validated_item()
    # when: a German text without a source
    url = reverse("surveys:manage_question_translation_new", args=[item.id])
    response = admin_client.post(url, {"language": "de", "text": "  Ein   Fehler  ", "source": ""})
    assert response.status_code == 302
    translation = QuestionTranslation.objects.get(question=item)
    assert (translation.language, translation.text, translation.not_validated) == ("de", "Ein Fehler", True)
    # then: the question's page and the bank say so
    page = admin_client.get(reverse("surveys:manage_question", args=[item.id])).content.decode()
    assert "translation not validated" in page and "Ein Fehler" in page
    bank = admin_client.get(reverse("surveys:manage_questions")).content.decode()
    assert "Deutsch (<strong>translation not validated</strong>)" in bank
    # a second German text is refused; so is one in the question's own language
    assert admin_client.post(url, {"language": "de", "text": "Noch einer"}).status_code == 400
    assert admin_client.post(url, {"language": settings.LANGUAGE_CODE, "text": "x"}).status_code == 400
    # when: the published source is given
    edit = reverse("surveys:manage_question_translation", args=[item.id, translation.id])
    source = "Baer & Frese (2003), J. Organ. Behav. 24(1):45–68, German version"
    assert admin_client.post(edit, {"language": "de", "text": "Ein Fehler", "source": source}).status_code == 302
    page = admin_client.get(reverse("surveys:manage_question", args=[item.id])).content.decode()
    assert "translation not validated" not in page and html.escape(source) in page
    # when: removed
    assert admin_client.post(edit, {"delete": "1"}).status_code == 302
    assert not QuestionTranslation.objects.exists()


def test_a_custom_item_translation_is_not_marked_and_a_text_with_a_line_break_is_refused():
    custom = services.question_create(dimension=validated_item().dimension, text="Our team ships on Fridays.")
    translation = services.question_translation_save(question_id=custom.id, language="es", text="Enviamos")
    assert not translation.not_validated and not translation.validated
    with pytest.raises(ValidationError):
        services.question_translation_save(question_id=custom.id, language="fr", text="deux\nlignes")


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=300).filter(
    lambda t: t.strip()
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, language=st.sampled_from(["de", "fr", "es"]))
def test_any_translation_in_any_script_is_shown_escaped_on_the_survey_and_manage_pages(admin_client, text, language):
    QuestionTranslation.objects.all().delete()
    item = validated_item()
    try:
        translation = services.question_translation_save(question_id=item.id, language=language, text=text)
    except ValidationError:
        return  # refused with a message (an invisible-only or over-long text after trimming)
    stored = translation.text
    template = pulse_template()
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    preview = admin_client.get(reverse("surveys:manage_template_preview", args=[template.id])).content.decode()
    manage = admin_client.get(reverse("surveys:manage_question", args=[item.id])).content.decode()
    for page in (preview, manage):
        # shown as text, whatever it holds: a text node of the parsed page carries it whole, and the markup carries
        # it escaped as Django escapes (<, >, &, quotes)
        assert any(stored in chunk for chunk in text_nodes(page))
        assert html.escape(stored) in page


def text_nodes(page: str) -> list[str]:
    """Return the text between tags of a page, character references decoded, as a browser reads it."""
    found: list[str] = []

    class Reader(HTMLParser):
        def handle_data(self, data):
            found.append(data)

    Reader(convert_charrefs=True).feed(page)
    return found


def test_a_used_link_answers_in_its_language_and_an_unknown_language_in_a_link_changes_nothing(settings):
    team = TeamFactory()
    PersonFactory(team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    token = services.invitation_link_issue(invitation_id=Invitation.objects.get(cycle=cycle).id)
    answers = {q.id: 3 for q in selectors.cycle_questions(cycle=cycle) if q.kind == Question.Kind.LIKERT}
    answers.update({q.id: 7 for q in selectors.cycle_questions(cycle=cycle) if q.kind == Question.Kind.ENPS})
    # an unknown or malformed language: no language cookie, the page as the browser asks
    for odd in ("xx", "de;q=1", "<script>", ""):
        response = Client().get(f"/s/{token}/", {"lang": odd})
        assert response.status_code == 302 and settings.LANGUAGE_COOKIE_NAME not in response.cookies
    services.response_submit(token=token, answers=answers, comments={})
    page = Client().get(f"/s/{token}/", {"lang": "de-DE"})
    with translation.override("de"):
        said = str(selectors.InvitationUsed.message)
    assert page["Content-Language"] == "de" and html.escape(said) in page.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in page.cookies  # only a link that opens the survey sets it
