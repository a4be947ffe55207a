"""Invitation tokens: 256 random bits in the link, only their SHA-256 hash in the database."""

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


def token_new() -> tuple[str, str]:
    """Return a fresh token and its hash."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)
