"""The Align pulse and rotating templates: what each cycle freezes, what the admin may save."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from surveys import selectors, services
from surveys.models import CycleQuestion, CycleSchedule, Question, SurveyTemplate, TemplateQuestion
from tests.factories import CycleFactory, PersonFactory, TeamFactory, manager_of, pulse_template

pytestmark = pytest.mark.django_db

MISSION = {
    "psychological-safety", "trust-leadership", "structure-clarity", "business-clarity", "meaning", "impact",
    "dependability",
}  # fmt: skip


def align_pulse() -> SurveyTemplate:
    return SurveyTemplate.objects.get(slug="align-pulse")


def open_cycles(template: SurveyTemplate, count: int, **fields) -> list[list[Question]]:
    """Open `count` hand-made cycles of the template a month apart; return what each froze."""
    team = TeamFactory(name="Platform")
    PersonFactory.create_batch(3, team=team)
    start = timezone.now() - timedelta(days=30 * count)
    frozen = []
    for index in range(count):
        opens = start + timedelta(days=30 * index)
        cycle = CycleFactory(template=template, teams=[team], opens_at=opens, **fields)
        services.cycle_open(cycle_id=cycle.id)
        frozen.append(selectors.frozen_questions(cycle_id=cycle.id))
    return frozen


def test_the_align_pulse_ships_with_the_missions_dimensions_ten_questions_a_cycle_and_three_cycles_between():
    template = align_pulse()
    questions = selectors.template_questions(template_id=template.id)
    assert {q.dimension.key for q in questions} == MISSION | {"enps", "comment"}
    assert (template.max_questions, template.measure_every_cycles) == (10, 3)
    rows = list(TemplateQuestion.objects.filter(template=template).values_list("question_id", "position"))
    importlib.import_module("surveys.migrations.0017_align_pulse").install(apps, None)  # again: nothing changes
    assert list(TemplateQuestion.objects.filter(template=template).values_list("question_id", "position")) == rows


def test_each_cycle_of_the_align_pulse_freezes_whole_dimensions_and_every_dimension_within_three_cycles():
    frozen = open_cycles(align_pulse(), 6)
    template_sizes = {}
    for q in selectors.template_questions(template_id=align_pulse().id):
        template_sizes[q.dimension.key] = template_sizes.get(q.dimension.key, 0) + 1
    asked = []
    for questions in frozen:
        rated = [q for q in questions if q.kind != Question.Kind.COMMENT]
        assert len(rated) <= 10
        kinds = [q.kind for q in questions]
        assert Question.Kind.ENPS in kinds and Question.Kind.COMMENT in kinds  # every cycle
        dimensions = {q.dimension.key for q in rated if q.kind == Question.Kind.LIKERT}
        for key in dimensions:  # whole dimensions, never single items
            assert sum(q.dimension.key == key for q in questions) == template_sizes[key]
        positions = [q.id for q in selectors.template_questions(template_id=align_pulse().id) if q in questions]
        assert [q.id for q in questions] == positions  # in the template's order
        asked.append(dimensions)
    for start in range(len(asked) - 2):
        assert set().union(*asked[start : start + 3]) == MISSION


def test_a_template_within_its_limit_asks_everything_every_cycle():
    frozen = open_cycles(pulse_template(), 2)
    everything = selectors.template_questions(template_id=pulse_template().id)
    assert frozen == [everything, everything]


def test_cycles_of_a_schedule_rotate_on_their_own_history_not_on_hand_made_cycles():
    first = {q.dimension.key for q in open_cycles(align_pulse(), 2)[1]}  # hand-made cycles moved on
    team = TeamFactory(name="Mobile")
    PersonFactory.create_batch(3, team=team)
    schedule = CycleSchedule.objects.create(name="Monthly", template=align_pulse(), first_opens_at=timezone.now())
    cycle = CycleFactory(template=align_pulse(), teams=[team], schedule=schedule, opens_at=timezone.now())
    assert selectors.rotation_history(cycle=cycle, cycles=3) == []
    services.cycle_open(cycle_id=cycle.id)
    asked = set(CycleQuestion.objects.filter(cycle=cycle).values_list("question__dimension__key", flat=True))
    fresh = {q.dimension.key for q in selectors.frozen_questions(cycle_id=align_pulse().cycles.order_by("id")[0].id)}
    assert asked == fresh != first  # the schedule's first cycle starts the rotation afresh


def test_a_template_no_rotation_fits_is_refused_saying_what_to_change():
    ids = [q.id for q in selectors.template_questions(template_id=align_pulse().id)]
    with pytest.raises(ValidationError) as refused:
        services.template_save(name="Too tight", question_ids=ids, max_questions=10, measure_every_cycles=2)
    assert "do not fit into 2 cycles of 9" in str(refused.value.message_dict["max_questions"])
    with pytest.raises(ValidationError, match="allow at least 8 questions per cycle"):
        services.template_save(name="Too small", question_ids=ids, max_questions=6, measure_every_cycles=12)
    assert not SurveyTemplate.objects.filter(name__startswith="Too").exists()


def test_the_template_page_sets_the_limits_with_help_and_refuses_a_rotation_that_cannot_work(client):
    user, _ = manager_of(TeamFactory(name="Ops"), email="ada@example.com", role="admin")
    client.force_login(user)
    template = align_pulse()
    url = reverse("surveys:manage_template", args=[template.id])
    page = client.get(url).content.decode()
    assert 'name="max_questions" value="10"' in page and 'name="measure_every_cycles" value="3"' in page
    assert "the optional comment is not counted" in page and "a gap in its trend, not a zero" in page
    data = {"name": template.name, "description": template.description, "max_questions": 10}
    data["measure_every_cycles"] = 2
    for position, question in enumerate(selectors.template_questions(template_id=template.id), 1):
        data |= {f"include_{question.id}": "on", f"position_{question.id}": str(position)}
    refused = client.post(url, data)
    assert refused.status_code == 400 and "do not fit into 2 cycles" in refused.content.decode()
    data["measure_every_cycles"] = 4
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.measure_every_cycles == 4
    assert "every dimension at least every 4 cycles" in client.get(reverse("surveys:manage_templates")).content.decode()
    preview = client.get(reverse("surveys:manage_template_preview", args=[template.id])).content.decode()
    assert "each cycle asks at most 10 of them" in preview
