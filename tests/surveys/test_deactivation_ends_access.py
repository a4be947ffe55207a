"""Deactivation ends what was outstanding instead of pausing it (attack finding M1).

The attack: a session opened before SCIM `active: false` answered 302 while Maria was inactive and 200 again after
reactivation; a password-reset link issued before deactivation opened and set a password while she was deactivated,
and that password logged in after reactivation. Now deactivating a person — by SCIM, the People page or the import
(all through people_deactivated_write) — makes their login's password unusable, which changes what Django's session
auth hash and password-reset tokens are computed over, and the reset confirm refuses an inactive login. Every
member of the kind is tried through the real views: password and single sign-on sessions, reset links, the login
granted link.
"""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from feedback import services as feedback_services
from feedback.models import ApiToken
from surveys import emails, services
from surveys.models import Person
from tests.factories import TeamFactory, UserFactory, manager_of

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "another horse, another staple"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


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
def ada(platform):
    """Ada is an admin who keeps Manage open, so Maria can be deactivated."""
    user, _ = manager_of(platform, email="ada@example.com", role=Person.Role.ADMIN)
    return user


def _scim(active: bool, person: Person) -> None:
    _, secret = feedback_services.api_token_create(name="Okta", created_by=None, scope=ApiToken.Scope.SCIM)
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": active}}]}
    answer = Client().patch(
        f"/scim/v2/Users/{person.pk}",
        data=json.dumps(body),
        content_type="application/scim+json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert answer.status_code == 200, answer.content


def _page(active: bool, person: Person, admin) -> None:
    browser = Client()
    browser.force_login(admin)
    form = {"email": person.email, "name": person.name, "team": person.team_id, "role": person.role}
    form |= {"managed_teams": [team.pk for team in person.managed_teams.all()], "language": person.language}
    form |= {"is_active": "on"} if active else {"confirmed": "yes"}
    answer = browser.post(reverse("surveys:manage_person", args=[person.pk]), form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    person.refresh_from_db()
    assert person.is_active is active


DEACTIVATIONS = {
    "scim": lambda person, admin: _scim(False, person),
    "people page": lambda person, admin: _page(False, person, admin),
    "service (the import's)": lambda person, admin: services.people_deactivate(person_ids=[person.pk]),
}
REACTIVATIONS = {
    "scim": lambda person, admin: _scim(True, person),
    "people page": lambda person, admin: _page(True, person, admin),
    "service (the import's)": lambda person, admin: _page(True, person, admin),
}


def signed_in_browser(name: str, password: str = PASSWORD) -> Client:
    browser = Client()
    browser.post("/accounts/login/", {"username": name, "password": password})
    return browser


def link_in(message) -> str:
    return re.search(r"https?://\S+?(/accounts/reset/\S+?/\S+?/)", message.body).group(1)


def set_password_through(link: str) -> tuple[int, int]:
    """Open a link and post a new password as a person would; return the two statuses."""
    browser = Client()
    opened = browser.get(link)
    form = browser.post(opened.get("Location", link), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    return opened.status_code, form.status_code


@pytest.mark.parametrize("how", DEACTIVATIONS)
def test_a_password_session_opened_before_deactivation_stays_ended_after_reactivation(maria, ada, how):
    browser = signed_in_browser("maria@example.com")
    assert browser.get("/reports/").status_code == 200
    # when
    DEACTIVATIONS[how](maria, ada)
    # then
    assert browser.get("/reports/").status_code == 302
    REACTIVATIONS[how](maria, ada)
    assert get_user_model().objects.get(pk=maria.user_id).is_active
    assert browser.get("/reports/").status_code == 302
    assert "_auth_user_id" not in signed_in_browser("maria@example.com").session  # the old password ended too


def test_a_single_sign_on_session_opened_before_deactivation_stays_ended_after_reactivation(maria, ada, settings):
    settings.AUTHENTICATION_BACKENDS = ["surveys.logins.AddressModelBackend", "surveys.sso.AlignOIDCBackend"]
    browser = Client()
    browser.force_login(get_user_model().objects.get(pk=maria.user_id), backend="surveys.sso.AlignOIDCBackend")
    assert browser.get("/reports/").status_code == 200
    _scim(False, maria)
    assert browser.get("/reports/").status_code == 302
    _scim(True, maria)
    assert browser.get("/reports/").status_code == 302


@pytest.mark.parametrize("how", DEACTIVATIONS)
def test_a_reset_link_issued_before_deactivation_never_sets_a_password(maria, ada, how, mailoutbox):
    emails.password_reset_email_send(email="maria@example.com")
    link = link_in(mailoutbox[-1])
    DEACTIVATIONS[how](maria, ada)
    # then: while deactivated, the link does not open (no redirect to the form) and sets nothing
    assert set_password_through(link) == (200, 200)
    REACTIVATIONS[how](maria, ada)
    # nor after reactivation
    assert set_password_through(link) == (200, 200)
    login = get_user_model().objects.get(pk=maria.user_id)
    assert not login.check_password(NEW_PASSWORD) and not login.has_usable_password()
    assert "_auth_user_id" not in signed_in_browser("maria@example.com", NEW_PASSWORD).session


def test_a_login_granted_link_issued_before_deactivation_never_sets_a_password(
    platform, ada, mailoutbox, django_capture_on_commit_callbacks
):
    bo = services.person_save(
        email="bo@example.com", name="Bo", team=platform, role=Person.Role.MEMBER, managed_teams=[]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.person_login_grant(person_id=bo.pk)
    link = link_in(mailoutbox[-1])
    _scim(False, bo)
    assert set_password_through(link) == (200, 200)
    _scim(True, bo)
    assert set_password_through(link) == (200, 200)
    assert "_auth_user_id" not in signed_in_browser("bo@example.com", NEW_PASSWORD).session


def test_the_reset_confirm_refuses_an_inactive_login_even_with_a_fresh_token(db):
    # given: an inactive login and a token made for it as it is now (no deactivation changed its password)
    user = UserFactory(username="orphan@example.com", email="orphan@example.com", is_active=False)
    user.set_password(PASSWORD)
    user.save()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})
    # then
    assert set_password_through(link) == (200, 200)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_link_asked_for_after_reactivation_works(maria, ada, mailoutbox):
    """The way back in: deactivation ends the password, a new reset link sets one."""
    _scim(False, maria)
    _scim(True, maria)
    emails.password_reset_email_send(email="maria@example.com")
    opened, posted = set_password_through(link_in(mailoutbox[-1]))
    assert (opened, posted) == (302, 302)
    assert signed_in_browser("maria@example.com", NEW_PASSWORD).get("/reports/").status_code == 200
