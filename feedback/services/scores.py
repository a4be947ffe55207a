"""Turning a closed cycle's answers into group scores, item scores, reliability and changes."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import Count

from surveys.models import Answer, Cycle, CycleQuestion, Invitation, Question, Response
from surveys.selectors import cycle_team_parents, dimension_scales, team_ancestor_ids

from .. import statistics
from ..disclosure import group_totals
from ..disclosure_audit import DimensionFigure, Disclosure, Publication, QuestionSpec, audit, settle
from ..models import DimensionReliability, GroupScore, ItemScore, ParticipationFigure
from ..selectors.participation import audience_covers
from .drivers import drivers_store


@dataclass
class _GroupTally:
    scale_scores: list[float] = field(default_factory=list)
    favourable_answers: int = 0
    item_answers: int = 0
    enps_values: list[int] = field(default_factory=list)


@dataclass
class _Answers:
    """A cycle's numeric answers: per response, its team and its (reverse-scored) value per question."""

    team_of: dict = field(default_factory=dict)
    values: dict = field(default_factory=lambda: defaultdict(dict))  # response → {question id: scored value}
    raw: dict = field(default_factory=lambda: defaultdict(dict))  # response → {question id: value as asked}
    questions: dict = field(default_factory=dict)  # question id → (dimension id, kind, points)


def _answers(cycle_id: int) -> _Answers:
    rows = Answer.objects.filter(
        response__cycle_id=cycle_id, question__kind__in=[Question.Kind.LIKERT, Question.Kind.ENPS]
    ).values_list(
        "response_id",
        "response__team_id",
        "question_id",
        "question__dimension_id",
        "question__kind",
        "question__scale_points",
        "question__reverse_scored",
        "value",
    )
    found = _Answers()
    for response_id, team_id, question_id, dimension_id, kind, points, reverse, value in rows:
        found.team_of[response_id] = team_id
        found.questions[question_id] = (dimension_id, kind, points)
        found.raw[response_id][question_id] = value
        found.values[response_id][question_id] = statistics.reverse_score(value, points=points) if reverse else value
    return found


def _dimension_tallies(answers: _Answers, parents: dict) -> dict[tuple[int, int], _GroupTally]:
    """Return each group × dimension's respondent scale scores (mean of answered items) and counts.

    A dimension whose questions mix kinds or scales (`surveys.selectors.dimension_scales` is None: a bank from
    before the rule) has no tally, so it gets no group score, change or trend: a mean of 1–5 and 0–10 answers
    is no figure on any scale. Its questions' own item figures are kept.
    """
    dimension_ids = {dimension_id for dimension_id, *_ in answers.questions.values()}
    mixed = {d for d, scale in dimension_scales(dimension_ids=dimension_ids).items() if scale is None}
    tallies: dict[tuple[int, int], _GroupTally] = defaultdict(_GroupTally)
    for response_id, values in answers.values.items():
        by_dimension: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        for question_id, value in values.items():
            dimension_id, kind, points = answers.questions[question_id]
            if dimension_id in mixed:
                continue
            by_dimension[dimension_id].append((kind, points, value))
        groups = team_ancestor_ids(answers.team_of[response_id], parents=parents)
        for dimension_id, items in by_dimension.items():
            scale_score = sum(value for *_, value in items) / len(items)
            likert = [(points, value) for kind, points, value in items if kind == Question.Kind.LIKERT]
            favourable = sum(statistics.is_favourable(value, points=points) for points, value in likert)
            enps = [value for kind, _, value in items if kind == Question.Kind.ENPS]
            for team_id in groups:
                tally = tallies[(team_id, dimension_id)]
                tally.scale_scores.append(scale_score)
                tally.favourable_answers += favourable
                tally.item_answers += len(likert)
                tally.enps_values.extend(enps)
    return tallies


def _item_scores(cycle_id: int, answers: _Answers, parents: dict) -> list[ItemScore]:
    scored: dict[tuple[int, int], list[int]] = defaultdict(list)
    asked: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for response_id, values in answers.values.items():
        groups = team_ancestor_ids(answers.team_of[response_id], parents=parents)
        for question_id, value in values.items():
            for team_id in groups:
                scored[(team_id, question_id)].append(value)
                asked[(team_id, question_id)][answers.raw[response_id][question_id]] += 1
    rows = []
    for (team_id, question_id), values in scored.items():
        _, kind, points = answers.questions[question_id]
        favourable = (
            sum(statistics.is_favourable(v, points=points) for v in values) if kind == Question.Kind.LIKERT else 0
        )
        summary = statistics.summarise(
            [float(v) for v in values],
            favourable_answers=favourable,
            item_answers=len(values) if kind == "likert" else 0,
        )
        rows.append(
            ItemScore(
                cycle_id=cycle_id,
                team_id=team_id,
                question_id=question_id,
                respondents=summary.respondents,
                mean=summary.mean,
                sd=summary.sd,
                favourable=summary.favourable,
                distribution={str(k): n for k, n in sorted(asked[(team_id, question_id)].items())},
            )
        )
    return rows


