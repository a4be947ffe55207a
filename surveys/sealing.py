"""Comments sealed while their cycle is open, so a copy of the database cannot read them beside their response.

A response and its comments are written in one transaction (on PostgreSQL, one statement): until the cycle
closes and `comments_rewrite` stores the comments again in random order, the database pairs each comment with
the answers it came with — the same transaction id (`xmin`), neighbouring rows (SQLite's `rowid`). A comment
such as "as the only SRE on call this month…" then names whose scores those are. So an open cycle's comment is
stored only sealed: AES-256-GCM (NIST SP 800-38D) under a key derived from SECRET_KEY, a random 96-bit nonce
per comment, and its cycle, team and question as associated data (a sealed text moved to another row does not
open). Closing opens them. Reports show closed cycles only, so nothing ever reads a sealed comment.

What a reader without SECRET_KEY still sees of an open cycle's comment: its cycle, team, question and length
(the sealed bytes are the text's UTF-8 length plus 29). Sealing involves no clock, so nothing in it dates a
submit. Someone with SECRET_KEY as well can open them, as they can tell who has answered (docs/security.md).
"""

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.crypto import salted_hmac

VERSION = b"\x01"
NONCE_BYTES = 12
KEY_SALT = "align.surveys.comment-seal"


def _key(secret: str) -> bytes:
    """Return the 256-bit sealing key derived from one secret key (HMAC-SHA256 under a salt of its own)."""
    return salted_hmac(KEY_SALT, "comment-seal v1", secret=secret, algorithm="sha256").digest()


def _associated(cycle_id: int, team_id: int, question_id: int) -> bytes:
    return f"{cycle_id}:{team_id}:{question_id}".encode()


def seal(text: str, *, cycle_id: int, team_id: int, question_id: int) -> bytes:
    """Return `text` sealed for the comment row of that cycle, team and question: version, nonce, ciphertext."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(_key(settings.SECRET_KEY)).encrypt(
        nonce, text.encode(), _associated(cycle_id, team_id, question_id)
    )
    return VERSION + nonce + sealed


def unseal(sealed: bytes, *, cycle_id: int, team_id: int, question_id: int) -> str | None:
    """Return the text sealed for that row, under SECRET_KEY or one of SECRET_KEY_FALLBACKS; None if none of them
    opens it (the key it was sealed under is gone, or the bytes were altered or moved from another row)."""
    sealed = bytes(sealed)
    if sealed[:1] != VERSION:
        return None
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    associated = _associated(cycle_id, team_id, question_id)
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return AESGCM(_key(secret)).decrypt(nonce, body, associated).decode()
        except InvalidTag:
            continue
    return None
