"""Inbound webhooks. Authenticated by the sender's signature, not by a login or an API token."""

import hashlib
import hmac
import json

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .api_parsers import JsonKeyError, JsonNumberError, content_encoding_problem, json_finite, json_integer, json_object
from .services.delivery import Contradiction
from .services.github import PayloadError


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")  # Python reads NaN and Infinity, which JSON columns cannot keep


@csrf_exempt  # GitHub cannot send a CSRF token; the HMAC signature authenticates every request instead.
@require_POST
def github(request):
    """Receive a GitHub webhook: verify X-Hub-Signature-256 over the raw body first, store nothing otherwise."""
    secret = settings.GITHUB_WEBHOOK_SECRET
    if not secret:
        return _error(503, "The GitHub webhook is not configured (GITHUB_WEBHOOK_SECRET is unset).")
    # The same limit as every other request body (DATA_UPLOAD_MAX_MEMORY_SIZE), checked before reading it.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    declared = (request.headers.get("Content-Length") or "0").strip()
    # Django reads the header with int() as well, which raises beyond 4,300 digits: no length has more than 18.
    if not (declared.isascii() and declared.isdigit() and len(declared) <= 18):
        return _error(400, "The Content-Length header is not a length in bytes (digits, at most 18 of them).")
    if int(declared) > limit:
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
    encoding_problem = content_encoding_problem(request.headers)
    if encoding_problem:
        return _error(415, f"{encoding_problem}.")
    try:
        payload = json.loads(
            body,
            parse_constant=_no_constant,
            parse_int=json_integer,
            parse_float=json_finite,
            object_pairs_hook=json_object,
        )
    except JsonNumberError as problem:  # the body is JSON, but no JSON column can keep this number
        return _error(400, f"The body cannot be stored: {problem}.")
    except JsonKeyError as problem:  # the body is JSON, but what it means depends on the reader
        return _error(400, f"The body cannot be read: {problem}.")
    except (ValueError, RecursionError):  # not UTF-8, not JSON, NaN or Infinity; the last: nested too deep
        return _error(400, "The body is not valid JSON.")
    if not isinstance(payload, dict):
        return _error(400, "The body must be a JSON object.")
    try:
        status = services.github_event_ingest(delivery_id=delivery_id[:100], event=event[:50], payload=payload)
    except PayloadError as problem:
        return _error(400, f"Malformed {event} event: {problem}. Nothing was stored.")
    except Contradiction as problem:  # well-formed, and GitHub would send it again unchanged: kept, answered 200
        detail = f"{problem}: the delivery is kept, and nothing of it counts."
        return JsonResponse({"status": "ignored", "detail": detail})
    detail = getattr(status, "detail", None)  # why an event was ignored, when there is more to say than its type
    return JsonResponse({"status": str(status), "detail": f"{detail}."} if detail else {"status": str(status)})
