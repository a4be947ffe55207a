"""The people CSV import: a plan to preview, then the same plan written at once."""

import hashlib
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from .. import addresses, names, people_csv, selectors
from ..models import Person
from .people import (
    MANAGE,
    access_of,
    field_length,
    logins_reactivate,
    lost_words,
    nobody_left_to_manage,
    people_deactivated_write,
)


@dataclass
class ImportPlan:
    rows: list[people_csv.PersonRow]
    file_errors: list[str]
    created: list[str]
    updated: list[str]  # people the file changes (`changes` says how)
    deactivated: list[Person]
    # People on a valid line whom the file leaves as they are: an export imported again changes nobody.
    unchanged: list[str] = field(default_factory=list)
    # By line: what the line changes for its person, in words ("stops managing Onboarding", "role manager → member")
    changes: dict[int, list[str]] = field(default_factory=dict)
    # By line: access the line's person keeps that the file does not carry ("still manages Acme/Sales (…)")
    kept: dict[int, str] = field(default_factory=dict)
    # By line, and by deactivated person's id: the login access they lose ("loses access to Manage and reports")
    access_lost: dict[int, str] = field(default_factory=dict)
    deactivated_access_lost: dict[int, str] = field(default_factory=dict)
    # Why the import may not be done although every line is valid: it would leave nobody able to open Manage, or
    # lock out the admin importing it.
    refusals: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.file_errors and not self.refusals and not any(row.errors for row in self.rows)

    @property
    def access_losses(self) -> list[tuple[str, str]]:
        """Return (who, what they lose) for everyone the import takes login access from, lines first."""
        by_line = [
            (f"line {row.line}, {row.email}", self.access_lost[row.line])
            for row in self.rows
            if row.line in self.access_lost
        ]
        return by_line + [
            (f"{person.name} ({person.email}), deactivated", self.deactivated_access_lost[person.id])
            for person in self.deactivated
            if person.id in self.deactivated_access_lost
        ]

    @property
    def digest(self) -> str:
        """Return a SHA-256 hex digest of everything the preview shows the import doing: who is added, who is
        updated and how, who is deactivated. Two plans with the same digest make the same changes."""
        shown = {
            "created": self.created,
            "updated": self.updated,
            "deactivated": [(person.id, person.email) for person in self.deactivated],
            "changes": sorted(self.changes.items()),
            "kept": sorted(self.kept.items()),
            "access_lost": sorted(self.access_lost.items()),
            "deactivated_access_lost": sorted(self.deactivated_access_lost.items()),
            "rows": [
                (row.line, row.email, row.name, row.team_id, row.role, row.manages_team, row.language)
                for row in self.rows
            ],
        }
        return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()

    @property
    def error_rows(self) -> list[people_csv.PersonRow]:
        return [row for row in self.rows if row.errors]


def _people_by_address(queryset) -> dict[str, Person]:
    """Return people by `addresses.key`: the same mailbox however its address was spelt when stored."""
    return {addresses.key(person.email): person for person in queryset}


def _managed_after(*, managed: set[int], team_id: int | None, row: people_csv.PersonRow) -> set[int]:
    """Return the teams a person manages after their line is imported.

    The manager column says whether the person manages their own team, so it is the whole truth about that:
    the team they were in (what the export said of it) and the team the line puts them in. Teams they manage
    beyond their own are not in the file and stay (the preview says so).
    """
    after = managed - {team_id, row.team_id}
    return after | {row.team_id} if row.manages_team else after


