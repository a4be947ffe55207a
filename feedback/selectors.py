"""Reads with rules for the feedback side: who may see which team, and what a report may show.

Every figure leaves through `team_report`, which applies the disclosure rules of `feedback.disclosure`.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from surveys.models import Cycle, Dimension, Person, Question, Team
from surveys.selectors import cycle_questions, cycle_team_parents, team_subtree_ids

from .disclosure import hidden_groups
from .models import GroupScore


def viewer_person(user) -> Person | None:
    """Return the Person behind a login, if any."""
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user, is_active=True).first()


def teams_visible_to(*, user) -> QuerySet[Team]:
    """Return the teams whose reports this user may open.

    Admins see every team, leaders the subtrees of the teams they lead, managers the teams they manage.
    """
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    person = viewer_person(user)
    if person is None:
        return Team.objects.none()
    if person.role == Person.Role.ADMIN:
        return Team.objects.all()
    managed = list(person.managed_teams.values_list("id", flat=True))
    if person.role == Person.Role.LEADER:
        return Team.objects.filter(id__in=team_subtree_ids(managed))
    if person.role == Person.Role.MANAGER:
        return Team.objects.filter(id__in=managed)
    return Team.objects.none()


@dataclass(frozen=True)
class ScoreCell:
    dimension: Dimension
    shown: bool
    respondents: int | None = None
    mean: float | None = None
    favourable: float | None = None
    enps: float | None = None


@dataclass(frozen=True)
class CycleReport:
    cycle: Cycle
    cells: list[ScoreCell]


def _report_dimensions(cycle: Cycle) -> list[Dimension]:
    seen: dict[int, Dimension] = {}
    for question in cycle_questions(cycle=cycle):
        if question.kind != Question.Kind.COMMENT:
            seen.setdefault(question.dimension_id, question.dimension)
    return list(seen.values())


def team_report(*, team: Team) -> list[CycleReport]:
    """Return the team's scores for every closed cycle it took part in, newest first, disclosure applied.

    A cell is shown only when the team has at least the cycle's threshold of respondents for that dimension
    and no smaller group could be worked out by subtracting what is shown (complementary suppression).
    """
    cycles = (
        Cycle.objects.filter(state__in=[Cycle.State.CLOSED, Cycle.State.PUBLISHED], tree__team=team)
        .distinct()
        .order_by("-closes_at")
    )
    reports = []
    for cycle in cycles:
        # The tree as it stood when this cycle opened: a team moved since is judged where it was then.
        parents = cycle_team_parents(cycle_id=cycle.id)
        subtree = team_subtree_ids([team.id], parents=parents)
        if not cycle.invitations.filter(team_id__in=subtree).exists():
            continue
        scores = GroupScore.objects.filter(cycle=cycle)
        counts: dict[int, dict[int, int]] = defaultdict(dict)
        own: dict[int, GroupScore] = {}
        for score in scores:
            counts[score.dimension_id][score.team_id] = score.respondents
            if score.team_id == team.id:
                own[score.dimension_id] = score
        cells = []
        for dimension in _report_dimensions(cycle):
            score = own.get(dimension.id)
            hidden = hidden_groups(counts[dimension.id], parents, cycle.threshold)
            if score is None or team.id in hidden:
                cells.append(ScoreCell(dimension=dimension, shown=False))
            else:
                cells.append(
                    ScoreCell(
                        dimension=dimension,
                        shown=True,
                        respondents=score.respondents,
                        mean=score.mean,
                        favourable=score.favourable,
                        enps=score.enps,
                    )
                )
        reports.append(CycleReport(cycle=cycle, cells=cells))
    return reports
