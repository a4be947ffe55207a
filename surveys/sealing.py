"""Comments sealed while their cycle is open, so a copy of the database cannot read them beside their response.

A response and its comments are written in one transaction (on PostgreSQL, one statement): until the cycle
closes and `comments_rewrite` stores the comments again in random order, the database pairs each comment with
the answers it came with — the same transaction id (`xmin`), neighbouring rows (SQLite's `rowid`). A comment
such as "as the only SRE on call this month…" then names whose scores those are. So an open cycle's comment is
stored only sealed: AES-256-GCM (NIST SP 800-38D) under a key derived from SECRET_KEY, a random 96-bit nonce
per comment, and its cycle, team and question as associated data (a sealed text moved to another row does not
open). Closing opens them. Reports show closed cycles only, so nothing ever reads a sealed comment.

What a reader without SECRET_KEY sees of an open cycle's comments: one row per response and open question,
all of one size — a response writes one for each open question of its cycle, "" when left blank (closing drops
those), and every text is padded to the longest a comment can be before sealing. So neither who commented
nor how much can be matched with the comments once closing stores them readably (an outside tester matched
lengths between a copy taken while open and one after closing). Sealing involves no clock, so nothing in it
dates a submit. Someone with SECRET_KEY as well can open them, as they can tell who has answered
(docs/security.md).

A comment's author may hold a conversation key (conversations/): the hash of that key is sealed with the text
(a fixed 32 bytes, zeros when there is none), so whether a response carries a key is as unreadable as whether
it carries a comment. Closing opens the hash with the text and gives it to the comment's new thread.
"""

import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.crypto import salted_hmac

from .models import COMMENT_MAX_LENGTH

VERSION = b"\x03"
VERSION_WITHOUT_KEY = b"\x02"  # sealed before conversation keys (no hash field); still opened at closing
NONCE_BYTES = 12
KEY_SALT = "align.surveys.comment-seal"
# Every text is padded to this many bytes before sealing: a comment is at most COMMENT_MAX_LENGTH UTF-16 code
# units as the box counts them, and stored in NFC, which turns no code unit into more than 6 bytes of UTF-8
# (U+0958 DEVANAGARI LETTER QA, 3 bytes typed, is stored as two letters of 3; checked over every code point in
# tests/surveys/test_sealing.py). A 4-byte length comes first. About 12 kB a row while its cycle is open.
BYTES_PER_TYPED_UNIT = 6
PADDED_BYTES = BYTES_PER_TYPED_UNIT * COMMENT_MAX_LENGTH
KEY_HASH_BYTES = 32  # a SHA-256 of the author's conversation key, after the padded text
SEALED_BYTES = len(VERSION) + NONCE_BYTES + 4 + PADDED_BYTES + KEY_HASH_BYTES + 16  # + the GCM tag
SEALED_BYTES_WITHOUT_KEY = SEALED_BYTES - KEY_HASH_BYTES
NO_KEY = bytes(KEY_HASH_BYTES)


def comment_key_hash(key: str, *, question_id: int) -> bytes:
    """Return the hash a comment's thread keeps of its author's conversation key: SHA-256 of the key and the
    question, so the threads of one response's comments (one key) carry unrelated hashes."""
    return hashlib.sha256(f"align.conversation:{question_id}:{key}".encode()).digest()


def _key(secret: str) -> bytes:
    """Return the 256-bit sealing key derived from one secret key (HMAC-SHA256 under a salt of its own)."""
    return salted_hmac(KEY_SALT, "comment-seal v1", secret=secret, algorithm="sha256").digest()


def _associated(cycle_id: int, team_id: int, question_id: int) -> bytes:
    return f"{cycle_id}:{team_id}:{question_id}".encode()


def seal(text: str, *, cycle_id: int, team_id: int, question_id: int, key_hash: bytes | None = None) -> bytes:
    """Return `text` sealed for the comment row of that cycle, team and question: version, nonce, ciphertext of
    its length, the text padded to PADDED_BYTES and its author's key hash (zeros without one) — SEALED_BYTES
    whatever the text ("" included) and whether or not it has a key.

    Raises ValueError for a text longer than a comment can be, or a key hash of another size."""
    encoded = text.encode()
    if len(encoded) > PADDED_BYTES:
        raise ValueError(f"a comment is at most {PADDED_BYTES} bytes in UTF-8")
    if key_hash is not None and (len(key_hash) != KEY_HASH_BYTES or key_hash == NO_KEY):
        raise ValueError(f"a key hash is {KEY_HASH_BYTES} bytes, not all zero")
    key_hash = NO_KEY if key_hash is None else key_hash
    padded = len(encoded).to_bytes(4, "big") + encoded + bytes(PADDED_BYTES - len(encoded)) + key_hash
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(_key(settings.SECRET_KEY)).encrypt(nonce, padded, _associated(cycle_id, team_id, question_id))
    return VERSION + nonce + sealed


def unseal(sealed: bytes, *, cycle_id: int, team_id: int, question_id: int) -> str | None:
    """Return the text sealed for that row, under SECRET_KEY or one of SECRET_KEY_FALLBACKS; None if none of them
    opens it (the key it was sealed under is gone, or the bytes were altered or moved from another row)."""
    opened = unseal_with_key(sealed, cycle_id=cycle_id, team_id=team_id, question_id=question_id)
    return None if opened is None else opened[0]


def unseal_with_key(sealed: bytes, *, cycle_id: int, team_id: int, question_id: int) -> tuple[str, bytes | None] | None:
    """Return the text sealed for that row and its author's key hash (None without one), as `unseal` opens it;
    None if no configured key opens it."""
    sealed = bytes(sealed)
    sizes = {VERSION: SEALED_BYTES, VERSION_WITHOUT_KEY: SEALED_BYTES_WITHOUT_KEY}
    if sizes.get(sealed[:1]) != len(sealed):
        return None  # cut short or not sealed here: nothing to open (and AES-GCM refuses a nonce it cannot use)
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    associated = _associated(cycle_id, team_id, question_id)
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            padded = AESGCM(_key(secret)).decrypt(nonce, body, associated)
        except InvalidTag:
            continue
        length = int.from_bytes(padded[:4], "big")
        key_hash = padded[4 + PADDED_BYTES :] if sealed[:1] == VERSION else NO_KEY
        return padded[4 : 4 + length].decode(), (None if key_hash == NO_KEY else key_hash)
    return None
