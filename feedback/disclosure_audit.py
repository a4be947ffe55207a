"""The disclosure auditor: what an attacker can work out from every figure a cycle publishes, taken together.

Pure: plain data in, plain data out (numpy and scipy's HiGHS MILP). DESIGN.md §3.3–3.4; issue 19 part 1.

`disclosure.hidden_groups` decides each measure over the tree on its own. An attacker combines everything:
participation counts, each dimension's respondents, mean, favourable share and eNPS, each question's answer
distribution, the organisation chart's invited counts and which questions are required. This module writes
all of it as linear constraints over the unknowns an attacker wants — per team's own members: how many
answered, how many gave each answer to each question, how many answered each dimension and the sum of their
dimension scores — and asks an exact integer solver (`scipy.optimize.milp`) how far each hidden quantity can
move while every published figure stays as published. This is the audit statistical agencies run on linked
tables before release (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, §4.3 and §5.1; the
τ-ARGUS "audit" of suppressed cells).

A hidden quantity is **disclosed** when
- a count (who answered; who answered a question or a dimension) of a set is known to lie between 1 and
  threshold − 1 — unless it is known that every invitee of the set answered, which says the same of each of
  them and so tells nobody apart (as any report's 100% does) — or, for participation, is known to be 0
  among one or more invitees (it says that none of them answered);
- a sum (a question's answer total, its favourable answers, eNPS promoters or detractors, a dimension's
  favourable answers or score total) is pinned to one value other than 0 for a set of respondents not known to
  be at least the threshold, unless every respondent of the set must have given one same answer to each of
  its questions. (A sum pinned at 0, or by such unanimity, says only that a shown group of at least the
  threshold answered as one — which its own figure shows of every member, and which no suppression of
  smaller groups can prevent; the README says so.)

Every published figure is taken as exact (the API gives full precision), which is the strongest attacker.
Not modelled: standard deviations of dimension scores (a sum of squares of per-respondent means is not linear
in the answer counts), and anything outside one cycle. An item's SD is implied by its distribution, which is.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from .disclosure import group_totals, hidden_groups

Group = Hashable
Measure = Hashable

PARTICIPATION = "participation"
PINNED_WIDTH = 1e-3  # a sum known to within this many answer points is taken as pinned
EXACT = 1e-7  # relative slack on published ratios and means, for floating-point rounding only
SOLVE_SECONDS = 20.0


@dataclass(frozen=True)
class QuestionSpec:
    """A question as the attacker knows it.

    values: the answers it takes as asked (1..points for an agreement scale, 0..10 for eNPS).
    scored: each value as scored (reverse-scored items flipped), in the same order.
    favourable: each value's contribution to the favourable count (agreement scales; 0 for eNPS).
    """

    dimension: Hashable
    kind: str  # "likert" or "enps"
    values: tuple[int, ...]
    scored: tuple[float, ...]
    favourable: tuple[int, ...]
    required: bool


@dataclass(frozen=True)
class DimensionFigure:
    """A shown group × dimension figure: respondents, mean score, favourable share (0–1) and eNPS (−100–100)."""

    respondents: int
    mean: float | None
    favourable: float | None
    enps: float | None


@dataclass
class Publication:
    """Everything a cycle shows, and what is public anyway.

    parent_of: the cycle's frozen tree (team → parent or None).
    invited: each team's own invitees (the organisation chart; shown).
    questions: the cycle's Likert and eNPS questions.
    answered: group (subtree) → answered count, for groups whose participation is shown.
    items: (group, question) → {value as asked: count}, for shown item figures.
    dimensions: (group, dimension) → figure, for shown dimension figures.
    """

    threshold: int
    parent_of: Mapping[Group, Group | None]
    invited: Mapping[Group, int]
    questions: Mapping[Hashable, QuestionSpec]
    answered: Mapping[Group, int] = field(default_factory=dict)
    items: Mapping[tuple[Group, Hashable], Mapping[int, int]] = field(default_factory=dict)
    dimensions: Mapping[tuple[Group, Hashable], DimensionFigure] = field(default_factory=dict)


@dataclass(frozen=True)
class Disclosure:
    """A hidden quantity the published figures pin down.

    atoms: the teams whose own members form the set; measure: PARTICIPATION, a question or a dimension;
    quantity: "count" or the name of a sum; low, high: its feasible range.
    """

    atoms: frozenset
    measure: Measure
    quantity: str
    low: float
    high: float


def subtree(group: Group, parent_of: Mapping[Group, Group | None]) -> set[Group]:
    """Return the group and every team below it in the tree."""
    children: dict[Group, list[Group]] = {}
    for team, parent in parent_of.items():
        children.setdefault(parent, []).append(team)
    found, stack = set(), [group]
    while stack:
        team = stack.pop()
        if team not in found:
            found.add(team)
            stack.extend(children.get(team, ()))
    return found


class _Model:
    """The attacker's integer programme: variables per team's own members, one row per published fact."""

    def __init__(self, publication: Publication):
        self.publication = publication
        self.atoms = sorted((t for t, n in publication.invited.items() if n > 0), key=repr)
        self.dimensions = sorted({q.dimension for q in publication.questions.values()}, key=repr)
        self.index: dict[tuple, int] = {}
        low, high, integral = [], [], []

        def variable(key: tuple, upper: float, integer: bool = True) -> None:
            self.index[key] = len(low)
            low.append(0.0)
            high.append(upper)
            integral.append(1 if integer else 0)

        for atom in self.atoms:
            n = publication.invited[atom]
            variable(("a", atom), n)
            for question_id, question in publication.questions.items():
                for value in question.values:
                    variable(("c", atom, question_id, value), n)
            for dimension in self.dimensions:
                variable(("n", atom, dimension), n)
                variable(("s", atom, dimension), n * self._top(dimension), integer=False)
        self.bounds = Bounds(np.array(low), np.array(high))
        self.integrality = np.array(integral)
        self.rows: list[dict[int, float]] = []
        self.row_low: list[float] = []
        self.row_high: list[float] = []
        self._structure()
        self._published()
        entries = [(r, c, v) for r, row in enumerate(self.rows) for c, v in row.items()]
        rows, cols, vals = zip(*entries, strict=True) if entries else ((), (), ())
        matrix = coo_array((vals, (rows, cols)), shape=(len(self.rows), len(low))).tocsr()
        self.constraints = LinearConstraint(matrix, np.array(self.row_low), np.array(self.row_high))

    def _top(self, dimension: Hashable) -> float:
        return max(max(q.scored) for q in self.publication.questions.values() if q.dimension == dimension)

    def _bottom(self, dimension: Hashable) -> float:
        return min(min(q.scored) for q in self.publication.questions.values() if q.dimension == dimension)

    def _row(self, terms: Iterable[tuple[tuple, float]], low: float, high: float) -> None:
        row: dict[int, float] = {}
        for key, coefficient in terms:
            if key in self.index:
                row[self.index[key]] = row.get(self.index[key], 0.0) + coefficient
        if row or low > 0 or high < 0:
            self.rows.append(row)
            self.row_low.append(low)
            self.row_high.append(high)

    def _question_terms(
        self, atom: Group, question_id: Hashable, weights: Iterable[float]
    ) -> list[tuple[tuple, float]]:
        question = self.publication.questions[question_id]
        return [(("c", atom, question_id, v), w) for v, w in zip(question.values, weights, strict=True)]

    def _count_terms(self, atom: Group, question_id: Hashable, scale: float = 1.0) -> list[tuple[tuple, float]]:
        return self._question_terms(atom, question_id, [scale] * len(self.publication.questions[question_id].values))

    def _structure(self) -> None:
        """What holds within one team's own members whatever was published."""
        questions = self.publication.questions
        for atom in self.atoms:
            for question_id, question in questions.items():
                # Who answered a question answered the survey; a required question, everyone who did.
                upper = 0.0 if question.required else -np.inf
                self._row([*self._count_terms(atom, question_id), (("a", atom), -1.0)], upper, 0.0)
            for dimension in self.dimensions:
                members = [q for q, spec in questions.items() if spec.dimension == dimension]
                self._row([(("n", atom, dimension), 1.0), (("a", atom), -1.0)], -np.inf, 0.0)
                everyone = []
                for question_id in members:
                    self._row([*self._count_terms(atom, question_id), (("n", atom, dimension), -1.0)], -np.inf, 0.0)
                    everyone += self._count_terms(atom, question_id, -1.0)
                self._row([(("n", atom, dimension), 1.0), *everyone], -np.inf, 0.0)
                top, bottom = self._top(dimension), self._bottom(dimension)
                score, count = ("s", atom, dimension), ("n", atom, dimension)
                self._row([(score, 1.0), (count, -top)], -np.inf, 0.0)
                self._row([(score, 1.0), (count, -bottom)], 0.0, np.inf)
                if all(questions[q].required for q in members):
                    # Everyone answered every item: the score total is the items' total over their number.
                    terms = [(score, -1.0)]
                    for question_id in members:
                        weights = [w / len(members) for w in questions[question_id].scored]
                        terms += self._question_terms(atom, question_id, weights)
                    self._row(terms, 0.0, 0.0)

    def _published(self) -> None:
        publication = self.publication
        questions = publication.questions
        below = {group: subtree(group, publication.parent_of) for group in publication.parent_of}
        for group, answered in publication.answered.items():
            self._row([(("a", atom), 1.0) for atom in below[group]], answered, answered)
        for (group, question_id), distribution in publication.items.items():
            for value in questions[question_id].values:
                count = distribution.get(value, 0)
                self._row([(("c", atom, question_id, value), 1.0) for atom in below[group]], count, count)
        for (group, dimension), figure in publication.dimensions.items():
            atoms = below[group]
            n = figure.respondents
            self._row([(("n", atom, dimension), 1.0) for atom in atoms], n, n)
            members = [q for q, spec in questions.items() if spec.dimension == dimension]
            if figure.mean is not None:
                slack = EXACT * n * max(1.0, abs(figure.mean))
                total = figure.mean * n
                self._row([(("s", atom, dimension), 1.0) for atom in atoms], total - slack, total + slack)
            likert = [q for q in members if questions[q].kind == "likert"]
            if figure.favourable is not None and likert:
                # favourable answers − share × item answers = 0
                share = figure.favourable
                terms = [
                    term
                    for atom in atoms
                    for q in likert
                    for term in self._question_terms(atom, q, [f - share for f in questions[q].favourable])
                ]
                slack = EXACT * n * len(likert)
                self._row(terms, -slack, slack)
            enps_items = [q for q in members if questions[q].kind == "enps"]
            if figure.enps is not None and enps_items:
                # 100 × (promoters − detractors) − eNPS × answers = 0
                terms = [
                    term
                    for atom in atoms
                    for q in enps_items
                    for term in self._question_terms(
                        atom,
                        q,
                        [100.0 * _promoter(v) - 100.0 * _detractor(v) - figure.enps for v in questions[q].values],
                    )
                ]
                slack = EXACT * 100 * n * len(enps_items)
                self._row(terms, -slack, slack)

    def solve(self, objective: Mapping[tuple, float], *, maximise: bool) -> tuple[float, bool]:
        """Return the optimum of a linear objective and whether it is proven (False: a solver limit was hit).

        An unproven maximum is the best solution found (a value the figures allow, so never above the true
        maximum); an unproven minimum likewise.
        """
        c = np.zeros(len(self.integrality))
        for key, coefficient in objective.items():
            if key in self.index:
                c[self.index[key]] += coefficient
        sign = -1.0 if maximise else 1.0
        result = milp(
            sign * c,
            integrality=self.integrality,
            bounds=self.bounds,
            constraints=self.constraints,
            options={"time_limit": SOLVE_SECONDS, "mip_rel_gap": 0.0},
        )
        if result.x is None:
            raise ValueError(f"the published figures admit no organisation at all: {result.message}")
        return float(c @ result.x), result.status == 0


