"""Invitation tokens: 256 bits in the link, only their SHA-256 hash in the database."""

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac


def token_hash(token: str) -> str:
    """Return the hex SHA-256 of a token (what the database keeps)."""
    return hashlib.sha256(token.encode()).hexdigest()


def answered_marker(invitation_id: int) -> str:
    """Return the marker that records an invitation as answered: an HMAC of its id under the secret key.

    Whoever has only the database cannot tell which invitation a marker belongs to.
    """
    return salted_hmac("align.answered", str(invitation_id), algorithm="sha256").hexdigest()


def invitation_token(invitation_id: int) -> str:
    """Return the invitation's own link token: an HMAC of its id under the secret key (43 URL-safe characters).

    Derived rather than random so that a reminder can carry the same link again without Align keeping the
    token or writing anything per reminder: whatever a reminder round wrote would exist only for the people
    who had not answered (DESIGN.md §3.6). Unguessable without `SECRET_KEY`, as a random token is; whoever
    holds the key can already sign the survey cookie, so deriving gives them nothing new.
    """
    digest = salted_hmac("align.invitation-link", str(invitation_id), algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_new() -> tuple[str, str]:
    """Return a fresh random token and its hash."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)
