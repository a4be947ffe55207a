"""Database sessions stored under a hash of their key, so a copy of the database logs nobody in.

Django's database backend keeps each session under its key, which is also the cookie's value: whoever reads
`django_session` — a backup, a replica, a dump — could set that cookie and act as any logged-in admin until
the session expires. Here the row's key is a SHA-256 of the session key (its first 40 hex digits, the
column's length: 160 bits of a key with about 190 bits of randomness), so the cookie cannot be recovered from
the row. Sessions created before switching to it end (their rows are never found): everyone logs in again.
"""

import hashlib

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone


def stored_key(session_key: str | None) -> str | None:
    """Return the key a session is stored under: the first 40 hex digits of the SHA-256 of its cookie key."""
    return None if session_key is None else hashlib.sha256(session_key.encode()).hexdigest()[:40]


class SessionStore(db.SessionStore):
    """Django's database session store with every row found and written under `stored_key`."""

    def _get_session_from_db(self):
        try:
            return self.model.objects.get(session_key=stored_key(self.session_key), expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None

    def exists(self, session_key):
        return self.model.objects.filter(session_key=stored_key(session_key)).exists()

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    def delete(self, session_key=None):
        session_key = self.session_key if session_key is None else session_key
        if session_key is not None:
            self.model.objects.filter(session_key=stored_key(session_key)).delete()

    # The async variants run the same code (Align serves WSGI; ASGI would reach these).
    async def _aget_session_from_db(self):
        return await sync_to_async(self._get_session_from_db)()

    async def aexists(self, session_key):
        return await sync_to_async(self.exists)(session_key)

    async def acreate_model_instance(self, data):
        return await sync_to_async(self.create_model_instance)(data)

    async def adelete(self, session_key=None):
        return await sync_to_async(self.delete)(session_key)
