import pytest

from surveys import selectors, services
from surveys.models import Comment, Invitation, Person, Question
from tests.browser.conftest import (  # noqa: F401 - Chromium and axe-core for tests/conversations/test_browser.py
    accessibility_violations,
    axe_script,
    chromium,
    page,
)
from tests.factories import CycleFactory, PersonFactory, TeamFactory, UserFactory, manager_of


def answer(cycle, invitation, comments: dict[int, str] | None = None) -> str | None:
    """Submit one response through a fresh link; return the conversation key the thank-you page shows."""
    questions = selectors.cycle_questions(cycle=cycle)
    answers = {q.id: 8 if q.kind == Question.Kind.ENPS else 4 for q in questions if q.kind != Question.Kind.COMMENT}
    token = services.invitation_link_issue(invitation_id=invitation.id)
    return services.response_submit(token=token, answers=answers, comments=comments or {})


def comment_question(cycle) -> Question:
    return next(q for q in selectors.cycle_questions(cycle=cycle) if q.kind == Question.Kind.COMMENT)


@pytest.fixture
def org():
    """Org → D1 → A and Org → D2 → B, five people in each of A and B, and their readers: Alice manages A, Bob
    manages B, Lee leads D1, Ada administers, Charlie is a member of A with a login."""
    root = TeamFactory(name="Org")
    d1, d2 = TeamFactory(name="D1", parent=root), TeamFactory(name="D2", parent=root)
    a, b = TeamFactory(name="A", parent=d1), TeamFactory(name="B", parent=d2)
    PersonFactory.create_batch(5, team=a)
    PersonFactory.create_batch(5, team=b)
    charlie = UserFactory(username="charlie@example.com")
    people = {
        "alice": manager_of(a, email="alice@example.com")[0],
        "bob": manager_of(b, email="bob@example.com")[0],
        "lee": manager_of(d1, email="lee@example.com", role=Person.Role.LEADER)[0],
        "ada": manager_of(root, email="ada@example.com", role=Person.Role.ADMIN)[0],
        "charlie": charlie,
    }
    return {"teams": {"org": root, "d1": d1, "d2": d2, "a": a, "b": b}, "users": people}


@pytest.fixture
def commented(org):
    """A cycle where A's first respondent wrote a comment and kept its key, and B's wrote one too; closed."""
    a, b = org["teams"]["a"], org["teams"]["b"]
    cycle = CycleFactory(teams=[org["teams"]["org"]], threshold=3)
    services.cycle_open(cycle_id=cycle.id)
    question = comment_question(cycle)
    keys = {}
    for team in (a, b):
        invitations = list(Invitation.objects.filter(cycle=cycle, team=team).order_by("id"))[:5]
        keys[team.name] = answer(cycle, invitations[0], {question.id: f"Too many priorities in {team.name}"})
        for invitation in invitations[1:]:
            assert answer(cycle, invitation) is None
    services.cycle_close(cycle_id=cycle.id)
    comments = {c.team.name: c for c in Comment.objects.filter(cycle=cycle).select_related("team")}
    return org | {"cycle": cycle, "keys": keys, "comments": comments, "question": question}
