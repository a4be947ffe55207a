"""The team report's method note says when a cycle offered a validated item in a translation that is not validated
(issue #25 item 4)."""

import html
import re

import pytest
from django.urls import reverse

from feedback.services import scores_aggregate
from surveys import services
from surveys.models import Question, QuestionTranslation
from tests.factories import TeamFactory, manager_of, pulse_template

pytestmark = pytest.mark.django_db


def test_the_team_report_says_when_a_cycle_offered_a_translation_not_validated(client, run_closed_cycle):
    pulse_template()
    item = Question.objects.get(key="psafety-1", retired=False)
    services.question_translation_save(question_id=item.id, language="fr", text="Une erreur")
    team = TeamFactory(name="Platform")
    cycle = run_closed_cycle([(team, [{}] * 5)], audience=[team])
    scores_aggregate(cycle_id=cycle.id)
    user, _ = manager_of(team, email="maria@example.com")
    client.force_login(user)
    page = client.get(reverse("feedback:team_report", args=[team.id])).content.decode()
    note = re.search(r'<p class="hint" id="translation-note">(.*?)</p>', page, re.S).group(1)
    assert "Translation not validated" in note and "Français" in note and html.escape(item.text) in note
    # with its published source, the note goes
    QuestionTranslation.objects.filter(question=item).update(source="Published French version (2010)")
    assert 'id="translation-note"' not in client.get(reverse("feedback:team_report", args=[team.id])).content.decode()
