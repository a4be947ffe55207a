"""Turning a closed cycle's answers into group scores, item scores, reliability and changes."""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Window
from django.db.models.functions import DenseRank

from surveys.models import Answer, Cycle, CycleQuestion, Invitation, Question, Response
from surveys.selectors import cycle_team_parents, dimension_scales, team_ancestor_ids

from .. import statistics
from ..disclosure import group_totals
from ..disclosure_audit import DimensionFigure, Disclosure, Publication, QuestionSpec, audit, settle
from ..grouping import run_of_rows, runs, spread
from ..models import DimensionReliability, GroupScore, ItemScore, ParticipationFigure
from ..selectors.participation import audience_covers
from .drivers import drivers_store


@dataclass
class _GroupTally:
    scale_scores: list[float] = field(default_factory=list)
    favourable_answers: int = 0
    item_answers: int = 0
    enps_values: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Answers:
    """A cycle's numeric answers as arrays: one entry per question, per response (numbered in the order of
    their ids, so whatever order the database returns them in, the numbering is the same) and per answer."""

    question_ids: np.ndarray  # the questions answered, ascending
    dimension: np.ndarray  # per question: its dimension id
    enps: np.ndarray  # per question: True for eNPS, False for an agreement item
    points: np.ndarray  # per question: its scale's points
    reverse: np.ndarray  # per question: whether it is reverse-scored
    team: np.ndarray  # per response: its team
    response: np.ndarray  # per answer: its response's number
    question: np.ndarray  # per answer: its question's place in question_ids
    raw: np.ndarray  # per answer: the value as asked
    scored: np.ndarray  # per answer: the value reverse-scored where its question says so

    @classmethod
    def from_rows(cls, rows: list[tuple], questions: dict[int, tuple[int, str, int, bool]]) -> "_Answers":
        """Return the answers of rows (response key, team id, question id, value as asked); `questions`: each
        question's (dimension id, kind, points, reverse-scored). Response keys are numbered in ascending order."""
        keys, teams, asked, values = (np.array(column) for column in zip(*rows, strict=True)) if rows else [[]] * 4
        return cls.from_columns(keys, teams, asked, values, questions)

    @classmethod
    def from_columns(cls, keys, teams, asked, values, questions: dict[int, tuple[int, str, int, bool]]) -> "_Answers":
        """Return the answers of `from_rows` given as four columns. Only questions answered are kept, and the
        answers are put in the order of their responses' keys and then of question ids, whatever order the
        database returned them in."""
        asked = np.asarray(asked, dtype=np.int64)
        question_ids = np.unique(asked)
        spec = [questions[q] for q in question_ids.tolist()]
        _, response = np.unique(np.asarray(keys), return_inverse=True)
        order = np.lexsort((asked, response))
        response, asked = response[order].astype(np.int64), asked[order]
        team = np.zeros(response.max() + 1 if len(response) else 0, dtype=np.int64)
        team[response] = np.asarray(teams)[order]
        question = np.searchsorted(question_ids, asked)
        points = np.array([p for _, _, p, _ in spec], dtype=np.int64)
        raw = np.asarray(values, dtype=np.int64)[order]
        reverse = np.array([r for *_, r in spec], dtype=bool)
        return cls(
            question_ids=question_ids,
            dimension=np.array([d for d, *_ in spec], dtype=np.int64),
            enps=np.array([kind == Question.Kind.ENPS for _, kind, *_ in spec], dtype=bool),
            points=points,
            reverse=reverse,
            team=team,
            response=response,
            question=question,
            raw=raw,
            scored=np.where(reverse[question], points[question] + 1 - raw, raw),
        )

    def scored_value(self, question: np.ndarray, raw: np.ndarray) -> np.ndarray:
        """Return values as asked of the questions at these places, reverse-scored where they say so
        (`statistics.reverse_score`)."""
        return np.where(self.reverse[question], self.points[question] + 1 - raw, raw)


def _answers(cycle_id: int) -> _Answers:
    """Return a closed cycle's agreement and eNPS answers, each response numbered by the rank of its id."""
    numeric = Answer.objects.filter(
        response__cycle_id=cycle_id, question__kind__in=[Question.Kind.LIKERT, Question.Kind.ENPS]
    )
    # The rank, not the id: 100,000 ids made into UUID objects and hashed cost more than the rest of the read;
    # and whole numbers straight from the cursor into one array, without the ORM's tuple per row.
    ranked = numeric.annotate(rank=Window(DenseRank(), order_by="response_id"))
    sql, params = ranked.values_list("rank", "response__team_id", "question_id", "value").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        table = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 4)
    keys, teams, asked, values = table.T
    questions = Question.objects.filter(id__in=np.unique(asked).tolist())
    specs = questions.values_list("id", "dimension_id", "kind", "scale_points", "reverse_scored")
    return _Answers.from_columns(keys, teams, asked, values, {q: spec for q, *spec in specs})


def _chains(teams: np.ndarray, parents: dict) -> dict[int, list[int]]:
    return {t: team_ancestor_ids(t, parents=parents) for t in np.unique(teams).tolist()}


