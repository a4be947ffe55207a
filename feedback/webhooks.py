"""Inbound webhooks. Authenticated by the sender's signature, not by a login or an API token."""

import hashlib
import hmac
import json

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .services.github import PayloadError


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


@csrf_exempt  # GitHub cannot send a CSRF token; the HMAC signature authenticates every request instead.
@require_POST
def github(request):
    """Receive a GitHub webhook: verify X-Hub-Signature-256 over the raw body first, store nothing otherwise."""
    secret = settings.GITHUB_WEBHOOK_SECRET
    if not secret:
        return _error(503, "The GitHub webhook is not configured (GITHUB_WEBHOOK_SECRET is unset).")
    # The same limit as every other request body (DATA_UPLOAD_MAX_MEMORY_SIZE), checked before reading it.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if int(request.headers.get("Content-Length") or 0) > limit:
        return _error(413, f"The body is larger than {limit // (1024 * 1024)} MB.")
    body = request.body
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
        return _error(401, "Missing or wrong X-Hub-Signature-256 signature.")
    delivery_id, event = request.headers.get("X-GitHub-Delivery", ""), request.headers.get("X-GitHub-Event", "")
    if not delivery_id or not event:
        return _error(400, "X-GitHub-Delivery and X-GitHub-Event headers are required.")
    if request.content_type == "application/x-www-form-urlencoded":
        return _error(
            400,
            "The body is form-encoded (payload=…): in the webhook's settings on GitHub, choose the content type "
            "application/json.",
        )
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # the last: nested too deep to read
        return _error(400, "The body is not valid JSON.")
    if not isinstance(payload, dict):
        return _error(400, "The body must be a JSON object.")
    try:
        status = services.github_event_ingest(delivery_id=delivery_id[:100], event=event[:50], payload=payload)
    except PayloadError as problem:
        return _error(400, f"Malformed {event} event: {problem}. Nothing was stored.")
    return JsonResponse({"status": status})
