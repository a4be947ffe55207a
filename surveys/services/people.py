"""People with roles: saved by hand, given a login, deactivated, exported; who can open what."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from .. import addresses, names, people_csv, selectors
from ..models import Person, Team

# What a login can open: the Manage pages, the reports.
MANAGE, REPORTS = "Manage", "reports"


def field_length(field: str) -> int:
    """Return the longest a Person field may be (its max_length)."""
    return Person._meta.get_field(field).max_length


def person_address_checked(*, email: str, person_id: int | None = None) -> str:
    """Return an address in the spelling Align stores (addresses.stored), or raise ValidationError naming what is
    wrong: `addresses.problem` (invisible characters, a part before the @ that is not ASCII, lengths, IDNA) or
    another person's address spelt another way (addresses.key). Used by person_save and the Django admin."""
    problem = addresses.problem(email, max_length=field_length("email"))
    if problem:
        raise ValidationError({"email": [problem]})
    email = addresses.stored(email)
    others = Person.objects.exclude(pk=person_id).values_list("email", flat=True)
    same = next((other for other in others if addresses.key(other) == addresses.key(email)), None)
    if same is not None:
        raise ValidationError({"email": [f"{same} is already someone's address, spelt another way."]})
    return email


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
    language: str | None = None,
) -> Person:
    """Create or change a person (the address as `person_address_checked` takes it, the name as
    `names.name_stored` keeps it: NFC, so the import of the same name spelt another way changes nothing).

    `language` is a code of settings.LANGUAGES or "" (the organisation's default); None leaves it as it is.

    Deactivating a person is `people_deactivate` (their login too; refused for the last who can open Manage);
    reactivating them reactivates their login."""
    person = Person() if person_id is None else Person.objects.select_for_update().get(id=person_id)
    reactivated = person_id is not None and not person.is_active and is_active
    if person_id is not None and person.is_active and not is_active:
        # As the import and SCIM deactivate: the login too, and never the last who can open Manage.
        people_deactivate(person_ids=[person.pk])
    email = person_address_checked(email=email, person_id=person_id)
    name = names.name_stored(name)
    problem = names.person_name_problem(name)
    if problem:
        raise ValidationError({"name": [problem]})
    if person.name != name:
        person.given_name = person.family_name = ""  # the parts a provider sent no longer make this name
    person.email, person.name, person.team, person.role, person.is_active = email, name, team, role, is_active
    if language is not None:
        person.language = language
    person.full_clean()
    person.save()
    login_follow(person=person)  # the login moves with the address, in this transaction, or nothing is saved
    person.managed_teams.set(managed_teams)
    if reactivated:
        logins_reactivate([person.pk])
    return person


@transaction.atomic
def person_login_grant(*, person_id: int) -> None:
    """Give a person a login (their email) and email them a link to choose a password.

    The account starts with an unusable password, so nobody — admins included — ever knows it.
    """
    person = Person.objects.select_for_update().get(id=person_id)
    if not person.is_active:
        raise ValidationError("Only an active person can be given a login.")
    user = person.user
    if user is None:
        user = login_create(person=person)
    else:
        login_follow(person=person)
    from ..tasks import login_email_send_task

    transaction.on_commit(lambda: login_email_send_task.delay(user.pk))


def login_holder(*, address: str, user_id: int | None = None):
    """Return a login other than `user_id` whose username or email is `address` as Align compares addresses
    (addresses.key: any case, full-width letters, IDNA form), or None."""
    stored, wanted = addresses.stored(address), addresses.key(address)
    others = get_user_model().objects.filter(Q(username__iexact=stored) | Q(email__iexact=stored)).exclude(pk=user_id)
    return next(
        (user for user in others if wanted in {addresses.key(user.get_username()), addresses.key(user.email)}), None
    )


def _login_free(*, address: str, user_id: int | None) -> None:
    holder = login_holder(address=address, user_id=user_id)
    if holder is not None:
        raise ValidationError(
            {
                "email": [
                    f"The login {holder.get_username()} already holds {address}: a login follows its person's "
                    "address, and two logins cannot share one. Change or delete that login first (Django admin)."
                ]
            }
        )


def login_follow(*, person: Person) -> None:
    """Make a person's login (if any) carry their stored address as its username and email.

    With `login_create`, the only writer of a login's username and email for a person: every change of a person's
    address (person_save: the People page, SCIM; the Django admin) calls it in the same transaction, so the login
    moves with the address and the old address names no login. Raises ValidationError ({"email": [...]}) naming
    the login that already holds the new address; the caller's transaction then saves nothing."""
    user = person.user
    if user is None or (user.username == person.email and user.email == person.email):
        return
    _login_free(address=person.email, user_id=user.pk)
    user.username = user.email = person.email
    user.save(update_fields=["username", "email"])