def _dimension_tallies(answers: _Answers, parents: dict) -> dict[tuple[int, int], _GroupTally]:
    """Return each group × dimension's respondent scale scores (mean of answered items) and counts.

    A dimension whose questions mix kinds or scales (`surveys.selectors.dimension_scales` is None: a bank from
    before the rule) has no tally, so it gets no group score, change or trend: a mean of 1–5 and 0–10 answers
    is no figure on any scale. Its questions' own item figures are kept.
    1. Per response × dimension (a cell): its scale score, favourable and agreement answers, eNPS answers.
    2. Each cell spread to the response's team and every ancestor; each run of one group × dimension is a
       tally, its scale scores in the order of the responses' numbers.
    """
    mixed = [d for d, scale in dimension_scales(dimension_ids=set(answers.dimension.tolist())).items() if not scale]
    kept = ~np.isin(answers.dimension[answers.question], mixed)
    question, response, scored = answers.question[kept], answers.response[kept], answers.scored[kept]
    dimension = answers.dimension[question]
    likert = ~answers.enps[question]
    if not len(response):
        return {}
    order, starts = runs(response, dimension)
    cell_of, cells = run_of_rows(order, starts), order[starts]
    cell_response, cell_dimension = response[cells], dimension[cells]
    answered = np.bincount(cell_of, minlength=len(cells))
    scale = np.bincount(cell_of, weights=scored, minlength=len(cells)) / answered  # sums of whole numbers: exact
    favourable = np.bincount(cell_of, weights=likert & (scored >= answers.points[question] - 1), minlength=len(cells))
    agreement = np.bincount(cell_of, weights=likert, minlength=len(cells))
    chains = _chains(answers.team, parents)

    rows, groups = spread(answers.team[cell_response], chains)
    order, starts = runs(groups, cell_dimension[rows])
    ends = np.append(starts, len(order))
    scale_scores = scale[rows][order].tolist()
    sums = np.add.reduceat(np.stack([favourable, agreement])[:, rows][:, order], starts, axis=1).astype(np.int64)
    tallies = {
        (team_id, dimension_id): _GroupTally(scale_scores[a:b], favourable_answers=f, item_answers=n)
        for team_id, dimension_id, a, b, f, n in zip(
            groups[order][starts].tolist(),
            cell_dimension[rows][order][starts].tolist(),
            ends[:-1].tolist(),
            ends[1:].tolist(),
            *sums.tolist(),
            strict=True,
        )
    }
    enps = np.flatnonzero(~likert)
    rows, groups = spread(answers.team[response[enps]], chains)
    order, starts = runs(groups, dimension[enps][rows])
    values, ends = scored[enps][rows][order].tolist(), np.append(starts, len(order))
    for team_id, dimension_id, a, b in zip(
        groups[order][starts].tolist(),
        dimension[enps][rows][order][starts].tolist(),
        ends[:-1].tolist(),
        ends[1:].tolist(),
        strict=True,
    ):
        tallies[(team_id, dimension_id)].enps_values = values[a:b]
    return tallies


def _item_scores(cycle_id: int, answers: _Answers, parents: dict) -> list[ItemScore]:
    """Return each group × question's item figures from its distribution: answers counted per team × question ×
    value, then spread to every group above the team and added up."""
    order, starts = runs(answers.team[answers.response], answers.question, answers.raw)
    counts = np.diff(np.append(starts, len(order)))
    first = order[starts]
    team, question, raw = answers.team[answers.response][first], answers.question[first], answers.raw[first]
    rows, groups = spread(team, _chains(team, parents))
    order, starts = runs(groups, question[rows], raw[rows])
    n = np.add.reduceat(counts[rows][order], starts) if len(starts) else counts[:0]
    group, question, raw = groups[order][starts], question[rows][order][starts], raw[rows][order][starts]
    scored = answers.scored_value(question, raw)
    distributions: dict[tuple[int, int], dict] = defaultdict(dict)
    for key in zip(group.tolist(), question.tolist(), raw.tolist(), scored.tolist(), n.tolist(), strict=True):
        distributions[key[:2]][key[2]] = key[3:]
    items = []
    for (team_id, place), found in distributions.items():
        enps, points = answers.enps[place], int(answers.points[place])
        by_score = {float(s): c for s, c in found.values()}
        favourable = 0 if enps else sum(c for s, c in by_score.items() if statistics.is_favourable(s, points=points))
        summary = statistics.summarise_counts(
            by_score, favourable_answers=favourable, item_answers=0 if enps else sum(by_score.values())
        )
        items.append(
            ItemScore(
                cycle_id=cycle_id,
                team_id=team_id,
                question_id=int(answers.question_ids[place]),
                respondents=summary.respondents,
                mean=summary.mean,
                sd=summary.sd,
                favourable=summary.favourable,
                distribution={str(v): c for v, (_, c) in sorted(found.items())},
            )
        )
    return items


def _reliabilities(cycle_id: int, answers: _Answers) -> list[DimensionReliability]:
    """Cronbach's α per dimension at organisation level, over responses that answered every item."""
    table = np.full((len(answers.team), len(answers.question_ids)), np.nan)
    table[answers.response, answers.question] = answers.scored
    rows = []
    for dimension_id in dict.fromkeys(answers.dimension[~answers.enps].tolist()):
        matrix = table[:, (answers.dimension == dimension_id) & ~answers.enps]
        matrix = matrix[~np.isnan(matrix).any(axis=1)]
        rows.append(
            DimensionReliability(
                cycle_id=cycle_id,
                dimension_id=dimension_id,
                alpha=statistics.cronbach_alpha(matrix) if len(matrix) else None,
                respondents=len(matrix),
                items=matrix.shape[1],
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
