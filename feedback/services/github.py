"""GitHub webhook events → deployments, changes and incidents. The raw body is kept, append-only."""

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from surveys import time_limits
from surveys.models import Team

from ..api_parsers import DATE_TIME, identifier_text, unstorable_text
from ..models import Incident, RawEvent, Repository
from .delivery import (
    ASCII_LOWER,
    Contradiction,
    ahead_problem,
    change_record,
    deployment_record,
    environment_ignored,
    incident_forget,
    incident_record,
    production_environment,
    repository_connect,
    repository_named,
)
from .jobs import job_progress

SOURCE = "github"


class PayloadError(ValueError):
    """The payload lacks something its event type always carries."""


class Ignored(str):
    """The status "ignored", with `detail` saying why (the webhook answers it): compares equal to "ignored"."""

    detail: str

    def __new__(cls, detail: str):
        status = super().__new__(cls, "ignored")
        status.detail = detail
        return status


def _time(value, field: str) -> datetime:
    """Read a payload's timestamp, named `field` in messages. One outside the times Align accepts
    (surveys.time_limits: year 1, 9999), or later than now (delivery.ahead_problem: every event GitHub sends has
    happened; a commit's time is its author's clock), is well-formed, and a redelivery would send it unchanged:
    a Contradiction, so the delivery is kept raw and nothing of it counts."""
    # The API's rule (api_parsers.DATE_TIME): a calendar date and time, t and z in either case as RFC 3339 allows;
    # not a week date or a compact one, which parse_datetime would also read.
    try:
        moment = parse_datetime(value.upper()) if isinstance(value, str) and DATE_TIME.fullmatch(value) else None
    except ValueError:  # well-formed but impossible, such as month 13
        moment = None
    if moment is None or moment.tzinfo is None:
        raise PayloadError(f"{field} {value!r} is not a timestamp with a time zone")
    if not time_limits.accepts(moment):
        raise Contradiction(field, f"{field} {value!r} is outside the times Align accepts, {time_limits.ACCEPTED}")
    problem = ahead_problem(moment, shown=f"{field} {value!r}")
    if problem:
        raise Contradiction(field, problem)
    return moment


