"""Computing and storing a closed cycle's drivers: per group, how each dimension goes with every other one."""

from collections import defaultdict

import numpy as np

from surveys.models import Cycle
from surveys.selectors import team_ancestor_ids

from .. import drivers
from ..grouping import runs, spread
from ..models import DriverEstimate, GroupScore


def _response_scores(answers) -> tuple[list[int], np.ndarray]:
    """Return (dimension ids, responses × dimensions scores): each response's mean of its answered
    (reverse-scored) items per dimension, NaN where it answered none."""
    dimension_ids, column = np.unique(answers.dimension[answers.question], return_inverse=True)
    cell = answers.response * len(dimension_ids) + column
    size = len(answers.team) * len(dimension_ids)
    answered = np.bincount(cell, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.bincount(cell, weights=answers.scored, minlength=size) / answered  # exact sums of whole numbers
    return dimension_ids.tolist(), scores.reshape(len(answers.team), len(dimension_ids))


def readable_groups(*, threshold: int, scores: list[GroupScore]) -> dict[int, tuple[list[int], int]]:
    """Return the groups whose drivers may be computed: team id → (dimension ids read, respondents).

    A group qualifies when at least two of its dimension figures are shown, every shown one counts the same
    respondents, and they are at least `drivers.minimum_respondents(threshold)`. (The caller then checks that
    exactly that many responses answered all of them, so the drivers' n is the shown n.)
    """
    shown: dict[int, dict[int, int]] = defaultdict(dict)
    for score in scores:
        if score.shown:
            shown[score.team_id][score.dimension_id] = score.respondents
    least = drivers.minimum_respondents(threshold)
    groups = {}
    for team_id, figures in shown.items():
        counts = set(figures.values())
        if len(figures) >= 2 and len(counts) == 1 and min(counts) >= least:
            groups[team_id] = (sorted(figures), counts.pop())
    return groups


def drivers_estimate(*, cycle: Cycle, answers, parents: dict, scores: list[GroupScore]) -> list[DriverEstimate]:
    """Return a cycle's driver estimates for every group large enough and shown, every dimension as outcome.

    `answers`: the cycle's `feedback.services.scores._Answers`; `parents`: its frozen tree; `scores`: its
    `GroupScore` rows with `shown` decided. Each group's responses are those of its team and every team below;
    those that answered every dimension read are analysed (`feedback.drivers.drivers_analyse`) in the order of
    their ids, seeded by cycle and team, so a rerun stores the same intervals. Nothing is computed for any other
    group.
    """
    groups = readable_groups(threshold=cycle.threshold, scores=scores)
    if not groups:
        return []
    dimension_columns, per_response = _response_scores(answers)
    chains = {t: team_ancestor_ids(t, parents=parents) for t in np.unique(answers.team).tolist()}
    responses, members = spread(answers.team, chains)
    order, starts = runs(members)  # each group's responses stay in the order of their numbers, that is of ids
    ends = np.append(starts, len(order))
    rows = []
    for team_id, a, b in zip(members[order][starts].tolist(), ends[:-1].tolist(), ends[1:].tolist(), strict=True):
        if team_id not in groups:
            continue
        dimension_ids, respondents = groups[team_id]
        # The seeded bootstrap resamples rows by position: the responses come in the order of their random keys,
        # not in whatever order the database returned them, so aggregating again gives the same intervals.
        scores = per_response[responses[order[a:b]]][:, [dimension_columns.index(d) for d in dimension_ids]]
        complete = scores[~np.isnan(scores).any(axis=1)]
        if len(complete) != respondents:
            continue  # someone skipped a dimension: the drivers' n would be a count no figure shows
        try:
            analyses = drivers.drivers_analyse(complete, dimension_ids, seed=[cycle.id, team_id])
        except ValueError:
            continue  # fewer than two dimensions vary in this group
        for outcome_id, analysis in analyses.items():
            for driver in analysis.drivers:
                rho_low, rho_high = driver.rho_interval or (None, None)
                importance_low, importance_high = driver.importance_interval or (None, None)
                rows.append(
                    DriverEstimate(
                        cycle_id=cycle.id,
                        team_id=team_id,
                        outcome_id=outcome_id,
                        dimension_id=driver.key,
                        respondents=analysis.respondents,
                        rho=driver.rho,
                        rho_ci_low=rho_low,
                        rho_ci_high=rho_high,
                        p=driver.p,
                        p_holm=driver.p_holm,
                        importance=driver.importance,
                        importance_ci_low=importance_low,
                        importance_ci_high=importance_high,
                        r_squared=analysis.r_squared,
                    )
                )
    return rows


def drivers_store(*, cycle: Cycle, answers, parents: dict, scores: list[GroupScore]) -> int:
    """Replace a cycle's stored driver estimates with ones computed afresh (`drivers_estimate`); return how many.

    Called by `scores_aggregate` inside its transaction, after it has decided what is shown.
    """
    rows = drivers_estimate(cycle=cycle, answers=answers, parents=parents, scores=scores)
    DriverEstimate.objects.filter(cycle_id=cycle.id).delete()
    DriverEstimate.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
