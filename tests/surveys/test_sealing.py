"""An open cycle's comments are sealed (round 5: a database copy paired a comment with its response's answers by
row order and transaction until closing): what seals, opens only for its own row and keys, and is opened at
closing."""

import logging
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys import sealing, services
from surveys.models import COMMENT_MAX_LENGTH, Comment, Invitation, Question
from surveys.typed_text import text_stored, typed_length
from tests.surveys.test_services import full_answers

ROW = {"cycle_id": 3, "team_id": 5, "question_id": 7}


@given(text=st.text(max_size=COMMENT_MAX_LENGTH))
def test_any_comment_opens_as_it_was_sealed_and_its_bytes_hide_it_and_its_length(text):
    sealed = sealing.seal(text, **ROW)
    assert sealing.unseal(sealed, **ROW) == text
    assert len(sealed) == sealing.SEALED_BYTES  # whatever its length, "" included (round 6: lengths matched)
    assert len(text.encode()) < 4 or text.encode() not in sealed


def test_no_comment_the_box_takes_is_longer_than_the_padding_once_stored_in_nfc():
    # The box counts UTF-16 code units; NFC may lengthen a text (U+0958 becomes two letters)
    worst = max(
        len(unicodedata.normalize("NFC", chr(code)).encode()) / (2 if code > 0xFFFF else 1)
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF
    )
    assert worst == sealing.BYTES_PER_TYPED_UNIT
    full = text_stored("\u0958" * COMMENT_MAX_LENGTH)
    assert typed_length("\u0958" * COMMENT_MAX_LENGTH) == COMMENT_MAX_LENGTH
    assert sealing.unseal(sealing.seal(full, **ROW), **ROW) == full


@pytest.mark.parametrize("stored", [b"", b"\x01", b"\x02", b"\x02" + bytes(20), b"not sealed"])
def test_a_cut_short_or_foreign_value_does_not_open_and_does_not_raise(stored):
    # round 6: b"\x01" raised in AES-GCM (nonce too short), which would have kept its cycle from closing
    assert sealing.unseal(stored, **ROW) is None


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


@pytest.mark.django_db
def test_every_response_writes_one_sealed_row_per_open_question_whether_or_not_it_commented(open_cycle):
    # round 6: a team's only commenter was the one response with a comment row, and closing gave their words
    questions, answers = full_answers(open_cycle)
    comment = next(q for q in questions if q.kind == Question.Kind.COMMENT)
    said = ["", "One comment", ""]
    for invitation, text in zip(Invitation.objects.filter(cycle=open_cycle)[:3], said, strict=True):
        token = services.invitation_link_issue(invitation_id=invitation.id)
        services.response_submit(token=token, answers=answers, comments={comment.id: text} if text else {})
    rows = list(Comment.objects.filter(cycle=open_cycle))
    assert len(rows) == 3 and {len(bytes(row.sealed)) for row in rows} == {sealing.SEALED_BYTES}
    services.cycle_close(cycle_id=open_cycle.id)
    assert list(Comment.objects.values_list("text", flat=True)) == ["One comment"]
