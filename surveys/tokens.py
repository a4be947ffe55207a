"""Invitation tokens: 256 random bits in the link, only their SHA-256 hash in the database."""

import hashlib
import secrets


def token_hash(token: str) -> str:
    """Return the hex SHA-256 of a token (what the database keeps)."""
    return hashlib.sha256(token.encode()).hexdigest()


def spent_marker(token: str) -> str:
    """Return the hash that marks a token as used; it cannot be derived from `token_hash(token)`."""
    return hashlib.sha256(b"spent:" + token.encode()).hexdigest()


def token_new() -> tuple[str, str]:
    """Return a fresh token and its hash."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)