def _promoter(value: int) -> int:
    return int(value >= 9)


def _detractor(value: int) -> int:
    return int(value <= 6)


def _targets(publication: Publication) -> list[tuple[frozenset, Measure]]:
    """Return the sets of teams' own members an attacker would try to learn about, per measure.

    Per measure: every group whose figure is hidden, every team's own members (when it has teams below), and
    every shown group's remainder (its members outside the nearest shown groups below it).
    """
    parent_of = publication.parent_of
    below = {group: frozenset(subtree(group, parent_of)) for group in parent_of}
    has_children = {parent for parent in parent_of.values() if parent is not None}
    questions = publication.questions
    dimensions = {q.dimension for q in questions.values()}
    shown_of: dict[Measure, set[Group]] = {PARTICIPATION: set(publication.answered)}
    for measure in [*questions, *dimensions]:
        shown_of.setdefault(measure, set())
    for group, question_id in publication.items:
        shown_of[question_id].add(group)
    for group, dimension in publication.dimensions:
        shown_of[dimension].add(group)
    targets = set()
    for measure, shown in shown_of.items():
        for group in parent_of:
            if group not in shown:
                targets.add((below[group], measure))
            else:
                covered = set().union(*(below[g] for g in shown if g != group and g in below[group]))
                remainder = below[group] - covered
                if remainder:
                    targets.add((frozenset(remainder), measure))
            if group in has_children:
                targets.add((frozenset([group]), measure))
    return sorted(
        (t for t in targets if any(publication.invited.get(a, 0) for a in t[0])),
        key=lambda t: (repr(t[1]), sorted(map(repr, t[0]))),
    )


