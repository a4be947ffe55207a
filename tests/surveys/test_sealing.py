"""An open cycle's comments are sealed (round 5: a database copy paired a comment with its response's answers by
row order and transaction until closing): what seals, opens only for its own row and keys, and is opened at
closing."""

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys import sealing, services
from surveys.models import COMMENT_MAX_LENGTH, Comment, Invitation, Question
from tests.surveys.test_services import full_answers

ROW = {"cycle_id": 3, "team_id": 5, "question_id": 7}


@given(text=st.text(max_size=COMMENT_MAX_LENGTH))
def test_any_comment_opens_as_it_was_sealed_and_its_bytes_hide_it(text):
    sealed = sealing.seal(text, **ROW)
    assert sealing.unseal(sealed, **ROW) == text
    assert len(sealed) == len(text.encode()) + 29  # version, nonce, tag: only its length shows
    assert len(text.encode()) < 4 or text.encode() not in sealed


@given(text=st.text(min_size=1, max_size=50), moved=st.sampled_from(["cycle_id", "team_id", "question_id"]))
def test_a_sealed_comment_moved_to_another_row_or_altered_does_not_open(text, moved):
    sealed = sealing.seal(text, **ROW)
    assert sealing.unseal(sealed, **(ROW | {moved: ROW[moved] + 1})) is None
    altered = bytearray(sealed)
    altered[-1] ^= 1
    assert sealing.unseal(bytes(altered), **ROW) is None


def test_a_comment_sealed_before_the_secret_key_changed_opens_with_the_old_key_among_the_fallbacks(settings):
    sealed = sealing.seal("Too many priorities", **ROW)
    old, settings.SECRET_KEY = settings.SECRET_KEY, "another-secret-key-" + "x" * 40
    assert sealing.unseal(sealed, **ROW) is None
    settings.SECRET_KEY_FALLBACKS = [old]
    assert sealing.unseal(sealed, **ROW) == "Too many priorities"


@pytest.mark.django_db
def test_a_comment_no_key_opens_at_closing_stays_sealed_is_never_shown_and_is_logged(open_cycle, settings, caplog):
    # given: two comments, then SECRET_KEY replaced without keeping the old one
    questions, answers = full_answers(open_cycle)
    comment = next(q for q in questions if q.kind == Question.Kind.COMMENT)
    for invitation in Invitation.objects.filter(cycle=open_cycle)[:2]:
        token = services.invitation_link_issue(invitation_id=invitation.id)
        services.response_submit(token=token, answers=answers, comments={comment.id: "Kept until closing"})
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    # when
    with caplog.at_level(logging.ERROR, logger="surveys.services.cycles"):
        services.cycle_close(cycle_id=open_cycle.id)
    # then
    assert Comment.objects.filter(sealed__isnull=False, text="").count() == 2
    assert f"Cycle {open_cycle.id}: 2 comment(s) stay sealed" in caplog.text