def _changes(person: Person | None, row: people_csv.PersonRow, paths: dict[int, str]) -> list[str]:
    """Return what importing a valid line changes for its person (None: a new person), in words."""
    managed = set() if person is None else {team.id for team in person.managed_teams.all()}
    after = _managed_after(managed=managed, team_id=None if person is None else person.team_id, row=row)
    words = []
    if person is not None:
        if not person.is_active:
            words.append("reactivated")
        if names.name_stored(person.name) != row.name:
            words.append(f"name {person.name} → {row.name}")
        if person.team_id != row.team_id:
            words.append(f"moves from {paths.get(person.team_id, '?')} to {paths[row.team_id]}")
        if person.role != row.role:
            words.append(f"role {person.role} → {row.role}")
        if row.language is not None and person.language != row.language:
            words.append(f"language {person.language or 'default'} → {row.language or 'default'}")
    words += [f"starts managing {paths[team_id]}" for team_id in sorted(after - managed, key=paths.get)]
    words += [f"stops managing {paths.get(team_id, '?')}" for team_id in sorted(managed - after, key=paths.get)]
    return words


def _kept(person: Person | None, row: people_csv.PersonRow, paths: dict[int, str]) -> str:
    """Return the teams beyond their own that a line's person goes on managing, which the file does not carry."""
    managed = set() if person is None else {team.id for team in person.managed_teams.all()}
    after = _managed_after(managed=managed, team_id=None if person is None else person.team_id, row=row)
    kept = sorted(paths.get(team_id, "?") for team_id in after - {row.team_id})
    return f"still manages {', '.join(kept)} (not in the file: change it on the person's page)" if kept else ""


def _access_refusals(
    *,
    rows: list[people_csv.PersonRow],
    existing: dict[str, Person],
    before: dict[int, set[str]],
    after: dict[int, set[str]],
    deactivated_ids: set[int],
    importer,
) -> list[str]:
    """Return why the import may not be done: it takes Manage from the last who had it (afterwards no active person
    with the admin role and a login, and no Django superuser), or the importing admin would lose Manage."""
    refusals = []
    leaving = {person.user_id for person in existing.values() if person.id in deactivated_ids and person.user_id}
    if nobody_left_to_manage(before=before, after=after, leaving_user_ids=leaving):
        refusals.append(
            "After this import nobody could open Manage: no line makes an active person with a login an admin "
            "(role admin), and no Django superuser is left (a superuser the file leaves out is deactivated with "
            "their login). Keep at least one admin who has a login in the file."
        )
    if importer is None or not importer.is_authenticated or importer.is_superuser:
        return refusals
    own = next((person for person in existing.values() if person.user_id == importer.pk), None)
    if own is not None and MANAGE not in after.get(own.id, set()):
        line = next((row for row in rows if addresses.key(row.email) == addresses.key(own.email)), None)
        why = (
            f"line {line.line} makes you {line.role}"
            if line is not None
            else "you are not in the file, so you would be deactivated"
        )
        refusals.append(
            f"This import removes your own access to Manage ({why}): you would be locked out half-way. Keep "
            "yourself in the file as an admin, or ask another admin to import it."
        )
    return refusals