def _count_objective(model: _Model, atoms: frozenset, measure: Measure) -> dict[tuple, float]:
    questions = model.publication.questions
    if measure == PARTICIPATION:
        return {("a", atom): 1.0 for atom in atoms}
    if measure in questions:
        return {("c", atom, measure, v): 1.0 for atom in atoms for v in questions[measure].values}
    return {("n", atom, measure): 1.0 for atom in atoms}


def _sum_objectives(model: _Model, atoms: frozenset, measure: Measure) -> dict[str, dict[tuple, float]]:
    questions = model.publication.questions
    if measure == PARTICIPATION:
        return {}
    if measure in questions:
        question = questions[measure]
        sums = {"answer total": dict(zip(question.values, question.scored, strict=True))}
        if question.kind == "likert":
            sums["favourable answers"] = dict(zip(question.values, question.favourable, strict=True))
        else:
            sums["promoters"] = {v: _promoter(v) for v in question.values}
            sums["detractors"] = {v: _detractor(v) for v in question.values}
        return {
            name: {("c", atom, measure, v): w for atom in atoms for v, w in weights.items()}
            for name, weights in sums.items()
        }
    objectives = {"score total": {("s", atom, measure): 1.0 for atom in atoms}}
    likert = [q for q, spec in questions.items() if spec.dimension == measure and spec.kind == "likert"]
    if likert:
        objectives["favourable answers"] = {
            ("c", atom, q, v): float(f)
            for atom in atoms
            for q in likert
            for v, f in zip(questions[q].values, questions[q].favourable, strict=True)
        }
    return objectives


