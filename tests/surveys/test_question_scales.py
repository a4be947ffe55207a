"""Issue (attack 09, #3): a dimension has one agreement scale. A 7-point item added to built-in Meaning (5-point)
gave "5.08 of 7" and changes of +1.54 "scale points" against 3.54 of 5."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from surveys import services
from surveys.models import Dimension, Person, Question
from tests.factories import TeamFactory, UserFactory, manager_of

pytestmark = pytest.mark.django_db
REFUSAL = "Meaning's questions use a 5-point scale; a question of Meaning must use the same scale"


def meaning() -> Dimension:
    return Dimension.objects.get(key="meaning")


def test_the_question_form_refuses_a_7_point_item_in_meaning_and_says_why(client):
    # given: the admin's question form, as repro mk7.py posted it
    admin, _ = manager_of(TeamFactory(), email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    before = Question.objects.count()
    # when
    response = client.post(
        reverse("surveys:manage_questions"),
        {
            "q-dimension": meaning().id,
            "q-kind": "likert",
            "q-text": "The team could speak up?",
            "q-scale_points": "7",
            "q-required": "on",
            "add_question": "1",
        },
    )
    # then
    assert response.status_code == 400
    assert REFUSAL in response.content.decode().replace("&#x27;", "'")
    assert Question.objects.count() == before


def test_a_5_point_item_in_meaning_is_added():
    question = services.question_create(dimension=meaning(), text="My work matters.", scale_points=5)
    assert question.scale_points == 5


def test_editing_an_unasked_meaning_item_to_7_points_is_refused():
    question = services.question_create(dimension=meaning(), text="My work matters.", scale_points=5)
    with pytest.raises(ValidationError, match=REFUSAL):
        services.question_update(question_id=question.id, scale_points=7)


def test_a_new_version_of_a_validated_item_keeps_its_dimensions_scale():
    item = Question.objects.get(key="meaning-1", version=1)
    with pytest.raises(ValidationError, match=REFUSAL):
        services.question_update(question_id=item.id, scale_points=7)


def test_the_django_admin_refuses_a_7_point_item_in_meaning(client):
    client.force_login(UserFactory(username="root@example.com", is_superuser=True, is_staff=True))
    before = Question.objects.count()
    response = client.post(
        reverse("admin:surveys_question_add"),
        {"key": "meaning-x", "version": 1, "dimension": meaning().id, "kind": "likert", "text": "Odd one",
         "scale_points": 7, "required": "on"},
    )  # fmt: skip
    assert response.status_code == 200 and REFUSAL in response.content.decode().replace("&#x27;", "'")
    assert Question.objects.count() == before


def test_a_template_cannot_combine_5_and_7_point_items_of_one_dimension():
    # given a bank from before the refusal, where Meaning already mixed scales
    odd = Question.objects.create(key="meaning-odd", dimension=meaning(), text="Odd", scale_points=7)
    usual = Question.objects.get(key="meaning-1", version=1)
    # then a template choosing both is refused, one of them alone is not
    with pytest.raises(ValidationError, match="Meaning's chosen questions mix a 5-point and a 7-point scale"):
        services.template_save(name="Mixed", question_ids=[usual.id, odd.id])
    assert services.template_save(name="Seven", question_ids=[odd.id]).items.count() == 1


class EveryDimensionHasOneScale(TestCase):
    @settings(max_examples=60, deadline=None)
    @given(scales=st.lists(st.sampled_from([5, 7]), min_size=1, max_size=6))
    def test_whatever_items_an_admin_adds_a_dimensions_agreement_items_share_one_scale(self, scales):
        dimension = services.dimension_create(name="Focus")
        for number, points in enumerate(scales):
            if points == scales[0]:
                services.question_create(dimension=dimension, text=f"Item {number}", scale_points=points)
            else:
                with pytest.raises(ValidationError):
                    services.question_create(dimension=dimension, text=f"Item {number}", scale_points=points)
        assert set(dimension.questions.values_list("scale_points", flat=True)) == {scales[0]}
