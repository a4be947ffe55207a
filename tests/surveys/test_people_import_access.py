"""A people import says whose login access it takes away, and never locks out every admin or the admin importing
it (issue #20, finding 5)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import services
from surveys.access import is_admin
from surveys.models import Person, Team
from tests.factories import PersonFactory, TeamFactory, UserFactory, manager_of

pytestmark = pytest.mark.django_db
HEADER = "email,name,team,role,manager\n"


@pytest.fixture
def ops():
    return TeamFactory(name="Ops")


@pytest.fixture
def ada(ops):
    """Ada is an admin by role with a login (not a Django superuser)."""
    user, _ = manager_of(ops, email="ada@example.com", role=Person.Role.ADMIN)
    return user


@pytest.fixture
def bea(ops):
    """Bea is another admin with a login."""
    user, _ = manager_of(ops, email="bea@example.com", role=Person.Role.ADMIN)
    return user


@pytest.fixture
def lee(ops):
    """Lee leads Ops and has a login: she sees its reports."""
    user, _ = manager_of(ops, email="lee@example.com", role=Person.Role.LEADER)
    return user


def line(email: str, role: str, manager: str = "no") -> str:
    return f"{email},{email.split('@')[0].title()},Ops,{role},{manager}\n"


def preview(client, text: str):
    upload = SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("surveys:manage_people_import"), {"file": upload})


def test_the_preview_names_each_line_and_deactivation_that_takes_login_access(client, ada, bea, lee, ops):
    manager_of(ops, email="mo@example.com", role=Person.Role.MANAGER)
    PersonFactory(email="nil@example.com", team=ops, role=Person.Role.ADMIN)  # an admin by role, with no login
    client.force_login(ada)
    text = HEADER + line("ada@example.com", "admin") + line("bea@example.com", "leader", "yes")
    text += line("lee@example.com", "member") + line("nil@example.com", "member")
    response = preview(client, text)
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 people lose login access" in page
    assert "line 3, bea@example.com: loses login access to Manage" in page
    assert "line 4, lee@example.com: loses login access to reports" in page
    assert "(mo@example.com), deactivated: loses login access to reports" in page
    assert "nil@example.com:" not in page  # no login, nothing to lose


def test_an_import_that_leaves_no_active_admin_with_a_login_is_refused_and_changes_nothing(ada):
    text = HEADER + line("ada@example.com", "member")
    plan = services.people_import_plan(csv_text=text)
    assert not plan.valid and "nobody could open Manage" in " ".join(plan.refusals)
    with pytest.raises(ValidationError, match="nobody could open Manage"):
        services.people_import(csv_text=text)
    assert Person.objects.get(email="ada@example.com").role == Person.Role.ADMIN


def test_an_admin_by_role_without_a_login_does_not_count_but_a_django_superuser_does(ada, ops):
    text = HEADER + line("ada@example.com", "member") + line("nil@example.com", "admin")
    assert services.people_import_plan(csv_text=text).refusals
    UserFactory(username="root", is_superuser=True)
    assert services.people_import_plan(csv_text=text).refusals == []


def test_an_admin_importing_a_file_that_removes_her_own_access_is_refused(client, ada, bea):
    client.force_login(ada)
    text = HEADER + line("ada@example.com", "member") + line("bea@example.com", "admin")
    response = preview(client, text)
    page = response.content.decode()
    assert response.status_code == 400 and 'name="confirm"' not in page
    assert "removes your own access to Manage (line 2 makes you member)" in page
    assert "ask another admin" in page
    gone = preview(client, HEADER + line("bea@example.com", "admin")).content.decode()
    assert "you are not in the file, so you would be deactivated" in gone


def test_another_admin_may_import_the_same_file_and_it_takes_effect(client, ada, bea):
    client.force_login(bea)
    page = preview(client, HEADER + line("ada@example.com", "member") + line("bea@example.com", "admin"))
    assert page.status_code == 200
    token = re.search(r'name="confirm" value="([^"]+)"', page.content.decode()).group(1)
    done = client.post(reverse("surveys:manage_people_import"), {"confirm": token})
    assert "Imported: 0 added, 2 updated" in " ".join(str(m) for m in get_messages(done.wsgi_request))
    assert not is_admin(ada) and is_admin(bea)


ROLES = [role for role, _ in Person.Role.choices]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.lists(st.tuples(st.sampled_from(ROLES), st.booleans()), min_size=1, max_size=5),
    kept=st.lists(st.tuples(st.booleans(), st.sampled_from(ROLES)), min_size=5, max_size=5),
    superuser=st.booleans(),
)
def test_an_import_is_done_exactly_when_it_leaves_an_admin_with_a_login(people, kept, superuser):
    # given: people with roles, some with a login, and maybe a Django superuser
    Person.objects.all().delete()
    get_user_model().objects.all().delete()
    Team.objects.all().delete()
    ops = TeamFactory(name="Ops")
    if superuser:
        UserFactory(is_superuser=True)
    for i, (role, login) in enumerate(people):
        PersonFactory(
            email=f"p{i}@example.com", team=ops, role=role, user=UserFactory(username=f"p{i}") if login else None
        )
    # when: a file keeps some of them, with new roles
    lines = [(i, role) for i, (keep, role) in enumerate(kept[: len(people)]) if keep]
    text = HEADER + "".join(line(f"p{i}@example.com", role) for i, role in lines)
    had = any(role == "admin" and login for role, login in people)
    remains = superuser or not had or any(role == "admin" and people[i][1] for i, role in lines)
    # then: it is done exactly when it leaves someone able to open Manage (or nobody could before)
    if not lines:
        return  # a file of no people is refused as empty
    try:
        services.people_import(csv_text=text)
    except ValidationError as error:
        assert not remains and "nobody could open Manage" in " ".join(error.messages)
    else:
        assert remains
        admins = [p.user for p in Person.objects.filter(user__isnull=False)]
        assert superuser or not had or any(is_admin(user) for user in admins)