def _unanimous(model: _Model, atoms: frozenset, measure: Measure) -> bool:
    """Return whether every respondent of the set must have given the same answer to each question of the measure.

    Then a pinned sum says no more than that a shown group answered as one, which it shows of every member
    (a fact about a group of at least the threshold that no suppression of smaller groups changes).
    """
    questions = model.publication.questions
    asked = [measure] if measure in questions else [q for q, spec in questions.items() if spec.dimension == measure]
    for question_id in asked:
        possible = 0
        for value in questions[question_id].values:
            most, proven = model.solve({("c", atom, question_id, value): 1.0 for atom in atoms}, maximise=True)
            possible += most > 0.5 or not proven
            if possible > 1:
                return False
    return True


def audit(publication: Publication) -> list[Disclosure]:
    """Return every hidden quantity the publication pins down (empty: nothing can be worked out).

    For each target set and measure (`_targets`): the respondent count's feasible range, then — unless the
    set is known to hold at least the threshold — the range of each of its sums. Ranges come from the exact
    integer programme of `_Model`; a solve that hits its time limit counts as disclosing (never as safe).
    Raises ValueError if the figures are inconsistent (no organisation could have produced them).
    """
    return _audit_targets(publication, _targets(publication))


def _audit_targets(publication: Publication, targets: Iterable[tuple[frozenset, Measure]]) -> list[Disclosure]:
    model = _Model(publication)
    k = publication.threshold
    found = []
    for atoms, measure in targets:
        objective = _count_objective(model, atoms, measure)
        high, high_proven = model.solve(objective, maximise=True)
        low, low_proven = model.solve(objective, maximise=False)
        if not (high_proven and low_proven):
            found.append(Disclosure(atoms, measure, "count", low, high))
            continue
        members = sum(publication.invited.get(a, 0) for a in atoms)
        everyone = low > members - 0.5  # all invitees answered: true of each of them alike, so no disclosure
        if high < k - 0.5 and not everyone:
            nobody = high < 0.5 and members > 0 and measure == PARTICIPATION
            if low >= 0.5 or nobody:
                found.append(Disclosure(atoms, measure, "count", low, high))
                continue
        if high < 0.5 or low >= k - 0.5:
            continue  # nobody can be in the set, or it is known to hold at least the threshold
        for name, sum_objective in _sum_objectives(model, atoms, measure).items():
            top, top_proven = model.solve(sum_objective, maximise=True)
            bottom, bottom_proven = model.solve(sum_objective, maximise=False)
            # Pinned at 0 says only that nobody in some shown group gave that answer: a fact about a group of at
            # least the threshold, which hiding smaller groups cannot change.
            pinned = top - bottom < PINNED_WIDTH and top > PINNED_WIDTH
            if not (top_proven and bottom_proven) or (pinned and not _unanimous(model, atoms, measure)):
                found.append(Disclosure(atoms, measure, name, bottom, top))
    return found