def people_import_plan(*, csv_text: str, importer=None) -> ImportPlan:
    """Return what importing this CSV would do, with every problem found, without changing anything.

    A line finds its person by address as `addresses.key` compares them (case, NFKC, IDNA): ANN@ｅｘａｍｐｌｅ.com
    updates ann@example.com rather than making a new person and deactivating her. `changes` says, per valid
    line, what changes for its person: name, team, role, reactivation and every team they start or stop
    managing; `kept` the teams they go on managing that the file does not carry; `access_lost` (per line) and
    `deactivated_access_lost` (per deactivated person's id) the login access to Manage or reports they lose.
    `refusals` says why a valid file may still not be imported: it would leave no active admin with a login
    (Django superusers count as admins), or `importer` (the User importing; None: nobody's own access is
    checked) would lose Manage.
    """
    lengths = {field: field_length(field) for field in ("email", "name")}
    team_ids = selectors.team_paths()
    rows, file_errors = people_csv.parse(csv_text, team_ids=team_ids, lengths=lengths)
    existing = _people_by_address(Person.objects.select_related("user").prefetch_related("managed_teams"))
    emails = {addresses.key(row.email) for row in rows}
    paths = {team_id: path for path, team_id in team_ids.items()}
    deactivated = sorted(
        (p for email, p in existing.items() if email not in emails and p.is_active), key=lambda p: p.email
    )
    # What each existing person's login opens before and after the import (people not in the file: deactivated).
    before, after, by_line = {}, {}, {}
    leaving = {person.id for person in deactivated}
    for person in existing.values():
        managed = {team.id for team in person.managed_teams.all()}
        before[person.id] = access_of(person=person, role=person.role, active=person.is_active, managed=managed)
        after[person.id] = set() if person.id in leaving else before[person.id]
    for row in rows:
        person = existing.get(addresses.key(row.email))
        if person is None or row.errors:
            continue
        managed = {team.id for team in person.managed_teams.all()}
        managed = _managed_after(managed=managed, team_id=person.team_id, row=row)
        after[person.id] = access_of(person=person, role=row.role, active=True, managed=managed)
        by_line[row.line] = person.id
    valid_rows = [row for row in rows if not row.errors]
    changes = {row.line: _changes(existing.get(addresses.key(row.email)), row, paths) for row in valid_rows}
    # A line of someone who exists is an update when it changes them, or may (its errors hide what it would do).
    same = {row.line for row in valid_rows if addresses.key(row.email) in existing and not changes[row.line]}
    return ImportPlan(
        rows=rows,
        file_errors=file_errors,
        created=[row.email for row in rows if addresses.key(row.email) not in existing],
        updated=[row.email for row in rows if addresses.key(row.email) in existing and row.line not in same],
        unchanged=[row.email for row in rows if row.line in same],
        deactivated=deactivated,
        changes=changes,
        kept={row.line: _kept(existing.get(addresses.key(row.email)), row, paths) for row in valid_rows},
        access_lost={line: words for line, pid in by_line.items() if (words := lost_words(before[pid] - after[pid]))},
        deactivated_access_lost={p.id: words for p in deactivated if (words := lost_words(before[p.id]))},
        refusals=_access_refusals(
            rows=rows, existing=existing, before=before, after=after, deactivated_ids=leaving, importer=importer
        ),
    )


class ImportChanged(ValidationError):
    """The people changed between the preview and the confirm, so the import would not do what was shown."""


class ImportAlreadyDone(ImportChanged):
    """The people changed since the preview to match the file: the preview was imported already."""


@transaction.atomic
def people_import(*, csv_text: str, previewed: str | None = None, importer=None) -> ImportPlan:
    """Make the people match the CSV: create, update, and deactivate whoever is missing; all or nothing.

    Afterwards each line's person has the line's name, team, role, language (when the file has a language column;
    without one, languages stay as they are) and active state, and manages their team
    exactly when the line says so (`_managed_after`: a move takes the old team's management with it), so the
    export says what the file said. Refuses (ValidationError) when the file has any error, so a half-valid
    file never half-imports, or would lock out every admin or the importer (`ImportPlan.refusals`, the messages
    of the ValidationError); and refuses (ImportChanged) when `previewed`, the `ImportPlan.digest` of the
    preview the admin confirmed, differs from the plan computed now under lock (someone added, changed or
    deactivated a person in between: the import would do what the preview did not show) — as ImportAlreadyDone
    when the plan now changes nobody: the people match the file already, as after the same preview's confirm.
    """
    # Lock everyone before planning, so nobody changes between the plan and the writes.
    existing = _people_by_address(Person.objects.select_for_update())
    plan = people_import_plan(csv_text=csv_text, importer=importer)
    if plan.refusals:
        raise ValidationError(plan.refusals)
    if not plan.valid:
        raise ValidationError(
            "The file has errors now (the teams may have changed since the preview); nothing was imported."
        )
    if previewed is not None and plan.digest != previewed and not (plan.created or plan.updated or plan.deactivated):
        # The people already match the file: most likely this preview was confirmed already (a second click on
        # Import, or the form sent again without JavaScript), and the first confirm did the import.
        raise ImportAlreadyDone(
            "This file was already imported: the people already match it, so nothing changed. (The same preview was "
            "probably confirmed twice.)"
        )
    if previewed is not None and plan.digest != previewed:
        raise ImportChanged(
            "The people changed since the preview (someone was added, changed or deactivated), so the import "
            "would not do what the preview showed; nothing was imported. Upload the file again to see a new preview."
        )
    _people_write(plan=plan, existing=existing)
    return plan


