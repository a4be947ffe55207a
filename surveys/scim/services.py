"""Writes of SCIM provisioning: people created, changed, deactivated; teams created, renamed, given members.

Every change is one line of the audit log (`feedback.services.audit.change_record`), naming the token. A person
is deactivated only through `people_deactivate`, as the people import deactivates: they stay on the invitations
of open cycles (frozen audiences), and the last admin who can open Manage cannot be deactivated.

Teams and groups: a Group is the team at its displayName's path. A person has one team, so a group can take a
member only from `UNASSIGNED` (where people the provider creates start) or from itself: adding someone who is in
another group is refused with 409, naming that group, rather than guessing which of the two the person is in.
Taken out of a group, a person goes back to `UNASSIGNED`. Roles and managed teams are Align's, never SCIM's.
"""

import dataclasses

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector

from feedback.models import ApiToken, ReportAccess
from feedback.services.audit import change_record

from .. import addresses, names, selectors
from ..models import Person, Team
from ..services.people import people_deactivate, person_save
from ..services.teams import team_save
from .protocol import ScimError
from .resources import GroupAsked, UserAsked

UNASSIGNED = "Unassigned"


def _actor(token: ApiToken) -> str:
    return f"SCIM token {token.name} ({token.prefix}…)"


def _middle_cut(text: str, limit: int) -> str:
    """Return text of at most `limit` characters: whole if it fits, else its start and end around an ellipsis."""
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    head = limit // 2
    tail = limit - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


