"""API tokens (ingestion and SCIM provisioning): created and revoked by admins, kept only as a hash."""

from django.db import transaction
from django.utils import timezone

from surveys.tokens import token_hash, token_new

from ..models import ApiToken


@transaction.atomic
def api_token_create(*, name: str, created_by, scope: str = ApiToken.Scope.INGEST) -> tuple[ApiToken, str]:
    """Create a token (an ingestion token unless `scope` says otherwise); return it and the secret, which is shown
    once and never stored."""
    secret, hashed = token_new()
    token = ApiToken.objects.create(name=name, prefix=secret[:8], token_hash=hashed, created_by=created_by, scope=scope)
    return token, secret


@transaction.atomic
def api_token_revoke(*, token_id: int) -> bool:
    """Revoke a token at once; return False if it was already revoked."""
    return bool(ApiToken.objects.filter(id=token_id, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """Return the live token behind a secret, noting its use, or None."""
    token = ApiToken.objects.filter(token_hash=token_hash(secret), revoked_at__isnull=True).first()
    if token is not None:
        ApiToken.objects.filter(id=token.id).update(last_used_at=timezone.now())
    return token
