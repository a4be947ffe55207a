"""A dimension holds one kind of question on one scale (surveys.scales).

Attack 09, #3: a 7-point item added to built-in Meaning (5-point) gave "5.08 of 7". Attack H2: an eNPS item in
Psychological safety, a 7-point item in eNPS and one in Open comment were accepted; Psychological safety then
averaged 1–5 and 0–10 answers (3.257) and showed an eNPS of −55.6.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from surveys import scales, services
from surveys.models import Dimension, Person, Question
from surveys.selectors import dimension_scales
from tests.factories import TeamFactory, manager_of

pytestmark = pytest.mark.django_db
REFUSAL = "A dimension holds one kind of question on one scale"
KINDS = [("likert", 5), ("likert", 7), ("enps", 11), ("comment", 5)]


def dimension(key: str) -> Dimension:
    return Dimension.objects.get(key=key)


def post_question(client, *, dimension_id: int, kind: str, points: int = 5):
    admin, _ = manager_of(TeamFactory(), email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(admin)
    return client.post(
        reverse("surveys:manage_questions"),
        {"q-dimension": dimension_id, "q-kind": kind, "q-text": "The team could speak up?",
         "q-scale_points": str(points), "q-required": "on", "add_question": "1"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("key", "kind", "points", "mix"),
    [
        ("meaning", "likert", 7, "5-point agreement and 7-point agreement"),
        ("psychological-safety", "enps", 5, "0–10 eNPS and 5-point agreement"),
        ("enps", "likert", 7, "0–10 eNPS and 7-point agreement"),
        ("comment", "likert", 7, "7-point agreement and open comment"),
    ],
)
def test_the_question_form_refuses_a_question_of_another_kind_or_scale_and_says_why(client, key, kind, points, mix):
    # given: the mixes the attack made on /manage/questions/
    before = Question.objects.count()
    # when
    response = post_question(client, dimension_id=dimension(key).id, kind=kind, points=points)
    # then
    page = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400
    assert REFUSAL in page and mix in page
    assert Question.objects.count() == before


def test_an_item_on_its_dimensions_scale_is_added():
    question = services.question_create(dimension=dimension("meaning"), text="My work matters.", scale_points=5)
    assert question.scale_points == 5


def test_editing_an_unasked_meaning_item_to_7_points_is_refused():
    question = services.question_create(dimension=dimension("meaning"), text="My work matters.", scale_points=5)
    with pytest.raises(ValidationError, match=REFUSAL):
        services.question_update(question_id=question.id, scale_points=7)


def test_a_new_version_of_a_validated_item_keeps_its_dimensions_scale():
    item = Question.objects.get(key="meaning-1", version=1)
    with pytest.raises(ValidationError, match=REFUSAL):
        services.question_update(question_id=item.id, scale_points=7)


def test_an_enps_question_has_no_agreement_scale_to_change():
    enps = Question.objects.get(key="enps", version=1)
    with pytest.raises(ValidationError, match="has no agreement scale to change"):
        services.question_update(question_id=enps.id, scale_points=7)
    with pytest.raises(ValidationError, match="has no agreement scale to change"):
        services.question_update(question_id=enps.id, reverse_scored=True)


@pytest.mark.parametrize(
    ("odd_kind", "odd_points", "key"),
    [("likert", 7, "meaning"), ("enps", 11, "psychological-safety"), ("likert", 7, "enps"), ("likert", 5, "comment")],
)
def test_a_template_cannot_combine_questions_of_two_kinds_or_scales_of_one_dimension(odd_kind, odd_points, key):
    # given a bank from before the refusal, where the dimension already mixes (written past Question.clean)
    odd = Question.objects.create(key=f"{key}-odd", dimension=dimension(key), kind=odd_kind, text="Odd",
                                  scale_points=odd_points)  # fmt: skip
    usual = Question.objects.filter(dimension=dimension(key), retired=False).exclude(id=odd.id).first()
    # then a template choosing both is refused, one of them alone is not
    with pytest.raises(ValidationError, match=REFUSAL):
        services.template_save(name="Mixed", question_ids=[usual.id, odd.id])
    assert services.template_save(name="Odd alone", question_ids=[odd.id]).items.count() == 1
    # and the dimension has no scale, so nothing reads it on one
    assert dimension_scales(dimension_ids=[dimension(key).id]) == {dimension(key).id: None}


def test_the_built_in_bank_has_one_scale_per_dimension():
    found = dimension_scales()
    assert None not in found.values()
    assert found[dimension("psychological-safety").id] == scales.Scale("likert", 5)
    assert found[dimension("meaning").id] == scales.Scale("likert", 5)
    assert found[dimension("enps").id].enps and not found[dimension("comment").id].scored


class EveryDimensionHoldsOneKindOnOneScale(TestCase):
    @settings(max_examples=80, deadline=None)
    @given(items=st.lists(st.sampled_from(KINDS), min_size=1, max_size=6))
    def test_whatever_questions_an_admin_adds_a_dimension_keeps_one_kind_and_scale(self, items):
        # given a new dimension; when: an admin adds each generated question in turn
        focus = services.dimension_create(name="Focus")
        for number, (kind, points) in enumerate(items):
            fits = scales.scale_of([items[0], (kind, points)]) is not None
            if fits:
                services.question_create(dimension=focus, text=f"Item {number}", kind=kind, scale_points=points)
            else:
                with pytest.raises(ValidationError, match=REFUSAL):
                    services.question_create(dimension=focus, text=f"Item {number}", kind=kind, scale_points=points)
        # then: the bank holds exactly the first question's scale, and the selector reads it
        assert dimension_scales(dimension_ids=[focus.id]) == {focus.id: scales.scale_of([items[0]])}

    @settings(max_examples=80, deadline=None)
    @given(chosen=st.lists(st.sampled_from(KINDS), min_size=1, max_size=5))
    def test_a_template_is_saved_exactly_when_each_dimensions_chosen_questions_share_one_scale(self, chosen):
        # given one legacy dimension holding every generated question (written past Question.clean)
        legacy = Dimension.objects.create(key="legacy", name="Legacy")
        ids = [
            Question.objects.create(key=f"q-{n}", dimension=legacy, kind=kind, text=f"Q{n}", scale_points=points).id
            for n, (kind, points) in enumerate(chosen)
        ]
        # when / then
        if len(scales.scales_of(chosen)) == 1:
            assert services.template_save(name="T", question_ids=ids).items.count() == len(ids)
        else:
            with pytest.raises(ValidationError, match=REFUSAL):
                services.template_save(name="T", question_ids=ids)
