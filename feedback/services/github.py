"""GitHub webhook events → deployments, changes and incidents. The raw body is kept, append-only."""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from ..models import RawEvent, Repository
from .delivery import change_record, deployment_record, incident_forget, incident_record

SOURCE = "github"


class PayloadError(ValueError):
    """The payload lacks something its event type always carries."""


def _time(value) -> datetime:
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well-formed but impossible, such as month 13
        moment = None
    if moment is None or moment.tzinfo is None:
        raise PayloadError(f"{value!r} is not a timestamp with a time zone")
    return moment


def github_event_ingest(*, delivery_id: str, event: str, payload: dict) -> str:
    """Record one webhook delivery and what it means; return "duplicate", "ignored" or "recorded".

    The raw body and everything derived from it are written in one transaction: a payload that turns out
    malformed (PayloadError) leaves nothing behind. Events for repositories no team owns, and event types
    Align does not use, are kept raw and otherwise ignored.
    """
    if _holds_nul([delivery_id, event, payload]):
        raise PayloadError("it contains a NUL character, which cannot be stored")
    try:
        with transaction.atomic():
            RawEvent.objects.create(source=SOURCE, delivery_id=delivery_id, event=event, body=payload)
            return _apply(event, payload)
    except IntegrityError:
        if RawEvent.objects.filter(source=SOURCE, delivery_id=delivery_id).exists():
            return "duplicate"
        raise


def _holds_nul(value) -> bool:
    """Return whether any string in a decoded JSON value, keys included, holds a NUL (PostgreSQL cannot store one)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _apply(event: str, payload: dict) -> str:
    try:
        repository = Repository.objects.filter(full_name=payload["repository"]["full_name"]).first()
    except (KeyError, TypeError):
        return "ignored"  # e.g. a ping, or an organisation-level event
    if repository is None:
        return "ignored"
    handler = HANDLERS.get(event)
    if handler is None:
        return "ignored"
    try:
        return handler(repository, payload)
    except (KeyError, TypeError) as missing:
        raise PayloadError(f"the {event} payload lacks {missing}") from None


def _deployment_status(repository: Repository, payload: dict) -> str:
    status, deployment = payload["deployment_status"], payload["deployment"]
    if status["state"] != "success" or deployment["environment"] not in settings.ALIGN_PRODUCTION_ENVIRONMENTS:
        return "ignored"
    deployment_record(
        team=repository.team,
        external_id=str(deployment["id"]),
        finished_at=_time(status.get("updated_at") or status["created_at"]),
        environment=deployment["environment"],
        shas=[deployment["sha"]],
        source=SOURCE,
    )
    return "recorded"


def _push(repository: Repository, payload: dict) -> str:
    if payload["ref"] != f"refs/heads/{payload['repository']['default_branch']}":
        return "ignored"
    for commit in payload["commits"]:
        change_record(team=repository.team, sha=commit["id"], authored_at=_time(commit["timestamp"]))
    return "recorded"


def _pull_request(repository: Repository, payload: dict) -> str:
    pull = payload["pull_request"]
    if payload["action"] != "closed" or not pull["merged"]:
        return "ignored"
    change_record(team=repository.team, sha=pull["merge_commit_sha"], merged_at=_time(pull["merged_at"]))
    return "recorded"


def _issues(repository: Repository, payload: dict) -> str:
    issue = payload["issue"]
    labels = {label["name"].lower() for label in issue["labels"]}
    wanted = {label.lower() for label in settings.ALIGN_INCIDENT_LABELS}
    external_id = str(issue["id"])
    if not labels & wanted:
        return "recorded" if incident_forget(source=SOURCE, external_id=external_id) else "ignored"
    closed = issue["state"] == "closed" and issue.get("closed_at")
    incident_record(
        team=repository.team,
        external_id=external_id,
        opened_at=_time(issue["created_at"]),
        resolved_at=_time(issue["closed_at"]) if closed else None,
        source=SOURCE,
    )
    return "recorded"


HANDLERS = {
    "deployment_status": _deployment_status,
    "push": _push,
    "pull_request": _pull_request,
    "issues": _issues,
}
