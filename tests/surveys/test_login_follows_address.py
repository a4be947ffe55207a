"""A person's login follows their address (attack finding H1: account takeover by a recycled address).

The attack: SCIM changed Maria's address to maria.new@example.com, but her login stayed named maria@example.com;
SCIM then created a new member at maria@example.com, a password reset for that address mailed a link for Maria's
login, and the attacker opened Maria's team reports. Now every path that changes a person's address (person_save:
the People page and SCIM; the Django admin) moves the login with it in the same transaction, a login is never handed
to a person whose address it merely holds, and password login, the lockout and single sign-on find one login by one
address. Personas: Maria manages Platform (a login and a password); Ada is an admin; Mallory holds no login.
"""

import contextlib
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import services as feedback_services
from feedback.models import ApiToken
from surveys import addresses, emails, selectors, services
from surveys.models import Person
from surveys.services.people import login_holder
from surveys.sso import SSORefused, sso_login_user
from tests.factories import TeamFactory, UserFactory, manager_of

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scim_client(secret: str):
    browser = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def send(method: str, path: str, body: dict):
        call = getattr(browser, method)
        return call(f"/scim/v2/{path}", data=json.dumps(body), content_type="application/scim+json")

    return send


def scim_address_patch(address: str) -> dict:
    value = {"userName": address, "emails": [{"value": address, "type": "work", "primary": True}]}
    return {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": value}]}


def signs_in(name: str, password: str = PASSWORD) -> bool:
    browser = Client()
    browser.post("/accounts/login/", {"username": name, "password": password})
    return "_auth_user_id" in browser.session


def reset_mails(address: str, mailoutbox) -> list:
    """Run the password reset's task for `address` as its worker would; return the emails it sent."""
    before = len(mailoutbox)
    emails.password_reset_email_send(email=address)
    return list(mailoutbox[before:])


@pytest.fixture
def platform():
    return TeamFactory(name="Platform")


@pytest.fixture
def maria(platform):
    user, person = manager_of(platform, email="maria@example.com")
    user.set_password(PASSWORD)
    user.save()
    return person


@pytest.fixture
def scim(db):
    _, secret = feedback_services.api_token_create(name="Okta", created_by=None, scope=ApiToken.Scope.SCIM)
    return scim_client(secret)


def test_the_takeover_by_a_recycled_address_fails_because_the_login_moved_with_the_address(maria, scim, mailoutbox):
    # when the provider changes Maria's address
    moved = scim("patch", f"Users/{maria.pk}", scim_address_patch("maria.new@example.com"))
    # then her login moved with it: the reset for the new address reaches her, the old address signs nobody in
    assert moved.status_code == 200, moved.content
    login = get_user_model().objects.get(pk=maria.user_id)
    assert (login.username, login.email) == ("maria.new@example.com", "maria.new@example.com")
    (sent,) = reset_mails("maria.new@example.com", mailoutbox)
    assert sent.to == ["maria.new@example.com"]
    assert signs_in("maria.new@example.com") and not signs_in("maria@example.com")
    # and when someone is created at the old address, they are a new person without Maria's login
    created = scim("post", "Users", {"schemas": [], "userName": "maria@example.com", "displayName": "Mallory"})
    assert created.status_code == 201, created.content
    mallory = Person.objects.get(pk=created.json()["id"])
    assert mallory.user is None
    # the step the attack needed: a reset for the old address mails nobody a link
    assert reset_mails("maria@example.com", mailoutbox) == []
    # and a login given to the new person is a login of their own
    services.person_login_grant(person_id=mallory.pk)
    mallory.refresh_from_db()
    assert mallory.user_id != maria.user_id and mallory.user.username == "maria@example.com"


def test_an_address_another_login_holds_is_refused_naming_it_and_nothing_changes(maria, scim):
    # given: an orphan login (made with createsuperuser, or left by a deleted person) at the address
    UserFactory(username="root@example.com", email="root@example.com", is_superuser=True)
    # when the People page's service or SCIM moves Maria there
    with pytest.raises(ValidationError, match=r"The login root@example\.com already holds root@example\.com"):
        services.person_save(
            person_id=maria.pk,
            email="ROOT@example.com",
            name=maria.name,
            team=maria.team,
            role=maria.role,
            managed_teams=list(maria.managed_teams.all()),
        )
    refused = scim("patch", f"Users/{maria.pk}", scim_address_patch("root@example.com"))
    # then: refused as a clash, and neither Maria nor her login changed
    assert refused.status_code == 409 and "already holds" in refused.json()["detail"]
    maria.refresh_from_db()
    assert maria.email == maria.user.username == "maria@example.com"


def test_a_person_created_at_an_address_a_login_holds_does_not_inherit_it(platform):
    # given: an orphan superuser login at root@example.com
    root = UserFactory(username="root@example.com", email="root@example.com", is_superuser=True)
    person = services.person_save(
        email="root@example.com", name="Rhea", team=platform, role=Person.Role.MANAGER, managed_teams=[platform]
    )
    # then: not linked, neither by Give a login nor by single sign-on
    assert person.user is None
    with pytest.raises(ValidationError, match=r"The login root@example\.com already holds"):
        services.person_login_grant(person_id=person.pk)
    with pytest.raises(SSORefused) as refusal:
        sso_login_user(claims={"email": "root@example.com", "email_verified": True})
    assert refusal.value.reason == "login-taken"
    person.refresh_from_db()
    root.refresh_from_db()
    assert person.user is None and not hasattr(root, "person")


def test_single_sign_on_brings_a_lagging_login_in_step_and_password_login_finds_the_same_one(maria):
    # given: a login left behind by the code before this rule
    get_user_model().objects.filter(pk=maria.user_id).update(username="old@example.com", email="old@example.com")
    # when Maria signs in through the provider
    user = sso_login_user(claims={"email": "MARIA@example.com", "email_verified": True})
    # then her login carries her address; the password and the lockout find it by any spelling of it
    assert (user.pk, user.username, user.email) == (maria.user_id, "maria@example.com", "maria@example.com")
    assert signs_in("MARIA@EXAMPLE.COM") and signs_in("ｍａｒｉａ@example.com") and not signs_in("old@example.com")
    named = {selectors.login_attempts_name(username=name) for name in ("Maria@Example.com", "maria@example.com")}
    assert named == {"maria@example.com"}


def test_the_login_granted_email_and_the_digest_go_to_the_person_s_address(maria, mailoutbox):
    # given: a login whose email lags behind its person (data from before this rule)
    get_user_model().objects.filter(pk=maria.user_id).update(email="old@example.com")
    user = get_user_model().objects.get(pk=maria.user_id)
    # then
    assert emails.login_address(user) == "maria@example.com"
    emails.login_granted_email_send(user_id=user.pk)
    assert mailoutbox[-1].to == ["maria@example.com"]


def test_the_django_admin_moves_the_login_with_the_address_and_refuses_a_clash(client, maria, platform):
    admin_user = UserFactory(username="ada@example.com", is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    url = reverse("admin:surveys_person_change", args=[maria.pk])
    form = {
        "user": maria.user_id,
        "name": maria.name,
        "team": platform.pk,
        "role": maria.role,
        "managed_teams": [platform.pk],
    }
    # a clash with Ada's login is refused on the form
    refused = client.post(url, form | {"email": "ADA@example.com"})
    assert refused.status_code == 200 and "already holds" in refused.content.decode()
    # a free address moves the login
    moved = client.post(url, form | {"email": "maria.new@example.com"})
    assert moved.status_code == 302, moved.content.decode()[:2000]
    login = get_user_model().objects.get(pk=maria.user_id)
    assert (login.username, login.email) == ("maria.new@example.com", "maria.new@example.com")
    # and the User page cannot part them: username and email are read-only for a person's login
    page = client.get(reverse("admin:auth_user_change", args=[maria.user_id])).content.decode()
    assert 'name="username"' not in page and 'name="email"' not in page
    assert 'name="username"' in client.get(reverse("admin:auth_user_change", args=[admin_user.pk])).content.decode()


# The invariant, over sequences of address changes and creations through SCIM, the People page and the import.

POOL = ["ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com", "eve@example.com"]
SPELLINGS = st.sampled_from(POOL).flatmap(lambda address: st.sampled_from([address, address.upper(), address.title()]))
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("scim_patch"), st.integers(0, 4), SPELLINGS),
        st.tuples(st.just("page"), st.integers(0, 4), SPELLINGS),
        st.tuples(st.just("scim_create"), SPELLINGS),
        st.tuples(st.just("import"), SPELLINGS),
        st.tuples(st.just("grant"), st.integers(0, 4)),
        st.tuples(st.just("sso"), st.integers(0, 4)),
    ),
    min_size=1,
    max_size=6,
)