def _shown(value) -> str:
    """Return a payload value as JSON writes it, cut short (null, true, 12.5, [...])."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:40] + "…"


def _text(data: dict, key: str, field: str) -> str:
    """Return a payload's text field (a commit id, an environment, a branch), named `field` in messages; raise
    PayloadError naming it when it is null, empty or not text (str() made 'None' of a null, and .strip() a Python
    error of it)."""
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{field} is {_shown(value)}, where GitHub sends text")
    return value


def _identifier(data: dict, key: str, field: str) -> str:
    """Return a payload's id (GitHub's are whole numbers) as the text it is stored under, by the API's rule
    (api_parsers.identifier_text: 12345 and 12345.0 are one id); raise PayloadError naming the field for a null,
    a fraction, true/false or empty text: str() stored a null deployment id as the id 'None'."""
    value = data[key]
    try:
        text = identifier_text(value)
    except ValueError as problem:
        raise PayloadError(f"{field} is {_shown(value)}: {problem}") from None
    if not text.strip():
        raise PayloadError(f"{field} is empty")
    return text


def github_event_ingest(*, delivery_id: str, event: str, payload: dict) -> str:
    """Record one webhook delivery and what it means; return "duplicate", "ignored", "outdated" or "recorded".

    The raw body and everything derived from it are written in one transaction: a payload that turns out
    malformed (PayloadError) leaves nothing behind. Events for repositories no team owns, and event types
    Align does not use, are kept raw and otherwise ignored. GitHub does not promise to deliver events in the
    order they happened: one older than the state Align holds is kept raw and is "outdated".

    An event whose fields contradict what its table holds to (an issue closed before it was created, an id
    longer than its column) is kept raw and nothing of it is counted: raise Contradiction, saying why, after
    the raw body is stored. A delivery received before (GitHub's Redeliver sends the same X-GitHub-Delivery) is
    applied again as kept: one ignored then because its repository was not connected counts now ("recorded");
    otherwise it changes nothing ("duplicate").
    """
    problem = unstorable_text([delivery_id, event, payload])
    if problem:
        raise PayloadError(problem)
    try:
        with transaction.atomic():
            RawEvent.objects.create(source=SOURCE, delivery_id=delivery_id, event=event, body=payload)
            try:
                with transaction.atomic():  # a savepoint: a contradicting event leaves only its raw body
                    return _apply(event, payload)
            except Contradiction as contradicting:
                contradiction = contradicting
    except IntegrityError:
        if RawEvent.objects.filter(source=SOURCE, delivery_id=delivery_id).exists():
            kept = RawEvent.objects.get(source=SOURCE, delivery_id=delivery_id)
            return "recorded" if _replay(kept) == "recorded" else "duplicate"
        raise
    raise contradiction


def _replay(raw: RawEvent) -> str:
    """Apply a kept delivery again, in a transaction of its own, and return what it did. One that turns out
    malformed or contradicting (kept because its repository was not connected, so never read) is "ignored"."""
    try:
        with transaction.atomic():
            return _apply(raw.event, raw.body)
    except (PayloadError, Contradiction):
        return "ignored"


def _apply(event: str, payload: dict) -> str:
    try:
        repository = _repository(payload["repository"])
    except (KeyError, TypeError, AttributeError):
        return "ignored"  # e.g. a ping, or an organisation-level event
    if repository is None:
        return "ignored"
    handler = HANDLERS.get(event)
    if handler is None:
        return "ignored"
    try:
        return handler(repository, payload)
    except (KeyError, TypeError, AttributeError) as missing:
        raise PayloadError(f"the {event} payload lacks {missing}") from None


def _repository(data: dict) -> Repository | None:
    """Return the connected repository an event is about: by GitHub's id, else by name (learning its id).

    1. A repository's id stays when it is renamed or transferred; its full_name does not. An event whose id
       a connected repository holds is that repository's, and a new name is kept for the page.
    2. Otherwise the name is looked up as GitHub compares names (ignoring ASCII case). The first event of a
       repository with no id yet teaches it; one holding another id is a different repository that took the
       name (GitHub lets a name be reused), and is not matched.
    """
    full_name = data["full_name"]
    github_id = _github_id(data.get("id"))
    if github_id is not None:
        by_id = Repository.objects.select_for_update().select_related("team").filter(github_id=github_id).first()
        if by_id is not None:
            named = repository_named(full_name, lock=True)
            if named is not None and named.pk != by_id.pk:
                # An admin connected the new name too: theirs is the later decision, and takes the id.
                by_id.github_id = None
                by_id.save(update_fields=["github_id"])
                named.github_id = github_id
                named.save(update_fields=["github_id"])
                return Repository.objects.select_related("team").get(pk=named.pk)
            if by_id.full_name != full_name and _repository_name(full_name):
                by_id.full_name = full_name
                by_id.save(update_fields=["full_name"])
            return by_id
    repository = repository_named(full_name)
    if repository is None or github_id is None:
        return repository
    if repository.github_id is None:
        repository.github_id = github_id
        repository.save(update_fields=["github_id"])
        return repository
    return repository if repository.github_id == github_id else None


def _github_id(value) -> int | None:
    """Return a payload's repository id if a repository can keep it (a positive 64-bit integer), else None: JSON
    allows any integer, and a larger one would fail the save (SQLite's driver raises OverflowError)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63 else None


def _repository_name(full_name) -> bool:
    """Return whether a name is one a repository can keep, as the connect form requires (owner/name in ASCII,
    at most 200 characters): PostgreSQL's lower() folds some other letters (the Kelvin sign) into ASCII ones,
    and the name could then collide with another connected repository's in the unique constraint."""
    try:
        Repository._meta.get_field("full_name").run_validators(full_name)
    except (ValidationError, TypeError):
        return False
    return isinstance(full_name, str)


def unmatched_repositories(*, limit: int = 1000) -> list[tuple[str, int, datetime]]:
    """Return (name, deliveries, last received) of repositories in the latest `limit` GitHub deliveries that no
    connected repository matches by id or name, most recent first: the events Align kept and ignored."""
    recent = RawEvent.objects.filter(source=SOURCE).order_by("-received_at", "-id")[:limit]
    rows = recent.values_list("body__repository__full_name", "body__repository__id", "received_at")
    connected = {name.translate(ASCII_LOWER) for name in Repository.objects.values_list("full_name", flat=True)}
    ids = set(Repository.objects.exclude(github_id=None).values_list("github_id", flat=True))
    seen: dict[str, list] = {}
    for name, github_id, received_at in rows:
        if not isinstance(name, str) or name.translate(ASCII_LOWER) in connected or github_id in ids:
            continue
        entry = seen.setdefault(name, [name, 0, received_at])
        entry[1] += 1
    return [tuple(entry) for entry in seen.values()]


def github_repository_connect(*, full_name: str, team: Team) -> tuple[Repository, int]:
    """Count a repository's GitHub events for a team (repository_connect); return it and how many deliveries
    kept from before it was connected are being counted.

    GitHub does not send a delivery again by itself, so a repository connected now has its kept deliveries
    replayed shortly after (repository_events_replay, in a task after commit). One re-pointed to another team
    replays nothing: its events were counted already, and those to come count for the new team.
    """
    with transaction.atomic():
        new = repository_named(full_name.strip().strip("/")) is None
        repository = repository_connect(full_name=full_name, team=team)
        kept = len(_deliveries_to_replay(repository)) if new else 0
        if kept:
            from ..tasks import repository_events_replay_task

            transaction.on_commit(lambda: repository_events_replay_task.delay(repository.id))
    return repository, kept


def _deliveries_to_replay(repository: Repository) -> list[int]:
    """Return the ids of the kept deliveries that are a repository's and that no other connected repository
    counted: named as it is (ignoring ASCII case), or carrying its GitHub id. A repository without an id learns
    that of the latest delivery named so, as the first event matched by name would have taught it."""
    others = Repository.objects.exclude(pk=repository.pk).exclude(github_id=None).values_list("github_id", flat=True)
    others = set(others)
    kept = RawEvent.objects.filter(source=SOURCE).order_by("received_at", "id")
    # iexact folds letters beyond ASCII too (in PostgreSQL); GitHub's comparison, ASCII case only, decides.
    candidates = kept.filter(body__repository__full_name__iexact=repository.full_name).values_list(
        "id", "body__repository__full_name", "body__repository__id"
    )
    name = repository.full_name.translate(ASCII_LOWER)
    named = [
        (pk, _github_id(github_id))
        for pk, full_name, github_id in candidates
        if isinstance(full_name, str) and full_name.translate(ASCII_LOWER) == name
    ]
    named = [(pk, github_id) for pk, github_id in named if github_id is None or github_id not in others]
    if repository.github_id is None:
        latest = next((github_id for _, github_id in reversed(named) if github_id is not None), None)
        if latest is not None:
            repository.github_id = latest
            repository.save(update_fields=["github_id"])
    if repository.github_id is None:
        return [pk for pk, _ in named]
    by_id = kept.filter(body__repository__id=repository.github_id).values_list("id", flat=True)
    return sorted({pk for pk, _ in named} | set(by_id))


def repository_events_replay(*, repository_id: int, job=None) -> dict[str, int]:
    """Apply a connected repository's kept deliveries (`_deliveries_to_replay`) in the order received, each in a
    transaction of its own; return how many were "recorded", "outdated" or "ignored".

    Safe to run again, and alongside live deliveries: every event changes what is stored only if it is newer,
    and a change keeps its earliest times, so a delivery applied twice counts once (a rerun records nothing).
    """
    repository = Repository.objects.get(pk=repository_id)
    pending = _deliveries_to_replay(repository)
    counts = {"recorded": 0, "outdated": 0, "ignored": 0}
    for done, raw in enumerate(RawEvent.objects.filter(pk__in=pending).order_by("received_at", "id").iterator(), 1):
        status = _replay(raw)
        counts[status if status in counts else "ignored"] += 1
        if job is not None and done % 100 == 0:
            job_progress(job, done=done, total=len(pending))
    return counts


def _folded(names) -> set[str]:
    """Return names as GitHub compares environment names and labels: ignoring case (Unicode case folding)."""
    return {name.strip().casefold() for name in names}


def _deployment_status(repository: Repository, payload: dict) -> str:
    status, deployment = payload["deployment_status"], payload["deployment"]
    if status["state"] != "success":
        return "ignored"
    # GitHub: "Environment names are not case sensitive" (docs, "Managing environments for deployment"): a
    # deployment to Production is one to production; and a deployment created with production_environment: true
    # is to "an environment that end-users directly interact with", whatever it is called (production-eu). The
    # API follows the same rule (production_environment).
    environment = _text(deployment, "environment", "deployment.environment")
    marked = deployment.get("production_environment") is True
    if not production_environment(environment, marked=marked):
        return Ignored(environment_ignored(environment))
    # A deployment's statuses are separate events and may arrive in any order: the newest success holds.
    field = "deployment_status.updated_at" if status.get("updated_at") else "deployment_status.created_at"
    finished_at = _time(status.get("updated_at") or status["created_at"], field)
    recorded = deployment_record(
        team=repository.team,
        external_id=_identifier(deployment, "id", "deployment.id"),
        finished_at=finished_at,
        environment=environment,
        marked_production=marked,
        shas=[_text(deployment, "sha", "deployment.sha")],
        source=SOURCE,
        updated_at=finished_at,
    )
    return "recorded" if recorded else "outdated"


def _push(repository: Repository, payload: dict) -> str:
    # Branch names are compared exactly: Git's refs are case-sensitive, and both come from the same payload.
    default = _text(payload["repository"], "default_branch", "repository.default_branch")
    if _text(payload, "ref", "ref") != f"refs/heads/{default}":
        return Ignored(f"{payload['ref']} is not the default branch, {default}: only its commits reach production")
    changed = [
        change_record(
            team=repository.team,
            sha=_text(commit, "id", f"commits[{index}].id"),
            authored_at=_time(commit["timestamp"], f"commits[{index}].timestamp"),
        )
        for index, commit in enumerate(payload["commits"])
    ]
    if not changed:
        return "ignored"
    return "recorded" if any(changed) else "outdated"


def _pull_request(repository: Repository, payload: dict) -> str:
    """Record a pull request merged into the repository's default branch as a change (merged_at, its merge
    commit); one merged into any other branch has not reached production, as a push to that branch has not.

    GitHub's payload names the branch merged into as `pull_request.base.ref` ("main", without refs/heads/),
    and the default branch as `repository.default_branch`: both the base repository's, even for a pull
    request from a fork. Compared exactly, as Git's refs are.
    """
    pull = payload["pull_request"]
    if payload["action"] != "closed" or not pull["merged"]:
        return "ignored"
    base = _text(pull["base"], "ref", "pull_request.base.ref")
    default = _text(payload["repository"], "default_branch", "repository.default_branch")
    if base != default:
        return Ignored(
            f"pull request merged into {base}, not the default branch {default}: only merges into it reach production"
        )
    changed = change_record(
        team=repository.team,
        sha=_text(pull, "merge_commit_sha", "pull_request.merge_commit_sha"),
        merged_at=_time(pull["merged_at"], "pull_request.merged_at"),
    )
    return "recorded" if changed else "outdated"


# An issue gone from the repository: nothing later can make it an incident again.
ISSUE_GONE = {"deleted", "transferred"}
# The order of an issue's events within one second, by what each says happened. GitHub's times are whole seconds,
# and one issue's events often share one: an issue opened with a label is "opened" (labels []) then "labeled" in
# the same second, and GitHub need not move updated_at when it deletes one. Opening comes first, then whatever is
# done to the open issue (labelling, editing), then closing or reopening, and a deletion or transfer last. Any
# other action is done to the issue as it stands, and ranks with labelling.
ISSUE_ACTION_ORDER = {"opened": 0, "closed": 2, "reopened": 2, "deleted": 3, "transferred": 3}
ISSUE_ACTION_ORDER_OTHERWISE = 1


def _issue_state_time(updated_at: datetime, action) -> datetime:
    """Return the time an issue event's state holds from: its updated_at (GitHub's, whole seconds) with the
    action's order within that second (ISSUE_ACTION_ORDER) in the microseconds, which GitHub's times never use.
    So of two events of one second the later action is the newer state whichever arrives first (incident_record
    compares state times), and an older second still loses to any newer one."""
    order = ISSUE_ACTION_ORDER.get(action, ISSUE_ACTION_ORDER_OTHERWISE) if isinstance(action, str) else 1
    return updated_at.replace(microsecond=0) + timedelta(microseconds=order)


def _issues(repository: Repository, payload: dict) -> str:
    """Apply an issue's state as of its updated_at: an incident while it carries an incident label.

    Deliveries may arrive out of order, and each carries the whole issue as of its updated_at, so the newest
    decides and an older one arriving late changes nothing (incident_record). An issue without the label is
    kept too, as not counted: had it been left out, an older "labeled" arriving after the "unlabeled" (or
    after any later event) would make it an incident again.
    """
    issue = payload["issue"]
    # GitHub labels are case-insensitive: a repository cannot hold both "Incident" and "incident" (creating
    # the second fails, "Name has already been taken").
    names = [_text(label, "name", f"issue.labels[{n}].name") for n, label in enumerate(issue["labels"])]
    labelled = bool(_folded(names) & _folded(settings.ALIGN_INCIDENT_LABELS))
    counted = labelled and payload["action"] not in ISSUE_GONE
    closed = issue["state"] == "closed" and issue.get("closed_at")
    state = {
        "team": repository.team,
        "external_id": _identifier(issue, "id", "issue.id"),
        "opened_at": _time(issue["created_at"], "issue.created_at"),
        "resolved_at": _time(issue["closed_at"], "issue.closed_at") if closed else None,
        "source": SOURCE,
        "updated_at": _issue_state_time(_time(issue["updated_at"], "issue.updated_at"), payload["action"]),
    }
    was_counted = Incident.objects.filter(source=SOURCE, external_id=state["external_id"], counted=True).exists()
    changed = incident_record(**state) is not None if counted else incident_forget(**state)
    if not (counted or was_counted):
        return "ignored"  # not an incident, before or after
    return "recorded" if changed else "outdated"


HANDLERS = {
    "deployment_status": _deployment_status,
    "push": _push,
    "pull_request": _pull_request,
    "issues": _issues,
}
