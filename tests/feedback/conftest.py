import pytest

from surveys import selectors, services
from surveys.models import Cycle, Invitation, Question
from tests.factories import CycleFactory, PersonFactory


def answer_all(cycle, team, answers_by_person) -> list[str]:
    """Submit one response per entry: a dict of question key → value (unlisted numeric questions get 3/5).

    Return the conversation keys the thank-you pages showed, one per response that carried a comment."""
    questions = selectors.cycle_questions(cycle=cycle)
    invitations = list(Invitation.objects.filter(cycle=cycle, team=team).order_by("id"))
    keys = []
    for invitation, given in zip(invitations, answers_by_person, strict=False):
        answers = {
            q.id: given.get(q.key, 5 if q.kind == Question.Kind.ENPS else 3)
            for q in questions
            if q.kind != Question.Kind.COMMENT
        }
        comments = {q.id: given[q.key] for q in questions if q.kind == Question.Kind.COMMENT and q.key in given}
        token = services.invitation_link_issue(invitation_id=invitation.id)
        key = services.response_submit(token=token, answers=answers, comments=comments)
        if key is not None:
            keys.append(key)
    return keys


def run_cycle(teams_and_answers, *, threshold=5, audience=None):
    """Open a cycle, submit the given answers per team, close it; return the cycle."""
    cycle = CycleFactory(teams=audience or [team for team, _ in teams_and_answers], threshold=threshold)
    for team, answers in teams_and_answers:
        if not team.members.exists():
            PersonFactory.create_batch(len(answers), team=team)
    services.cycle_open(cycle_id=cycle.id)
    for team, answers in teams_and_answers:
        answer_all(cycle, team, answers)
    services.cycle_close(cycle_id=cycle.id)  # as beat closes it: comments opened, rows rewritten
    return Cycle.objects.get(id=cycle.id)


@pytest.fixture
def run_closed_cycle():
    return run_cycle