def _depth(group: Group, parent_of: Mapping[Group, Group | None]) -> int:
    depth = 0
    while parent_of.get(group) is not None and depth <= len(parent_of):
        group, depth = parent_of[group], depth + 1
    return depth


def settle(
    *,
    threshold: int,
    parent_of: Mapping[Group, Group | None],
    invited: Mapping[Group, int],
    questions: Mapping[Hashable, QuestionSpec],
    answered: Mapping[Group, int],
    items: Mapping[tuple[Group, Hashable], Mapping[int, int]],
    dimensions: Mapping[tuple[Group, Hashable], DimensionFigure],
) -> Publication:
    """Return what a cycle may show: every figure the tree rule allows, less what the audit makes hide.

    invited: each team's own invitees; answered: each group's answered count (subtree); items, dimensions:
    every group's figures as computed (only groups with respondents need be present).

    1. Per measure, hide groups by the tree rule (`disclosure.hidden_groups`; participation with the
       invitees, so that "none of them answered" is hidden too), plus any figure hidden in an earlier round.
    2. Audit what remains shown (`audit`). Nothing disclosed: done.
    3. For each disclosure, try hiding one shown figure whose group overlaps the disclosed set — the smallest
       first (least information lost), then the deepest, then one of the same measure or dimension — and keep
       the first that clears that disclosure on its own; if none does, hide the smallest. Go to 1.
    Every round hides at least one more figure, so it ends; with every figure hidden nothing can be learnt.
    """
    below = {group: frozenset(subtree(group, parent_of)) for group in parent_of}
    invited_totals = group_totals(invited, parent_of)
    family = {q: spec.dimension for q, spec in questions.items()}
    forced: dict[Measure, set[Group]] = {}

    def publish() -> Publication:
        hidden = hidden_groups(
            {g: answered.get(g, 0) for g in invited_totals}, parent_of, threshold,
            members=invited_totals, hidden=forced.get(PARTICIPATION, ()),
        )  # fmt: skip
        counts: dict[Measure, dict[Group, int]] = {}
        for (group, question_id), distribution in items.items():
            counts.setdefault(question_id, {})[group] = sum(distribution.values())
        for (group, dimension), figure in dimensions.items():
            counts.setdefault(dimension, {})[group] = figure.respondents
        hidden_of = {m: hidden_groups(c, parent_of, threshold, hidden=forced.get(m, ())) for m, c in counts.items()}
        return Publication(
            threshold=threshold,
            parent_of=parent_of,
            invited=invited,
            questions=questions,
            answered={g: answered.get(g, 0) for g in invited_totals if g not in hidden},
            items={key: d for key, d in items.items() if key[0] not in hidden_of[key[1]]},
            dimensions={key: f for key, f in dimensions.items() if key[0] not in hidden_of[key[1]]},
        )

    def shown_figures(publication: Publication) -> list[tuple[Group, Measure, int]]:
        return [
            *((g, PARTICIPATION, n) for g, n in publication.answered.items()),
            *((g, q, sum(d.values())) for (g, q), d in publication.items.items()),
            *((g, d, f.respondents) for (g, d), f in publication.dimensions.items()),
        ]

    def clears(disclosure: Disclosure, group: Group, measure: Measure) -> bool:
        forced.setdefault(measure, set()).add(group)
        try:
            trial = publish()
            return not _audit_targets(trial, [(disclosure.atoms, disclosure.measure)])
        finally:
            forced[measure].discard(group)

    while True:
        publication = publish()
        found = audit(publication)
        if not found:
            return publication
        seen, before = set(), sum(map(len, forced.values()))
        for disclosure in found:
            if (disclosure.atoms, disclosure.measure) in seen:
                continue
            seen.add((disclosure.atoms, disclosure.measure))
            related = {disclosure.measure, family.get(disclosure.measure, disclosure.measure)}
            candidates = sorted(
                (
                    (n, -_depth(g, parent_of), (m not in related and family.get(m) not in related), repr((g, m)), g, m)
                    for g, m, n in shown_figures(publish())
                    if below[g] & disclosure.atoms
                ),
            )
            if not candidates:
                continue  # already hidden by an earlier choice in this round
            chosen = next(((g, m) for *_, g, m in candidates if clears(disclosure, g, m)), candidates[0][-2:])
            forced.setdefault(chosen[1], set()).add(chosen[0])
        if sum(map(len, forced.values())) == before:
            raise RuntimeError(f"the audit finds disclosures no shown figure explains: {found}")