def _invariant_holds() -> None:
    people = list(Person.objects.select_related("user"))
    users = [person.user_id for person in people if person.user_id is not None]
    assert len(users) == len(set(users)), "two people share a login"
    for person in people:
        if person.user is None:
            continue
        assert person.user.username == person.email == person.user.email
        # whichever way someone types the address, it signs in to this login and no other holds it
        assert selectors.login_named(name=person.email.upper()) == person.user
        assert login_holder(address=person.email, user_id=person.user_id) is None


def _step(step, *, admin_client, scim, ada) -> None:
    people = list(Person.objects.exclude(pk=ada.pk).order_by("pk"))
    kind = step[0]
    if kind in ("scim_patch", "page", "grant", "sso") and not people:
        return
    person = people[step[1] % len(people)] if kind in ("scim_patch", "page", "grant", "sso") else None
    if kind == "scim_patch":
        answer = scim("patch", f"Users/{person.pk}", scim_address_patch(step[2]))
        assert answer.status_code in (200, 409), answer.content
    elif kind == "page":
        form = {"email": step[2], "name": person.name, "team": person.team_id, "role": person.role}
        form |= {"managed_teams": [team.pk for team in person.managed_teams.all()], "language": person.language}
        answer = admin_client.post(reverse("surveys:manage_person", args=[person.pk]), form | {"is_active": "on"})
        # saved, or refused because the address is someone else's or another login's
        assert answer.status_code == 302 or "already" in answer.content.decode(), answer.content.decode()[:3000]
    elif kind == "scim_create":
        answer = scim("post", "Users", {"schemas": [], "userName": step[1], "displayName": "New"})
        assert answer.status_code in (201, 409), answer.content
    elif kind == "import":
        # the export with every address respelt, plus one line: a respelling changes no stored address
        lines = services.people_export().lstrip("\ufeff").splitlines()
        header, rows = lines[0], [line for line in lines[1:] if line]
        team = rows[0].split(",")[2] if rows else "Platform"
        rows = [row.split(",", 1)[0].upper() + "," + row.split(",", 1)[1] for row in rows]
        if not any(addresses.key(row.split(",")[0]) == addresses.key(step[1]) for row in rows):
            rows.append(f"{step[1]},Imported,{team},member,no,")
        upload = SimpleUploadedFile("people.csv", "\r\n".join([header, *rows]).encode(), content_type="text/csv")
        preview = admin_client.post(reverse("surveys:manage_people_import"), {"file": upload})
        token = preview.content.decode().partition('name="confirm" value="')[2].partition('"')[0]
        if token:
            admin_client.post(reverse("surveys:manage_people_import"), {"confirm": token})
    elif kind == "grant":
        with contextlib.suppress(ValidationError):
            services.person_login_grant(person_id=person.pk)
    elif kind == "sso" and person.is_active:
        with contextlib.suppress(SSORefused):
            sso_login_user(claims={"email": person.email.upper(), "email_verified": True})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_every_login_s_username_is_its_person_s_address_after_any_changes(client, steps):
    """Each example starts from Ada (admin, with a login) and Bo (a manager with a login), inside a savepoint rolled
    back at the end, and checks the invariant after every step."""
    with transaction.atomic():
        team = TeamFactory(name="Platform")
        ada_user, ada = manager_of(team, email="ada@corp.example", role=Person.Role.ADMIN)
        manager_of(team, email="bob@example.com")
        _, secret = feedback_services.api_token_create(name="Okta", created_by=None, scope=ApiToken.Scope.SCIM)
        client.force_login(ada_user)
        for step in steps:
            _step(step, admin_client=client, scim=scim_client(secret), ada=ada)
            _invariant_holds()
        transaction.set_rollback(True)


def test_the_migration_brings_lagging_logins_in_step_and_leaves_a_clash_alone(maria, platform):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("surveys.migrations.0023_logins_follow_addresses")
    # given: Maria's login lagging behind her address, and Bo's new address held by an orphan login
    get_user_model().objects.filter(pk=maria.user_id).update(username="maria@old.example", email="maria@old.example")
    bo_user, bo = manager_of(platform, email="bo@example.com")
    Person.objects.filter(pk=bo.pk).update(email="bo.new@example.com")
    UserFactory(username="bo.new@example.com")
    # when
    migration.logins_follow_addresses(apps, None)
    # then
    login = get_user_model().objects.get(pk=maria.user_id)
    assert (login.username, login.email) == ("maria@example.com", "maria@example.com")
    assert get_user_model().objects.get(pk=bo_user.pk).username == "bo@example.com"