def _reliabilities(cycle_id: int, answers: _Answers) -> list[DimensionReliability]:
    """Cronbach's α per dimension at organisation level, over responses that answered every item."""
    items_of: dict[int, list[int]] = defaultdict(list)
    for question_id, (dimension_id, kind, _) in answers.questions.items():
        if kind == Question.Kind.LIKERT:
            items_of[dimension_id].append(question_id)
    rows = []
    for dimension_id, question_ids in items_of.items():
        matrix = [
            [values[q] for q in question_ids]
            for values in answers.values.values()
            if all(q in values for q in question_ids)
        ]
        alpha = statistics.cronbach_alpha(np.array(matrix)) if matrix else None
        rows.append(
            DimensionReliability(
                cycle_id=cycle_id,
                dimension_id=dimension_id,
                alpha=alpha,
                respondents=len(matrix),
                items=len(question_ids),
            )
        )
    return rows


def _previous_tallies(cycle: Cycle, keys: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, _GroupTally, bool]]:
    """Return, per group × dimension, the latest earlier closed cycle that invited the group and asked the
    dimension, its tally (respondent scores, eNPS answers) and whether that cycle's figure was shown.

    A group nobody of which answered that cycle has no tally there and so no change: comparing with an older
    cycle instead would show that nobody answered the one between.
    Only cycles whose audience took in the whole group are compared (`participation.audience_covers`), this
    one and the earlier: a one-off survey of one team of a department is no change of the department, and the
    department's next change is against its previous whole survey.
    """
    audiences: dict[int, set[int]] = defaultdict(set)
    for cycle_id, named in Cycle.teams.through.objects.filter(
        cycle_id__in=Cycle.objects.filter(opens_at__lte=cycle.opens_at).values("id")
    ).values_list("cycle_id", "team_id"):
        audiences[cycle_id].add(named)
    here = cycle_team_parents(cycle_id=cycle.id)
    keys = {key for key in keys if audience_covers(team_id=key[0], audience=audiences[cycle.id], parents=here)}
    earlier = list(
        Cycle.objects.filter(
            opens_at__lt=cycle.opens_at, state__in=[Cycle.State.CLOSED, Cycle.State.PUBLISHED]
        ).order_by("opens_at")
    )
    ids = [c.id for c in earlier]
    invited_teams: dict[int, set[int]] = defaultdict(set)
    for cycle_id, team_id in Invitation.objects.filter(cycle_id__in=ids).values_list("cycle_id", "team_id").distinct():
        invited_teams[cycle_id].add(team_id)
    asked: dict[int, set[int]] = defaultdict(set)
    for cycle_id, dimension_id in CycleQuestion.objects.filter(cycle_id__in=ids).values_list(
        "cycle_id", "question__dimension_id"
    ):
        asked[cycle_id].add(dimension_id)
    latest: dict[tuple[int, int], int] = {}
    for previous in earlier:
        parents = cycle_team_parents(cycle_id=previous.id)
        groups = {
            g
            for team in invited_teams[previous.id]
            for g in team_ancestor_ids(team, parents=parents)
            if audience_covers(team_id=g, audience=audiences[previous.id], parents=parents)
        }
        for team_id, dimension_id in keys:
            if team_id in groups and dimension_id in asked[previous.id]:
                latest[(team_id, dimension_id)] = previous.id
    was_shown = set(
        GroupScore.objects.filter(cycle_id__in=set(latest.values()), shown=True).values_list(
            "team_id", "dimension_id", "cycle_id"
        )
    )
    found = {}
    for cycle_id in set(latest.values()):
        tallies = _dimension_tallies(_answers(cycle_id), cycle_team_parents(cycle_id=cycle_id))
        for key, previous in latest.items():
            if previous == cycle_id and key in tallies:
                found[key] = (cycle_id, tallies[key], (*key, cycle_id) in was_shown)
    return found