def _people_update(people: list[Person]) -> None:
    """Write each person's name, team, role, language and active state, a thousand to a statement.

    One UPDATE joined to a VALUES list, which PostgreSQL and SQLite (3.33 and later) both run; Django's
    bulk_update builds a CASE per column and row, which took 28 s for 10,000 people.
    """
    table = connection.ops.quote_name(Person._meta.db_table)
    for start in range(0, len(people), 1000):
        batch = people[start : start + 1000]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
        params = [value for p in batch for value in (p.id, p.name, p.team_id, p.role, p.language)]
        # Only placeholders and the quoted table name are put in the text; every value is a parameter.
        statement = (
            f"WITH v(id, name, team_id, role, language) AS (VALUES {values}) "  # noqa: S608  # nosec B608
            f"UPDATE {table} SET name = v.name, team_id = v.team_id, role = v.role, language = v.language, "
            "is_active = %s, "
            # A new name makes the parts an identity provider sent (SCIM givenName, familyName) stale.
            f"given_name = CASE WHEN {table}.name = v.name THEN {table}.given_name ELSE '' END, "
            f"family_name = CASE WHEN {table}.name = v.name THEN {table}.family_name ELSE '' END "
            f"FROM v WHERE {table}.id = v.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, [*params, True])


def _people_write(*, plan: ImportPlan, existing: dict[str, Person]) -> None:
    """Write a valid plan in a few statements a thousand people at a time (one save per line took minutes at
    100,000): new people created, changed ones updated, management links added and removed, the missing
    deactivated. A person the line leaves as they were is not written."""
    Managed = Person.managed_teams.through
    managed: dict[int, set[int]] = {}
    for person_id, team_id in Managed.objects.values_list("person_id", "team_id"):
        managed.setdefault(person_id, set()).add(team_id)
    created, changed, wanted, reactivated = [], [], [], []
    for row in plan.rows:
        person = existing.get(addresses.key(row.email))
        if person is None:
            person = Person(
                email=row.email,
                name=row.name,
                team_id=row.team_id,
                role=row.role,
                language=row.language or "",
                is_active=True,
            )
            created.append(person)
            wanted.append((person, set(), _managed_after(managed=set(), team_id=None, row=row)))
            continue
        before = managed.get(person.id, set())
        wanted.append((person, before, _managed_after(managed=before, team_id=person.team_id, row=row)))
        if not person.is_active:
            reactivated.append(person.id)
        language = person.language if row.language is None else row.language
        before_line = (person.name, person.team_id, person.role, person.language, person.is_active)
        if before_line != (row.name, row.team_id, row.role, language, True):
            person.name, person.team_id, person.role, person.is_active = row.name, row.team_id, row.role, True
            person.language = language
            changed.append(person)
    Person.objects.bulk_create(created, batch_size=1000)
    _people_update(changed)
    logins_reactivate(reactivated)
    removed: dict[int, list[int]] = {}
    for person, before, after in wanted:
        for team_id in before - after:
            removed.setdefault(team_id, []).append(person.id)
    for team_id, person_ids in removed.items():
        Managed.objects.filter(team_id=team_id, person_id__in=person_ids).delete()
    Managed.objects.bulk_create(
        [
            Managed(person_id=person.id, team_id=team_id)
            for person, before, after in wanted
            for team_id in after - before
        ],
        batch_size=1000,
    )
    people_deactivated_write([p.id for p in plan.deactivated])
