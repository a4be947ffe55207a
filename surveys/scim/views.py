"""The SCIM endpoints. Each parses the request, calls a selector or a service, and answers SCIM JSON; every
refusal is an Error body with its status (RFC 7644 §3.12), never an HTML page."""

import dataclasses
import json
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from feedback.api_auth import authorization_words, bearer, scheme_problem
from feedback.models import ApiToken
from feedback.services.api_tokens import api_token_authenticate

from .. import selectors
from ..models import Person, Team
from . import expressions, protocol, services
from .protocol import MAX_RESULTS, ScimError, scim_response
from .resources import group_asked, group_resource, user_asked, user_resource

BODY_TYPES = ("application/scim+json", "application/json", "")


def _token(request: HttpRequest) -> ApiToken:
    """Return the SCIM token a request carries, or raise ScimError: 401 without a live token, 403 for a token of
    another scope (an ingestion token opens the metrics API only)."""
    # The header is read as the API reads it (feedback.api_auth): the scheme in any case, any spaces after it.
    words = authorization_words(request)
    if len(words) != 2 or not bearer(words):
        why = scheme_problem(request) or "Send a SCIM token as `Authorization: Bearer <token>`"
        raise ScimError(401, f"{why} (SCIM tokens are issued at /manage/api-tokens/).")
    token = api_token_authenticate(secret=words[1])
    if token is None:
        raise ScimError(401, "Unknown or revoked token.")
    if token.scope != ApiToken.Scope.SCIM:
        raise ScimError(403, "This token is not a SCIM token: issue one with the SCIM scope at /manage/api-tokens/.")
    return token


def scim_endpoint(*methods: str):
    """Let through requests with a SCIM token and one of `methods`; answer ScimError as SCIM JSON."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise ScimError(405, f"{request.method} is not allowed here; use {', '.join(methods)}.")
                request.scim_token = _token(request)
                return view(request, *args, **kwargs)
            except IntegrityError:
                # Another request wrote the same address or userName between our check and our write.
                error = ScimError(
                    409, "Another request changed the same User or Group at once: try again.", "uniqueness"
                )
                return scim_response(error.body(), status=error.status)
            except ScimError as error:
                response = scim_response(error.body(), status=error.status)
                if error.status == 401:
                    response["WWW-Authenticate"] = 'Bearer realm="SCIM"'
                if error.status == 405:
                    response["Allow"] = ", ".join(methods)
                return response

        return wrapper

    return decorate


def _body(request: HttpRequest) -> dict[str, Any]:
    """Return a request's JSON object, or raise ScimError (400 invalidSyntax, 413, 415)."""
    content_type = request.content_type or ""
    if content_type not in BODY_TYPES:
        raise ScimError(415, f"Send application/scim+json, not {content_type}.")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ScimError(413, "The body is too large.") from None
    try:
        body = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ScimError(400, f"The body is not JSON: {error}.", "invalidSyntax") from None
    if not isinstance(body, dict):
        raise ScimError(400, "The body is a JSON object.", "invalidSyntax")
    return body


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key.lower() in (other.lower() for other in seen):
            raise ValueError(f"the attribute {key!r} is given twice")
        seen[key] = value
    return seen


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("scim:root")).rstrip("/")


def _id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ScimError(404, f"No resource has the id {value!r}.")
    return int(value)


def _page(request: HttpRequest) -> tuple[int, int]:
    """Return (startIndex, count) as RFC 7644 §3.4.2.4 reads them: 1-based, a start below 1 is 1, a negative count
    is 0; count is at most MAX_RESULTS."""
    try:
        start = int(request.GET.get("startIndex", "1"))
        count = int(request.GET.get("count", str(MAX_RESULTS)))
    except ValueError:
        raise ScimError(400, "startIndex and count are whole numbers.", "invalidValue") from None
    return max(start, 1), min(max(count, 0), MAX_RESULTS)


def _paged(request: HttpRequest, found) -> tuple[list, int, int]:
    """Return the page of `found` (a list or a query) that startIndex and count ask for (`_page`), its total and its
    start. A start past the last result is an empty page, however large (a database offset is 64-bit)."""
    start, count = _page(request)
    total = found.count() if hasattr(found, "query") else len(found)
    page = list(found[start - 1 : start - 1 + count]) if count and start <= total else []
    return page, total, start


def _shaped(request: HttpRequest, resource: dict[str, Any]) -> dict[str, Any]:
    """Return a resource with only the `attributes` asked for, or without the `excludedAttributes` (top level;
    id and schemas are always returned)."""
    wanted = {
        name.strip().lower().split(".")[0] for name in request.GET.get("attributes", "").split(",") if name.strip()
    }
    dropped = {
        name.strip().lower().split(".")[0]
        for name in request.GET.get("excludedAttributes", "").split(",")
        if name.strip()
    }
    kept = {"id", "schemas", "meta"}
    return {
        key: value
        for key, value in resource.items()
        if key.lower() in kept or ((not wanted or key.lower() in wanted) and key.lower() not in dropped)
    }


def _wants_members(request: HttpRequest) -> bool:
    shaped = _shaped(request, {"members": [], "id": ""})
    return "members" in shaped


@scim_endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
def not_found(request):
    raise ScimError(404, f"Nothing is at {request.path}: see /scim/v2/ResourceTypes.")


@scim_endpoint("POST")
def search(request):
    raise ScimError(501, "Searching with POST /.search is not supported: filter with GET /Users or GET /Groups.")


@scim_endpoint("GET")
def service_provider_config(request):
    return scim_response(protocol.service_provider_config(_base_url(request)))


@scim_endpoint("GET")
def resource_types(request, name: str | None = None):
    found = protocol.resource_types(_base_url(request))
    if name is None:
        return scim_response(protocol.list_response(found, total=len(found)))
    return scim_response(_one(found, name))