def _question_specs(cycle: Cycle) -> dict[int, QuestionSpec]:
    """Return the cycle's scored questions as an attacker knows them: values, scoring, required."""
    specs = {}
    asked = CycleQuestion.objects.filter(cycle=cycle, question__kind__in=[Question.Kind.LIKERT, Question.Kind.ENPS])
    for question in (row.question for row in asked.select_related("question")):
        if question.kind == Question.Kind.ENPS:
            values = tuple(range(11))
            scored, favourable = tuple(map(float, values)), (0,) * 11
        else:
            points = question.scale_points
            values = tuple(range(1, points + 1))
            scored = tuple(
                float(statistics.reverse_score(v, points=points) if question.reverse_scored else v) for v in values
            )
            favourable = tuple(int(statistics.is_favourable(int(v), points=points)) for v in scored)
        specs[question.id] = QuestionSpec(
            dimension=question.dimension_id,
            kind=question.kind,
            values=values,
            scored=scored,
            favourable=favourable,
            required=question.required,
        )
    return specs


def _publication(cycle, parents, invited, answered_totals, tallies, items) -> Publication:
    """Return what the cycle may show: every figure, settled by the tree rule and the disclosure audit."""
    dimensions = {}
    for key, tally in tallies.items():
        summary = statistics.summarise(
            tally.scale_scores, favourable_answers=tally.favourable_answers, item_answers=tally.item_answers
        )
        enps = statistics.enps(tally.enps_values) if tally.enps_values else None
        dimensions[key] = DimensionFigure(summary.respondents, summary.mean, summary.favourable, enps)
    return settle(
        threshold=cycle.threshold,
        parent_of=parents,
        invited=invited,
        questions=_question_specs(cycle),
        answered=answered_totals,
        items={(i.team_id, i.question_id): {int(v): n for v, n in i.distribution.items()} for i in items},
        dimensions=dimensions,
    )


def cycle_disclosures(*, cycle_id: int) -> list[Disclosure]:
    """Audit what an aggregated cycle shows, read back from its stored figures; return what can be learnt.

    Reads the rows every output reads (GroupScore, ItemScore, ParticipationFigure; `shown` as stored) rather
    than recomputing them, so it checks what leaves the database, not what aggregation meant to write.
    Empty for every cycle aggregated by `scores_aggregate`. Used by tests and `manage.py disclosure_audit`.
    """
    cycle = Cycle.objects.get(id=cycle_id)
    parents = cycle_team_parents(cycle_id=cycle_id)
    invited = dict(Invitation.objects.filter(cycle_id=cycle_id).values_list("team_id").annotate(n=Count("id")))
    participation = list(ParticipationFigure.objects.filter(cycle_id=cycle_id))
    items = list(ItemScore.objects.filter(cycle_id=cycle_id))
    scores = list(GroupScore.objects.filter(cycle_id=cycle_id))

    def publication(only_shown: bool) -> Publication:
        return Publication(
            threshold=cycle.threshold,
            parent_of=parents,
            invited=invited,
            questions=_question_specs(cycle),
            answered={p.team_id: p.answered for p in participation if p.shown or not only_shown},
            items={
                (i.team_id, i.question_id): {int(v): n for v, n in i.distribution.items()}
                for i in items
                if i.shown or not only_shown
            },
            dimensions={
                (g.team_id, g.dimension_id): DimensionFigure(g.respondents, g.mean, g.favourable, g.enps)
                for g in scores
                if g.shown or not only_shown
            },
        )

    return audit(publication(only_shown=True), publication(only_shown=False))


