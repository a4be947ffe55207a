import pytest
from django.core.exceptions import ValidationError

from surveys import selectors, services
from surveys.models import Dimension, Question, TemplateQuestion
from tests.factories import CycleFactory, PersonFactory, TeamFactory, pulse_template

pytestmark = pytest.mark.django_db


def test_the_bank_ships_every_dimension_of_the_design_with_sources():
    keys = set(Dimension.objects.values_list("key", flat=True))
    expected = {"psychological-safety", "dependability", "structure-clarity", "meaning", "impact"}
    assert expected | {"trust-leadership", "business-clarity", "enps", "comment"} <= keys
    edmondson = Question.objects.filter(key__startswith="psafety-").order_by("key")
    assert [q.reverse_scored for q in edmondson] == [True, False, True, False, True, False, False]
    assert all(q.validated for q in edmondson)
    assert "Administrative Science Quarterly" in Dimension.objects.get(key="psychological-safety").source
    assert Question.objects.filter(text="I understand why our roadmap priorities were chosen.").exists()
    assert not Dimension.objects.get(key="trust-leadership").validated


def test_editing_a_validated_items_text_creates_a_new_version_and_templates_use_it():
    original = Question.objects.get(key="psafety-4", version=1)
    successor = services.question_update(question_id=original.id, text="It is safe to take risks here.")
    assert (successor.key, successor.version, successor.validated) == ("psafety-4", 2, False)
    original.refresh_from_db()
    assert original.retired and original.text == "It is safe to take a risk on this team."
    assert TemplateQuestion.objects.filter(question=successor).exists()
    assert not TemplateQuestion.objects.filter(question=original).exists()


def test_a_cycle_that_opened_keeps_the_wording_it_asked():
    team = TeamFactory()
    PersonFactory.create_batch(5, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    custom = services.question_create(dimension=Dimension.objects.get(key="meaning"), text="Old words")
    services.template_save(
        template_id=cycle.template_id,
        name=cycle.template.name,
        question_ids=[*(q.id for q in selectors.template_questions(template_id=cycle.template_id)), custom.id],
    )
    assert custom not in selectors.cycle_questions(cycle=cycle)
    edited = services.question_update(question_id=custom.id, text="New words")
    assert edited.id == custom.id  # never asked: edited in place


def test_a_custom_question_already_asked_is_versioned_on_edit():
    team = TeamFactory()
    PersonFactory.create_batch(5, team=team)
    custom = services.question_create(dimension=Dimension.objects.get(key="meaning"), text="Asked once")
    template = services.template_save(name="Tiny", question_ids=[custom.id])
    cycle = CycleFactory(teams=[team], template=template)
    services.cycle_open(cycle_id=cycle.id)
    edited = services.question_update(question_id=custom.id, text="Asked again")
    assert edited.id != custom.id and edited.version == 2
    assert [q.text for q in selectors.cycle_questions(cycle=cycle)] == ["Asked once"]


def test_seven_point_scales_and_reverse_scoring_are_per_item():
    # A dimension of its own: a dimension's agreement items share one scale (test_question_scales.py).
    question = services.question_create(
        dimension=services.dimension_create(name="Purpose"),
        text="Work feels pointless.",
        scale_points=7,
        reverse_scored=True,
    )
    assert list(question.value_range) == [1, 2, 3, 4, 5, 6, 7]


def test_a_scale_other_than_five_or_seven_points_is_refused():
    with pytest.raises(ValidationError):
        services.question_create(dimension=Dimension.objects.get(key="impact"), text="x", scale_points=4)


def test_a_template_needs_questions_each_once_and_no_retired_versions():
    original = Question.objects.get(key="psafety-2", version=1)
    with pytest.raises(ValidationError):
        services.template_save(name="Empty", question_ids=[])
    with pytest.raises(ValidationError):
        services.template_save(name="Twice", question_ids=[original.id, original.id])
    services.question_update(question_id=original.id, text="Problems can be raised here.")
    with pytest.raises(ValidationError):
        services.template_save(name="Old", question_ids=[original.id])


def test_a_new_template_keeps_the_chosen_order():
    ids = [q.id for q in selectors.template_questions(template_id=pulse_template().id)][::-1]
    template = services.template_save(name="Reversed", question_ids=ids)
    assert [q.id for q in selectors.template_questions(template_id=template.id)] == ids


def test_a_custom_dimension_gets_a_unique_key():
    first = services.dimension_create(name="Focus time")
    second = services.dimension_create(name="Focus time")
    assert (first.key, second.key, first.validated) == ("focus-time", "focus-time-2", False)