def _subject(template: str, *parts: str) -> str:
    """Return an audit-log subject that fits its column: `template` ("{} → {}") filled with `parts`, each part cut in
    the middle only as much as the column needs (short parts stay whole, the long ones share what is left), so
    who, what and the group are all still there — a cut at the end lost the new value or the group."""
    room = ReportAccess._meta.get_field("subject").max_length - len(template.replace("{}", ""))
    allowed: dict[int, int] = {}
    for done, index in enumerate(sorted(range(len(parts)), key=lambda i: len(parts[i]))):
        allowed[index] = min(len(parts[index]), room // (len(parts) - done))
        room -= allowed[index]
    return template.format(*(_middle_cut(part, allowed[i]) for i, part in enumerate(parts)))


# What Align's fields are called in SCIM, to name them in a refusal: a person's (User) and a team's (Group).
SCIM_NAMES = {"email": "userName (the person's email address)", "name": "the name", "parent": "displayName"}
GROUP_NAMES = {"name": "displayName (the team's name, its last part)", "parent": "displayName"}


def _refused(error: ValidationError, labels: dict[str, str] = SCIM_NAMES) -> ScimError:
    """Return a refusal of Align's rules as SCIM says it: another's address or team name is 409 uniqueness, also
    when a concurrent request wrote it between our check and Django's unique check (code "unique")."""
    fields = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    detail = " ".join(
        f"{labels.get(field, field)}: {message}" if field and field != "__all__" else message
        for field, messages in fields.items()
        for message in messages
    )
    errors = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
    unique = any(item.code in ("unique", "unique_together") for items in errors for item in items)
    clash = ("already someone's address", "already has a team called", "already holds")
    if unique or any(words in detail for words in clash):
        return ScimError(409, detail, "uniqueness")
    return ScimError(400, detail, "invalidValue")


def unassigned_team() -> Team:
    """Return the top-level team people created by the provider start in, made if missing."""
    find = names.name_finder(dict(Team.objects.filter(parent=None).values_list("name", "id")))
    team_id = find(UNASSIGNED)
    return Team.objects.get(id=team_id) if team_id is not None else team_save(name=UNASSIGNED, parent=None)


def person_by_user_name(user_name: str) -> Person | None:
    """Return the person with this userName (any case; an address as Align compares addresses), or None."""
    by_name = Person.objects.filter(user_name__iexact=user_name).first()
    if by_name is not None:
        return by_name
    wanted = addresses.key(user_name)
    candidates = Person.objects.filter(email__iexact=addresses.stored(user_name), user_name="")
    return next((person for person in candidates if addresses.key(person.email) == wanted), None)


def _user_name_kept(asked: UserAsked) -> str:
    """Return the userName to keep beside the address: none when the userName is the address."""
    return "" if addresses.key(asked.user_name) == addresses.key(asked.address) else asked.user_name


def _person_write(*, person: Person | None, asked: UserAsked) -> Person:
    """Save a person's address, name and external id (reactivating them if asked); deactivation is not done here."""
    team = unassigned_team() if person is None else person.team
    try:
        saved = person_save(
            email=asked.address,
            name=asked.name,
            team=team,
            role=Person.Role.MEMBER if person is None else person.role,
            managed_teams=[] if person is None else list(person.managed_teams.all()),
            is_active=True if person is None or asked.active else person.is_active,
            person_id=None if person is None else person.pk,
        )
    except ValidationError as error:
        raise _refused(error) from None
    changed = ["external_id", "user_name", "given_name", "family_name"]
    changed += ["deleted_by_provider"] if asked.active else []
    changed += ["language"] if asked.language is not None else []
    saved.language = saved.language if asked.language is None else asked.language
    saved.external_id, saved.user_name = asked.external_id, _user_name_kept(asked)
    saved.given_name, saved.family_name = asked.given_name, asked.family_name
    saved.deleted_by_provider = saved.deleted_by_provider and not asked.active
    saved.save(update_fields=changed)
    return saved


def _deactivate(*, person: Person, token: ApiToken) -> None:
    try:
        deactivated = people_deactivate(person_ids=[person.pk])
    except ValidationError as error:
        raise ScimError(400, " ".join(error.messages), "invalidValue") from None
    if deactivated:
        change_record(actor=_actor(token), action="scim:user_deactivate", subject=_subject("{}", person.email))


@transaction.atomic
def scim_user_create(*, asked: UserAsked, token: ApiToken) -> Person:
    """Create a person (a member, in `UNASSIGNED`) from a User, or raise ScimError.

    An address that is already a person's is 409 uniqueness, except a person the provider deleted: creating them
    again reactivates and updates them (their history stays theirs).
    """
    existing = person_by_user_name(asked.user_name) or person_by_user_name(asked.address)
    if existing is not None and not (existing.deleted_by_provider and not existing.is_active):
        raise ScimError(409, f"{asked.user_name} is already a User (id {existing.pk}).", "uniqueness")
    if existing is not None:
        asked = dataclasses.replace(asked, active=True)
    person = _person_write(person=existing, asked=asked)
    change_record(
        actor=_actor(token),
        action="scim:user_create" if existing is None else "scim:user_restore",
        subject=_subject("{}", person.email),
    )
    if not asked.active:
        _deactivate(person=person, token=token)
    return Person.objects.get(pk=person.pk)


@transaction.atomic
def scim_user_update(*, person_id: int, asked: UserAsked, token: ApiToken) -> Person:
    """Change a person to what a User (PUT, or a patched User) asks: address, name, external id, active."""
    person = Person.objects.select_for_update().get(pk=person_id)
    other = person_by_user_name(asked.user_name)
    if other is not None and other.pk != person.pk:
        raise ScimError(409, f"{asked.user_name} is already another User (id {other.pk}).", "uniqueness")
    before = (
        person.email,
        person.user_name,
        person.name,
        person.external_id,
        person.is_active,
        person.language or "default",
    )
    saved = _person_write(person=person, asked=asked)
    after = (saved.email, saved.user_name, saved.name, saved.external_id, saved.is_active, saved.language or "default")
    if after != before:
        labels = ("address", "userName", "name", "externalId", "active", "language")
        changes = [
            (label, str(old), str(new)) for label, old, new in zip(labels, before, after, strict=True) if old != new
        ]
        template = "{}: " + "; ".join(f"{label} {{}} → {{}}" for label, _, _ in changes)
        subject = _subject(template, saved.email, *(value for _, old, new in changes for value in (old, new)))
        change_record(actor=_actor(token), action="scim:user_update", subject=subject)
    if not asked.active and saved.is_active:
        _deactivate(person=saved, token=token)
    return Person.objects.get(pk=person.pk)


@transaction.atomic
def scim_user_delete(*, person_id: int, token: ApiToken) -> None:
    """Deactivate a person the provider deleted, and hide them from SCIM until they are reactivated."""
    person = Person.objects.select_for_update().get(pk=person_id)
    if person.is_active:
        _deactivate(person=person, token=token)
    Person.objects.filter(pk=person.pk).update(deleted_by_provider=True)
    change_record(actor=_actor(token), action="scim:user_delete", subject=_subject("{}", person.email))


def _path_split(path: str) -> tuple[Team | None, str]:
    """Return the parent team a group's path names and the team's own name, or raise ScimError 400."""
    parts = [part for part in path.strip().strip("/").split("/")]
    name, parent_path = parts[-1], "/".join(parts[:-1])
    if not parent_path:
        return None, name
    parent_id = names.name_finder(selectors.team_paths())(parent_path)
    if parent_id is None:
        raise ScimError(
            400,
            f"No team is at {parent_path!r}: create that group first (a Group's displayName is a team path).",
            "invalidValue",
        )
    return Team.objects.get(id=parent_id), name


def _team_write(*, team_id: int | None, path: str) -> Team:
    parent, name = _path_split(path)
    try:
        return team_save(name=name, parent=parent, team_id=team_id)
    except ValidationError as error:
        raise _refused(error, GROUP_NAMES) from None


def _members_set(*, team: Team, member_ids: list[int], path: str, token: ApiToken) -> None:
    """Make `member_ids` the team's members: people taken out go to `UNASSIGNED`; a person in another group (not
    `UNASSIGNED`) is refused with 409, since a person has one team in Align."""
    wanted = set(member_ids)
    people = {person.pk: person for person in Person.objects.select_for_update().filter(pk__in=wanted)}
    unknown = sorted(wanted - set(people))
    if unknown:
        raise ScimError(400, f"No User has the id {', '.join(map(str, unknown))}.", "invalidValue")
    holding = unassigned_team()
    paths = {team_id: team_path for team_path, team_id in selectors.team_paths().items()}
    for person in people.values():
        if person.team_id not in (team.pk, holding.pk):
            raise ScimError(
                409,
                f"{person.email} is a member of the group {paths.get(person.team_id)!r} (id {person.team_id}): a "
                f"person belongs to one team in Align. Remove them from that group before adding them to {path!r}.",
                "uniqueness",
            )
    joining = [person for person in people.values() if person.team_id != team.pk]
    leaving = list(
        Person.objects.select_for_update().filter(team=team, deleted_by_provider=False).exclude(pk__in=wanted)
    )
    if team.pk == holding.pk:
        leaving = []  # the people in UNASSIGNED are there because no group has them
    Person.objects.filter(pk__in=[person.pk for person in joining]).update(team=team)
    Person.objects.filter(pk__in=[person.pk for person in leaving]).update(team=holding)
    for person in joining:
        change_record(actor=_actor(token), action="scim:member_add", subject=_subject("{} → {}", person.email, path))
    for person in leaving:
        change_record(actor=_actor(token), action="scim:member_remove", subject=_subject("{} ← {}", person.email, path))


def _path_of(team: Team) -> str:
    return next(path for path, team_id in selectors.team_paths().items() if team_id == team.pk)


@transaction.atomic
def scim_group_create(*, asked: GroupAsked, token: ApiToken) -> Team:
    """Create the team at a Group's displayName path (its parent must exist) with its members, or raise ScimError:
    409 uniqueness if a team is already there (find it with `displayName eq "…"` and link to it instead)."""
    existing = names.name_finder(selectors.team_paths())(asked.path.strip().strip("/"))
    if existing is not None:
        raise ScimError(409, f"A team is already at {asked.path!r} (Group id {existing}).", "uniqueness")
    team = _team_write(team_id=None, path=asked.path)
    team.external_id = asked.external_id
    team.save(update_fields=["external_id"])
    path = _path_of(team)
    change_record(actor=_actor(token), action="scim:group_create", subject=_subject("{}", path))
    if asked.member_ids:
        _members_set(team=team, member_ids=asked.member_ids, path=path, token=token)
    return team


@transaction.atomic
def scim_group_update(*, team_id: int, asked: GroupAsked, token: ApiToken) -> Team:
    """Rename or move a team to a Group's displayName path, set its external id and (unless `member_ids` is None)
    its members."""
    team = Team.objects.select_for_update().get(pk=team_id)
    before_path, before_external = _path_of(team), team.external_id
    if names.name_stored(asked.path.strip().strip("/")) != before_path:
        team = _team_write(team_id=team.pk, path=asked.path)
    team.external_id = asked.external_id
    team.save(update_fields=["external_id"])
    path = _path_of(team)
    if (path, team.external_id) != (before_path, before_external):
        moved = path != before_path
        subject = (
            _subject("{} → {}", before_path, path) if moved else _subject("{}: externalId {}", path, asked.external_id)
        )
        change_record(actor=_actor(token), action="scim:group_update", subject=subject)
    if asked.member_ids is not None:
        _members_set(team=team, member_ids=asked.member_ids, path=path, token=token)
    return team


def _team_holds_anything(team: Team) -> bool:
    """Return whether deleting a team would take anything with it (sub-teams, people, metric values, deliveries,
    repositories, actions, findings, its place in a schedule's or cycle's audience) or is forbidden (past results)."""
    collector = Collector(using=router.db_for_write(Team))
    try:
        collector.collect([team])
    except (ProtectedError, RestrictedError):
        return True
    if any(model is not Team and rows for model, rows in collector.data.items()):
        return True
    return any(queryset.exists() for queryset in collector.fast_deletes)


@transaction.atomic
def scim_group_delete(*, team_id: int, token: ApiToken) -> None:
    """Delete a team the provider deleted, only while it holds nothing (`_team_holds_anything`); otherwise raise
    ScimError 409: Align keeps the team (unlink or rename the group in the provider instead)."""
    team = Team.objects.select_for_update().get(pk=team_id)
    path = _path_of(team)
    if _team_holds_anything(team):
        raise ScimError(
            409,
            f"{path!r} still holds people, sub-teams, metrics, audiences or past results, so Align keeps it. Move "
            "its people to other groups, or unlink the group in the identity provider instead of deleting it.",
        )
    team.delete()
    change_record(actor=_actor(token), action="scim:group_delete", subject=_subject("{}", path))