@transaction.atomic
def scores_aggregate(*, cycle_id: int) -> int:
    """Replace a closed cycle's aggregates with ones computed afresh from its answers; return the group rows.

    1. Reverse-score each item where the question says so; a respondent's dimension score is the mean of their
       answered items in that dimension.
    2. Count each response in its team and in every ancestor of that team, both as of the cycle's opening.
    3. Summarise each group × dimension (respondents, mean, SD, favourable share, eNPS) and its change from
       the group's previous cycle; each group × question with its distribution; and each dimension's
       Cronbach's α over the whole organisation.
    4. Decide what may be shown, every figure of the cycle together (`feedback.disclosure_audit.settle`: the
       tree rule per measure, then an exact audit of what all shown figures combined reveal, hiding more until
       it finds nothing), participation counts included: the tree and the answers of a closed cycle never
       change, so the decision is made once here.
       A change is shown only where this figure and the previous cycle's are both shown.
    5. Estimate drivers for each group shown and large enough (`feedback.services.drivers.drivers_store`).
    Running it twice gives the same rows; the cycle row lock keeps two runs from interleaving.
    """
    cycle = Cycle.objects.select_for_update().get(id=cycle_id)
    if cycle.state not in (Cycle.State.CLOSED, Cycle.State.PUBLISHED):
        raise ValueError(f"cycle {cycle_id} is {cycle.state}; only closed cycles are aggregated")
    parents = cycle_team_parents(cycle_id=cycle_id)
    answers = _answers(cycle_id)
    tallies = _dimension_tallies(answers, parents)
    previous = _previous_tallies(cycle, set(tallies))

    items = _item_scores(cycle_id, answers, parents)
    invited = dict(Invitation.objects.filter(cycle_id=cycle_id).values_list("team_id").annotate(n=Count("id")))
    answered = dict(Response.objects.filter(cycle_id=cycle_id).values_list("team_id").annotate(n=Count("id")))
    published = _publication(cycle, parents, invited, group_totals(answered, parents), tallies, items)
    rows = []
    for (team_id, dimension_id), tally in tallies.items():
        summary = statistics.summarise(
            tally.scale_scores, favourable_answers=tally.favourable_answers, item_answers=tally.item_answers
        )
        row = GroupScore(
            cycle_id=cycle_id,
            team_id=team_id,
            dimension_id=dimension_id,
            respondents=summary.respondents,
            mean=summary.mean,
            sd=summary.sd,
            favourable=summary.favourable,
            enps=statistics.enps(tally.enps_values) if tally.enps_values else None,
            shown=(team_id, dimension_id) in published.dimensions,
        )
        earlier = previous.get((team_id, dimension_id))
        if earlier and len(earlier[1].scale_scores) >= 2 and len(tally.scale_scores) >= 2:
            # In the figure's own unit: eNPS points for eNPS, scale points otherwise.
            if tally.enps_values and len(earlier[1].enps_values) >= 2:
                test = statistics.enps_change_between(earlier[1].enps_values, tally.enps_values)
            else:
                test = statistics.change_between(earlier[1].scale_scores, tally.scale_scores)
            row.previous_cycle_id = earlier[0]
            row.change, row.change_ci_low, row.change_ci_high = test.difference, test.ci_low, test.ci_high
            row.change_p, row.change_flagged = test.p, test.flagged
            row.change_shown = row.shown and earlier[2]
        rows.append(row)
    GroupScore.objects.filter(cycle_id=cycle_id).delete()
    GroupScore.objects.bulk_create(rows, batch_size=1000)
    ItemScore.objects.filter(cycle_id=cycle_id).delete()
    for item in items:
        item.shown = (item.team_id, item.question_id) in published.items
    ItemScore.objects.bulk_create(items, batch_size=1000)
    ParticipationFigure.objects.filter(cycle_id=cycle_id).delete()
    invited_totals, answered_totals = group_totals(invited, parents), group_totals(answered, parents)
    ParticipationFigure.objects.bulk_create(
        (
            ParticipationFigure(
                cycle_id=cycle_id,
                team_id=team_id,
                invited=n,
                answered=answered_totals.get(team_id, 0),
                shown=team_id in published.answered,
            )
            for team_id, n in invited_totals.items()
        ),
        batch_size=1000,
    )
    DimensionReliability.objects.filter(cycle_id=cycle_id).delete()
    DimensionReliability.objects.bulk_create(_reliabilities(cycle_id, answers))
    drivers_store(cycle=cycle, answers=answers, parents=parents, scores=rows)
    return len(rows)


def results_announce(*, cycle_id: int) -> bool:
    """Email admins once that a cycle's results are ready; return False if it was already announced."""
    from ..emails import results_ready_send

    with transaction.atomic():
        if not Cycle.objects.filter(id=cycle_id, results_announced=False).update(results_announced=True):
            return False
        # Sent inside the transaction: if the mail server fails, the flag rolls back and a retry sends it.
        results_ready_send(cycle=Cycle.objects.get(id=cycle_id))
    return True


def results_published_notify(*, cycle_id: int) -> int:
    """Email a published cycle's invitees once that results are in; return how many were sent (0: done before)."""
    from ..emails import results_published_send

    with transaction.atomic():
        claimed = Cycle.objects.filter(id=cycle_id, state=Cycle.State.PUBLISHED, members_notified=False).update(
            members_notified=True
        )
        if not claimed:
            return 0
        # Sent inside the transaction: if the mail server fails, the flag rolls back and a retry sends again.
        return results_published_send(cycle=Cycle.objects.get(id=cycle_id))
