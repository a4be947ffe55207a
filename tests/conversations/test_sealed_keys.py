"""The author's conversation key travels sealed inside the comment while the cycle is open, and becomes the
comment's thread at closing (issue #23)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.models import Thread
from surveys import sealing, services
from surveys.models import COMMENT_MAX_LENGTH, Comment, Invitation
from surveys.typed_text import text_stored
from tests.conversations.conftest import answer, comment_question

ROW = {"cycle_id": 3, "team_id": 5, "question_id": 7}


@given(text=st.text(max_size=COMMENT_MAX_LENGTH), keyed=st.booleans(), key=st.text(min_size=1, max_size=60))
def test_a_sealed_comment_is_one_size_with_or_without_a_key_and_opens_with_its_key_hash(text, keyed, key):
    key_hash = sealing.comment_key_hash(key, question_id=7) if keyed else None
    sealed = sealing.seal(text, **ROW, key_hash=key_hash)
    assert len(sealed) == sealing.SEALED_BYTES
    assert sealing.unseal_with_key(sealed, **ROW) == (text, key_hash)
    assert sealing.unseal(sealed, **ROW) == text
    assert key_hash is None or key_hash not in sealed


def test_the_padding_still_holds_the_longest_comment_beside_a_key_hash():
    full = "\u0958" * COMMENT_MAX_LENGTH  # 6 bytes a typed unit once in NFC (tests/surveys/test_sealing.py)
    key_hash = sealing.comment_key_hash("k", question_id=7)
    sealed = sealing.seal(text_stored(full), **ROW, key_hash=key_hash)
    assert len(sealed) == len(sealing.seal("", **ROW, key_hash=key_hash)) == sealing.SEALED_BYTES
    assert sealing.unseal_with_key(sealed, **ROW) == (text_stored(full), key_hash)


def test_a_comment_sealed_before_conversation_keys_still_opens_without_a_key():
    # given: the version-2 layout (no hash field), as an open cycle holds it across the upgrade
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from django.conf import settings

    padded = (5).to_bytes(4, "big") + b"Hello" + bytes(sealing.PADDED_BYTES - 5)
    nonce = secrets.token_bytes(sealing.NONCE_BYTES)
    body = AESGCM(sealing._key(settings.SECRET_KEY)).encrypt(nonce, padded, b"3:5:7")
    # then
    assert sealing.unseal_with_key(sealing.VERSION_WITHOUT_KEY + nonce + body, **ROW) == ("Hello", None)


def test_a_key_hash_differs_per_question_so_one_authors_threads_are_not_linked():
    assert sealing.comment_key_hash("k", question_id=1) != sealing.comment_key_hash("k", question_id=2)


@pytest.mark.django_db
def test_closing_gives_each_written_comment_a_thread_under_its_key_and_blank_ones_none(org):
    # given: three responses in A: one comments, one leaves it blank, one answers only numbers
    cycle_team = org["teams"]["a"]
    from tests.factories import CycleFactory

    cycle = CycleFactory(teams=[cycle_team], threshold=3)
    services.cycle_open(cycle_id=cycle.id)
    question = comment_question(cycle)
    invitations = list(Invitation.objects.filter(cycle=cycle).order_by("id"))
    key = answer(cycle, invitations[0], {question.id: "Priorities change weekly"})
    assert answer(cycle, invitations[1], {question.id: "   "}) is None
    assert answer(cycle, invitations[2]) is None
    # every response sealed one row of one size: nothing yet says whose has a key
    assert {len(bytes(c.sealed)) for c in Comment.objects.filter(cycle=cycle)} == {sealing.SEALED_BYTES}
    assert not Thread.objects.exists()
    # when
    services.cycle_close(cycle_id=cycle.id)
    # then
    thread = Thread.objects.get()
    assert thread.comment.text == "Priorities change weekly"
    assert bytes(thread.key_hash) == sealing.comment_key_hash(key, question_id=question.id)
    assert len(key) >= 43  # 256 random bits, URL-safe
