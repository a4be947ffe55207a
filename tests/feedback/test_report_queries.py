"""The team report's queries do not grow with the number of teams (the dashboard's: test_dashboard.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys.models import Comment, Cycle, Invitation, Person, Question, Response, Team
from tests.factories import UserFactory, organisation_with_aggregates

pytestmark = pytest.mark.django_db


def _invited_and_answered(root: Team) -> None:
    """Give every team below `root` a person invited to every cycle, answering it with a comment."""
    teams = list(Team.objects.filter(parent__parent=root))
    people = Person.objects.bulk_create(
        Person(email=f"{root.id}.{team.id}@example.com", name=team.name, team=team) for team in teams
    )
    cycles = list(Cycle.objects.filter(tree__team=root))
    Invitation.objects.bulk_create(Invitation(cycle=c, person=p, team=p.team) for c in cycles for p in people)
    responses = Response.objects.bulk_create(Response(cycle=c, team=p.team) for c in cycles for p in people)
    question = Question.objects.filter(kind=Question.Kind.COMMENT).first()
    Comment.objects.bulk_create(
        Comment(cycle=r.cycle, team=r.team, question=question, text="A few words") for r in responses
    )


def test_the_team_report_query_count_does_not_grow_with_the_number_of_teams(client):
    client.force_login(UserFactory(username="root@example.com", is_superuser=True))
    counts = {"team": [], "organisation": []}
    for departments, teams_each in ((2, 5), (20, 10)):  # 10 teams, then 200
        root = organisation_with_aggregates(
            departments=departments, teams_per_department=teams_each, cycles=3, name=f"Org {departments}"
        )
        _invited_and_answered(root)
        team = Team.objects.filter(parent__parent=root).order_by("name").last()  # 6 respondents: shown
        for name, subject in (("team", team), ("organisation", root)):
            with CaptureQueriesContext(connection) as queries:
                page = client.get(reverse("feedback:team_report", args=[subject.id])).content.decode()
            assert "Pulse 2" in page and "n</th>" in page  # the report shows its latest cycle's scores
            counts[name].append(len(queries))
    assert counts["team"][0] == counts["team"][1]
    assert counts["organisation"][0] == counts["organisation"][1]