@scim_endpoint("GET")
def schemas(request, name: str | None = None):
    found = protocol.schemas(_base_url(request))
    if name is None:
        return scim_response(protocol.list_response(found, total=len(found)))
    return scim_response(_one(found, name))


def _one(resources: list[dict[str, Any]], name: str) -> dict[str, Any]:
    match = next((resource for resource in resources if resource["id"] == name), None)
    if match is None:
        raise ScimError(404, f"No {name!r} here.")
    return match


def _visible_people():
    # A person the provider deleted answers 404 until reactivated (by the people import, or created again).
    return Person.objects.exclude(deleted_by_provider=True, is_active=False)


def _user(request: HttpRequest, person: Person, paths: dict[int, str] | None = None) -> dict[str, Any]:
    if paths is None:
        paths = {team_id: path for path, team_id in selectors.team_paths().items()}
    return _shaped(request, user_resource(person, base_url=_base_url(request), team_path=paths.get(person.team_id, "")))


def _person(person_id: str) -> Person:
    person = _visible_people().filter(pk=_id(person_id)).first()
    if person is None:
        raise ScimError(404, f"No User has the id {person_id!r}.")
    return person


@scim_endpoint("GET", "POST")
def users(request):
    if request.method == "POST":
        person = services.scim_user_create(asked=user_asked(_body(request)), token=request.scim_token)
        body = _user(request, person)
        return scim_response(body, status=201, location=body["meta"]["location"])
    people = _visible_people().order_by("pk")
    if "filter" in request.GET:
        people = people.filter(expressions.users_query(expressions.filter_parsed(request.GET["filter"])))
    page, total, start = _paged(request, people)
    paths = {team_id: path for path, team_id in selectors.team_paths().items()}
    found = [_user(request, person, paths) for person in page]
    return scim_response(protocol.list_response(found, total=total, start_index=start))


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def user(request, person_id: str):
    person = _person(person_id)
    token = request.scim_token
    if request.method == "DELETE":
        services.scim_user_delete(person_id=person.pk, token=token)
        return scim_response(None, status=204)
    if request.method == "PUT":
        person = services.scim_user_update(person_id=person.pk, asked=user_asked(_body(request)), token=token)
    elif request.method == "PATCH":
        paths = {team_id: path for path, team_id in selectors.team_paths().items()}
        current = user_resource(person, base_url=_base_url(request), team_path=paths.get(person.team_id, ""))
        patched, touched = expressions.patch_apply(current, _body(request))
        if not person.user_name and not any(name.startswith("emails") for name in touched):
            # The userName is the address (no other was kept): a PATCH of the userName alone moves the address.
            patched.pop("emails", None)
        asked = user_asked(patched, touched=touched)
        person = services.scim_user_update(person_id=person.pk, asked=asked, token=token)
    return scim_response(_user(request, person))


def _group(request: HttpRequest, team: Team, path: str, *, members: bool = True) -> dict[str, Any]:
    people = list(_visible_people().filter(team=team).order_by("pk")) if members else None
    return _shaped(request, group_resource(team, base_url=_base_url(request), path=path, members=people))


def _team(team_id: str) -> tuple[Team, str]:
    team = Team.objects.filter(pk=_id(team_id)).first()
    if team is None:
        raise ScimError(404, f"No Group has the id {team_id!r}.")
    return team, next(path for path, found in selectors.team_paths().items() if found == team.pk)


@scim_endpoint("GET", "POST")
def groups(request):
    if request.method == "POST":
        team = services.scim_group_create(asked=group_asked(_body(request)), token=request.scim_token)
        body = _group(request, *_team(str(team.pk)))
        return scim_response(body, status=201, location=body["meta"]["location"])
    paths = sorted(selectors.team_paths().items(), key=lambda item: item[1])
    teams = Team.objects.in_bulk([team_id for _, team_id in paths])
    wants_members = _wants_members(request)
    members: dict[int, list[Person]] = {}
    if wants_members or "filter" in request.GET:
        for person in _visible_people().order_by("pk"):
            members.setdefault(person.team_id, []).append(person)
    base_url = _base_url(request)
    found = [
        group_resource(teams[team_id], base_url=base_url, path=path, members=members.get(team_id, []))
        for path, team_id in paths
    ]
    if "filter" in request.GET:
        node = expressions.filter_parsed(request.GET["filter"])
        expressions.known_only(node, {"id", "displayname", "externalid", "members.value"})
        found = [resource for resource in found if expressions.matches(node, resource)]
    page, total, start = _paged(request, found)
    return scim_response(
        protocol.list_response([_shaped(request, resource) for resource in page], total=total, start_index=start)
    )


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def group(request, team_id: str):
    team, path = _team(team_id)
    token = request.scim_token
    if request.method == "DELETE":
        services.scim_group_delete(team_id=team.pk, token=token)
        return scim_response(None, status=204)
    if request.method == "PUT":
        team = services.scim_group_update(team_id=team.pk, asked=group_asked(_body(request)), token=token)
    elif request.method == "PATCH":
        people = list(_visible_people().filter(team=team).order_by("pk"))
        current = group_resource(team, base_url=_base_url(request), path=path, members=people)
        patched, touched = expressions.patch_apply(current, _body(request))
        asked = group_asked(patched)
        if "members" not in touched:
            asked = dataclasses.replace(asked, member_ids=None)
        elif asked.member_ids is None:
            asked = dataclasses.replace(asked, member_ids=[])  # {"op": "remove", "path": "members"}: all of them
        team = services.scim_group_update(team_id=team.pk, asked=asked, token=token)
    return scim_response(_group(request, *_team(str(team.pk)), members=_wants_members(request)))