def login_create(*, person: Person):
    """Create a login for a person who has none, named by their stored address, with an unusable password, and
    link it; return it. A login that already holds the address (another person's, or one of nobody's, such as a
    createsuperuser account) is never handed over: ValidationError naming it."""
    _login_free(address=person.email, user_id=None)
    user = get_user_model()(username=person.email, email=person.email)
    user.set_unusable_password()
    user.save()
    person.user = user
    person.save(update_fields=["user"])
    return user


def access_of(*, person: Person, role: str, active: bool, managed: set[int]) -> set[str]:
    """Return what a person's login opens (MANAGE, REPORTS) with this role, active state and managed teams, as
    surveys.access.is_admin and feedback.selectors.teams_visible_to decide it; nothing without an active login."""
    user = person.user
    if user is None or not user.is_active or not active:
        return set()
    if user.is_superuser or role == Person.Role.ADMIN:
        return {MANAGE, REPORTS}
    if role in (Person.Role.LEADER, Person.Role.MANAGER) and managed:
        return {REPORTS}
    return set()


def lost_words(lost: set[str]) -> str:
    if not lost:
        return ""
    which = " and ".join(sorted(lost))
    return f"loses login access to {which}"


def nobody_left_to_manage(
    *, before: dict[int, set[str]], after: dict[int, set[str]], leaving_user_ids: set[int]
) -> bool:
    """Return whether a change takes Manage from the last who had it: someone's login opened Manage before, nobody's
    does after (by person id, as `access_of` says), and no active Django superuser is left. A superuser whose person
    the change deactivates (`leaving_user_ids`) is not left: deactivating a person deactivates their login."""
    had_manage = any(MANAGE in access for access in before.values())
    if not had_manage or any(MANAGE in access for access in after.values()):
        return False
    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True)
    return not superusers.exclude(pk__in=leaving_user_ids).exists()


def people_deactivated_write(person_ids: list[int]) -> None:
    """Mark people and their logins inactive, nothing else: they keep their team, role and managed teams, and the
    invitations of open cycles (whose audiences were frozen when they opened) stay as they are.

    An inactive login cannot sign in (Django's login form and the SSO backend refuse it). Deactivation also ENDS
    what was outstanding rather than pausing it: the login's password becomes unusable, which changes what Django's
    session auth hash and its password-reset tokens are computed over, so every open session (password or single
    sign-on) and every reset or choose-a-password link issued before stays dead after reactivation.
    """
    Person.objects.filter(id__in=person_ids).update(is_active=False)
    User = get_user_model()
    users = list(User.objects.filter(person__id__in=person_ids).only("pk", "password", "is_active"))
    for user in users:
        user.is_active = False
        user.set_unusable_password()
    User.objects.bulk_update(users, ["is_active", "password"], batch_size=1000)


def logins_reactivate(person_ids: list[int]) -> None:
    """Make the logins of people who are active again active too (their deactivation had deactivated them).

    The password is not given back (deactivation made it unusable): single sign-on works at once, and a password is
    chosen again through the password reset or a new *Give a login* link."""
    get_user_model().objects.filter(person__id__in=person_ids).update(is_active=True)


@transaction.atomic
def people_deactivate(*, person_ids: list[int]) -> list[Person]:
    """Deactivate people and their logins as the people import deactivates those missing from its file
    (`people_deactivated_write`); return those deactivated (the already inactive are left out).

    Refuses (ValidationError) when it would leave nobody able to open Manage (`nobody_left_to_manage`, the rule the
    import refuses by). Admins are locked with the people deactivated, so two concurrent deactivations of the last
    two admins cannot both pass.
    """
    people = list(
        Person.objects.select_for_update(of=("self",))
        .filter(Q(id__in=person_ids) | Q(role=Person.Role.ADMIN) | Q(user__is_superuser=True))
        .select_related("user")
        .prefetch_related("managed_teams")
        .order_by("id")
    )
    wanted = set(person_ids)
    leaving = [person for person in people if person.id in wanted and person.is_active]
    before, after = {}, {}
    for person in people:
        managed = {team.id for team in person.managed_teams.all()}
        before[person.id] = access_of(person=person, role=person.role, active=person.is_active, managed=managed)
        after[person.id] = set() if person in leaving else before[person.id]
    leaving_user_ids = {person.user_id for person in leaving if person.user_id}
    if nobody_left_to_manage(before=before, after=after, leaving_user_ids=leaving_user_ids):
        raise ValidationError(
            "Deactivating them would leave nobody able to open Manage: no other active person with a login is an "
            "admin, and no other Django superuser is active (deactivating a person deactivates their login, a "
            "superuser's too). Make someone else an admin first."
        )
    people_deactivated_write([person.id for person in leaving])
    return leaving


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
                "language": person.language,
            }
        )
    return people_csv.write(rows)
