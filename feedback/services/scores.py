"""Writes of the feedback side: turning a closed cycle's answers into group scores."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from surveys.models import Answer, Cycle, Question
from surveys.selectors import cycle_team_parents, team_ancestor_ids

from .. import statistics
from ..models import GroupScore


@dataclass
class _GroupTally:
    scale_scores: list[float] = field(default_factory=list)
    favourable_answers: int = 0
    item_answers: int = 0
    enps_values: list[int] = field(default_factory=list)


@transaction.atomic
def scores_aggregate(*, cycle_id: int) -> int:
    """Replace a closed cycle's group scores with ones computed afresh from its answers; return the row count.

    1. Reverse-score each item where the question says so; a respondent's dimension score is the mean of their
       answered items in that dimension.
    2. Count each response in its team and in every ancestor of that team, both as of the cycle's opening.
    3. Summarise each group × dimension: respondents, mean, SD, favourable share and, for eNPS, the eNPS.
    Running it twice gives the same rows; the cycle row lock keeps two runs from interleaving.
    """
    cycle = Cycle.objects.select_for_update().get(id=cycle_id)
    if cycle.state not in (Cycle.State.CLOSED, Cycle.State.PUBLISHED):
        raise ValueError(f"cycle {cycle_id} is {cycle.state}; only closed cycles are aggregated")

    answers = Answer.objects.filter(
        response__cycle_id=cycle_id, question__kind__in=[Question.Kind.LIKERT, Question.Kind.ENPS]
    ).values_list(
        "response_id",
        "response__team_id",
        "question__dimension_id",
        "question__kind",
        "question__scale_points",
        "question__reverse_scored",
        "value",
    )
    team_of_response: dict = {}
    items: dict[tuple, list[tuple[str, int, int]]] = defaultdict(list)
    for response_id, team_id, dimension_id, kind, points, reverse, value in answers:
        team_of_response[response_id] = team_id
        scored = statistics.reverse_score(value, points=points) if reverse else value
        items[(response_id, dimension_id)].append((kind, points, scored))

    parents = cycle_team_parents(cycle_id=cycle_id)
    tallies: dict[tuple[int, int], _GroupTally] = defaultdict(_GroupTally)
    for (response_id, dimension_id), scored_items in items.items():
        scale_score = sum(value for _, _, value in scored_items) / len(scored_items)
        favourable = sum(
            statistics.is_favourable(value, points=points)
            for kind, points, value in scored_items
            if kind == Question.Kind.LIKERT
        )
        likert_items = sum(1 for kind, _, _ in scored_items if kind == Question.Kind.LIKERT)
        enps_values = [value for kind, _, value in scored_items if kind == Question.Kind.ENPS]
        for team_id in team_ancestor_ids(team_of_response[response_id], parents=parents):
            tally = tallies[(team_id, dimension_id)]
            tally.scale_scores.append(scale_score)
            tally.favourable_answers += favourable
            tally.item_answers += likert_items
            tally.enps_values.extend(enps_values)

    rows = []
    for (team_id, dimension_id), tally in tallies.items():
        summary = statistics.summarise(
            tally.scale_scores, favourable_answers=tally.favourable_answers, item_answers=tally.item_answers
        )
        rows.append(
            GroupScore(
                cycle_id=cycle_id,
                team_id=team_id,
                dimension_id=dimension_id,
                respondents=summary.respondents,
                mean=summary.mean,
                sd=summary.sd,
                favourable=summary.favourable,
                enps=statistics.enps(tally.enps_values) if tally.enps_values else None,
            )
        )
    GroupScore.objects.filter(cycle_id=cycle_id).delete()
    GroupScore.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
