"""The organisation: teams as a tree and people with roles, by hand or by CSV import."""

import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from .. import addresses, names, people_csv, selectors
from ..models import Person, Team


@transaction.atomic
def team_save(*, name: str, parent: Team | None, team_id: int | None = None) -> Team:
    """Create, rename or move a team. Past cycles keep the tree they opened with.

    The name is stored in NFC; a sibling whose name matches it ignoring case and Unicode normalisation
    (names.caseless: Équipe, E + combining accent + quipe, équipe) is refused, on every database (SQLite's
    iexact folds ASCII only), since a path naming either would be ambiguous.
    """
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise ValidationError({"name": ["A team needs a name."]})
    if "/" in name:
        raise ValidationError({"name": ["A team name cannot contain “/”: it separates teams in paths."]})
    team = Team() if team_id is None else Team.objects.select_for_update().get(id=team_id)
    if team.pk and parent is not None and parent.pk in selectors.team_subtree_ids([team.pk]):
        raise ValidationError({"parent": ["A team cannot move inside itself or one of its own sub-teams."]})
    siblings = Team.objects.filter(parent=parent).exclude(pk=team.pk).values_list("name", flat=True)
    if any(names.caseless(sibling) == names.caseless(name) for sibling in siblings):
        raise ValidationError({"name": [f"“{parent or 'The top level'}” already has a team called “{name}”."]})
    team.name, team.parent = name, parent
    team.save()
    return team


@transaction.atomic
def person_save(
    *,
    email: str,
    name: str,
    team: Team,
    role: str,
    managed_teams: list[Team],
    is_active: bool = True,
    person_id: int | None = None,
) -> Person:
    """Create or change a person."""
    person = Person() if person_id is None else Person.objects.select_for_update().get(id=person_id)
    problem = addresses.problem(email, max_length=_length("email"))
    if problem:
        raise ValidationError({"email": [problem]})
    email = addresses.stored(email)
    others = Person.objects.exclude(pk=person.pk).values_list("email", flat=True)
    same = next((other for other in others if addresses.key(other) == addresses.key(email)), None)
    if same is not None:
        raise ValidationError({"email": [f"{same} is already someone's address, spelt another way."]})
    person.email, person.name, person.team, person.role, person.is_active = email, name, team, role, is_active
    person.full_clean()
    person.save()
    person.managed_teams.set(managed_teams)
    return person


@transaction.atomic
def person_login_grant(*, person_id: int) -> None:
    """Give a person a login (their email) and email them a link to choose a password.

    The account starts with an unusable password, so nobody — admins included — ever knows it.
    """
    person = Person.objects.select_for_update().get(id=person_id)
    if not person.is_active:
        raise ValidationError("Only an active person can be given a login.")
    User = get_user_model()
    user = person.user
    if user is None:
        if User.objects.filter(username__iexact=person.email).exists():
            raise ValidationError(f"A login for {person.email} already exists.")
        user = User(username=person.email, email=person.email)
        user.set_unusable_password()
        user.save()
        person.user = user
        person.save(update_fields=["user"])
    from ..tasks import login_email_send_task

    transaction.on_commit(lambda: login_email_send_task.delay(user.pk))


@dataclass
class ImportPlan:
    rows: list[people_csv.PersonRow]
    file_errors: list[str]
    created: list[str]
    updated: list[str]
    deactivated: list[Person]

    @property
    def valid(self) -> bool:
        return not self.file_errors and not any(row.errors for row in self.rows)

    @property
    def error_rows(self) -> list[people_csv.PersonRow]:
        return [row for row in self.rows if row.errors]


def _length(field: str) -> int:
    return Person._meta.get_field(field).max_length


def _people_by_address(queryset) -> dict[str, Person]:
    """Return people by `addresses.key`: the same mailbox however its address was spelt when stored."""
    return {addresses.key(person.email): person for person in queryset}


def people_import_plan(*, csv_text: str) -> ImportPlan:
    """Return what importing this CSV would do, with every problem found, without changing anything.

    A line finds its person by address as `addresses.key` compares them (case, NFKC, IDNA): ANN@ｅｘａｍｐｌｅ.com
    updates ann@example.com rather than making a new person and deactivating her.
    """
    lengths = {field: _length(field) for field in ("email", "name")}
    rows, file_errors = people_csv.parse(csv_text, team_ids=selectors.team_paths(), lengths=lengths)
    existing = _people_by_address(Person.objects.all())
    emails = {addresses.key(row.email) for row in rows}
    return ImportPlan(
        rows=rows,
        file_errors=file_errors,
        created=[row.email for row in rows if addresses.key(row.email) not in existing],
        updated=[row.email for row in rows if addresses.key(row.email) in existing],
        deactivated=sorted(
            (p for email, p in existing.items() if email not in emails and p.is_active), key=lambda p: p.email
        ),
    )


@transaction.atomic
def people_import(*, csv_text: str) -> ImportPlan:
    """Make the people match the CSV: create, update, and deactivate whoever is missing; all or nothing.

    Refuses (ValidationError) when the file has any error, so a half-valid file never half-imports.
    """
    plan = people_import_plan(csv_text=csv_text)
    if not plan.valid:
        raise ValidationError("The file has errors; nothing was imported.")
    existing = _people_by_address(Person.objects.select_for_update())
    for row in plan.rows:
        person = existing.get(addresses.key(row.email)) or Person(email=row.email)
        person.name, person.team_id, person.role, person.is_active = row.name, row.team_id, row.role, True
        person.save()
        if row.manages_team:
            person.managed_teams.add(row.team_id)
        else:
            person.managed_teams.remove(row.team_id)
    Person.objects.filter(id__in=[p.id for p in plan.deactivated]).update(is_active=False)
    return plan


def people_export() -> str:
    """Return every active person as CSV in the import format."""
    paths = {team_id: path for path, team_id in selectors.team_paths().items()}
    rows = []
    for person in Person.objects.filter(is_active=True).prefetch_related("managed_teams").order_by("email"):
        managed = {team.id for team in person.managed_teams.all()}
        rows.append(
            {
                "email": person.email,
                "name": person.name,
                "team": paths[person.team_id],
                "role": person.role,
                "manager": "yes" if person.team_id in managed else "no",
            }
        )
    return people_csv.write(rows)
