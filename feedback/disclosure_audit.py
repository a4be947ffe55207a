"""The disclosure auditor: what an attacker can work out from every figure a cycle publishes, taken together.

Pure: plain data in, plain data out (numpy, HiGHS through highspy and scipy). DESIGN.md §3.3–3.4; issue 19 part 1.

`disclosure.hidden_groups` decides each measure over the tree on its own. An attacker combines everything:
participation counts, each dimension's respondents, mean, favourable share and eNPS, each question's answer
distribution, the organisation chart's invited counts and which questions are required. This module writes
all of it as linear constraints over the unknowns an attacker wants — per team's own members: how many
answered, how many gave each answer to each question, how many answered each dimension and the sum of their
dimension scores — and asks whether each hidden quantity of a small set can move while every published figure
stays as published. This is the audit statistical agencies run on linked tables before release (Hundepool et
al., *Statistical Disclosure Control*, Wiley 2012, §4.3 and §5.1; the τ-ARGUS "audit" of suppressed cells).

Only sets of fewer than the threshold respondents are examined (the truth is known to the audit, so it knows
which; τ-ARGUS's "sensitive cells"), and each question is asked as a yes/no ("can the count reach the
threshold?", "can the sum move by one?"): the linear relaxation answers most of them (HiGHS's simplex,
warm-started, through highspy); where its optimal vertex is fractional, integer programming looks for one
solution beyond the bound (`scipy.optimize.milp`). A solver limit counts as a disclosure, never as safe.

A hidden quantity is **disclosed** when
- a count (who answered; who answered a question or a dimension) of a set is known to lie between 1 and
  threshold − 1, and more tightly than a shown group around it implies alone (a group where 9 of 10 answered
  says of any two of them that one did, and where everyone answered, that each did: true of every member
  alike, so it tells nobody apart) — or, for participation, is known to be 0 among one or more invitees (it
  says that none of them answered);
- a sum (a question's answer total, its favourable answers, eNPS promoters or detractors, a dimension's
  favourable answers or score total) is pinned to one value other than 0 for a set of respondents not known to
  be at least the threshold, unless every respondent of the set must have given one same answer to each of
  its questions. (A sum pinned at 0, or by such unanimity, says only that a shown group of at least the
  threshold answered as one — which its own figure shows of every member, and which no suppression of
  smaller groups can prevent; the README says so.)

Every published figure is taken as exact (the API gives full precision), which is the strongest attacker.
Not modelled: a dimension's mean beyond bounds when some of its items are optional (a mean of per-person means
ties each person's answers together; `settle` therefore shows such a dimension only for a group where every
item figure is shown, for it and every group under it), and its standard
deviation (a mean, or a sum of squares, of per-respondent means is not linear in the answer counts); and
anything outside one cycle. An item's mean and SD are implied by its distribution, which is modelled, and a
dimension's mean is exact when all its items are required.
"""

import math
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain

import highspy
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array

from .disclosure import group_totals, hidden_groups

Group = Hashable
Measure = Hashable

PARTICIPATION = "participation"


def question(question_id: Hashable) -> tuple[str, Hashable]:
    """Return a question's measure (questions and dimensions may share ids, so measures are tagged)."""
    return ("question", question_id)


def dimension(dimension_id: Hashable) -> tuple[str, Hashable]:
    """Return a dimension's measure."""
    return ("dimension", dimension_id)


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

    atoms: the teams whose own members form the set; measure: PARTICIPATION, `question(id)` or `dimension(id)`;
    quantity: "count" or the name of a sum; low, high: its feasible range.
    """

    atoms: frozenset
    measure: Measure
    quantity: str
    low: float
    high: float


def subtree(group: Group, parent_of: Mapping[Group, Group | None]) -> set[Group]:
    """Return the group and every team below it in the tree."""
    return _below(group, _children(parent_of))


def _children(parent_of: Mapping[Group, Group | None]) -> dict[Group | None, list[Group]]:
    """Return each group's children (None: the roots), in the order of `parent_of`."""
    children: dict[Group | None, list[Group]] = {}
    for team, parent in parent_of.items():
        children.setdefault(parent, []).append(team)
    return children


def _below(group: Group, children: Mapping[Group | None, list[Group]]) -> set[Group]:
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
        self.children = _children(publication.parent_of)
        self._subtrees: dict[Group, set[Group]] = {}
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
        self.figure_rows: dict[tuple[Group, Measure], list[int]] = {}  # the rows each shown figure adds
        self._figure: tuple[Group, Measure] | None = None
        self.row_low: list[float] = []
        self.row_high: list[float] = []
        self._structure()
        self._published()
        sizes = np.fromiter(map(len, self.rows), dtype=np.int64, count=len(self.rows))
        rows = np.repeat(np.arange(len(self.rows)), sizes)  # the entries row by row, each row's in its order
        cols = np.fromiter(chain.from_iterable(self.rows), dtype=np.int64, count=int(sizes.sum()))
        vals = np.fromiter(chain.from_iterable(map(dict.values, self.rows)), dtype=float, count=int(sizes.sum()))
        matrix = coo_array((vals, (rows, cols)), shape=(len(self.rows), len(low))).tocsr()
        self.matrix, self.lower, self.upper = matrix, np.array(self.row_low), np.array(self.row_high)
        self._highs = None
        self.relaxed = False  # True: answer from the linear relaxation alone (a quick trial, never the audit)
        self.truth: np.ndarray | None = None
        self._counts: tuple[list[Measure], dict[Group, int], np.ndarray] | None = None
        self._weights: dict[frozenset, np.ndarray] = {}

    def subtree(self, group: Group) -> set[Group]:
        """Return `subtree(group, parent_of)` (the same set, computed once per group: callers must not change it)."""
        if group not in self._subtrees:
            self._subtrees[group] = _below(group, self.children)
        return self._subtrees[group]

    def counts(self, atoms: frozenset) -> dict[Measure, float]:
        """Return the set's true count in every measure (participation, each question's answers, each dimension's
        respondents): the sum of its teams' own, from `truth` (which must be set)."""
        return dict(zip(self._count_table()[0], self.weigh(atoms)[:-1].tolist(), strict=False))

    def weigh(self, atoms: frozenset) -> np.ndarray:
        """Return the set's true count in each measure of `_count_table` and, last, its invitees (cached per set).

        Counts are whole numbers, so sums and differences of these vectors are exact."""
        atoms = atoms if isinstance(atoms, frozenset) else frozenset(atoms)
        if atoms not in self._weights:
            _, position, table = self._count_table()
            self._weights[atoms] = table[[position[a] for a in atoms if a in position]].sum(axis=0)
        return self._weights[atoms]

    def _count_table(self) -> tuple[list[Measure], dict[Group, int], np.ndarray]:
        """Return the measures, each atom's row and the atoms' own true counts (atoms × measures, then invitees)."""
        if self._counts is None:
            questions = self.publication.questions
            measures = [PARTICIPATION, *map(question, questions), *map(dimension, self.dimensions)]
            table = np.zeros((len(self.atoms), len(measures) + 1))
            for row, atom in enumerate(self.atoms):
                for column, measure in enumerate(measures):
                    objective = _count_objective(self, frozenset([atom]), measure)
                    table[row, column] = sum(w * self.truth[self.index[key]] for key, w in objective.items())
                table[row, -1] = self.publication.invited[atom]
            self._counts = (measures, {a: row for row, a in enumerate(self.atoms)}, table)
        return self._counts

    def examined(self, weights: np.ndarray) -> bool:
        """Return whether the audit examines a set of these `weigh` weights in some measure (`_examined`)."""
        measures, *_ = self._count_table()
        members = weights[-1]
        k = self.publication.threshold
        return any(_examined(round(c), members, m, k) for m, c in zip(measures, weights[:-1].tolist(), strict=True))

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
            if self._figure is not None:
                self.figure_rows.setdefault(self._figure, []).append(len(self.rows))
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
        below = {group: self.subtree(group) for group in publication.parent_of}
        for group, answered in publication.answered.items():
            self._figure = (group, PARTICIPATION)
            self._row([(("a", atom), 1.0) for atom in below[group]], answered, answered)
        for (group, question_id), distribution in publication.items.items():
            self._figure = (group, question(question_id))
            for value in questions[question_id].values:
                count = distribution.get(value, 0)
                self._row([(("c", atom, question_id, value), 1.0) for atom in below[group]], count, count)
        for (group, dimension_id), figure in publication.dimensions.items():
            self._figure = (group, dimension(dimension_id))
            atoms = below[group]
            n = figure.respondents
            self._row([(("n", atom, dimension_id), 1.0) for atom in atoms], n, n)
            members = [q for q, spec in questions.items() if spec.dimension == dimension_id]
            if figure.mean is not None:
                slack = EXACT * n * max(1.0, abs(figure.mean))
                total = figure.mean * n
                self._row([(("s", atom, dimension_id), 1.0) for atom in atoms], total - slack, total + slack)
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
                # A share is shown only over one answer or more (none would show no share at all).
                self._row([t for atom in atoms for q in likert for t in self._count_terms(atom, q)], 1, np.inf)
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
                self._row([t for atom in atoms for q in enps_items for t in self._count_terms(atom, q)], 1, np.inf)
        self._figure = None

    def solve(self, objective: Mapping[tuple, float], *, maximise: bool) -> tuple[float, bool]:
        """Return the optimum of a linear objective over the integer programme and whether it is proven.

        The linear relaxation is solved first (HiGHS's simplex, warm-started from the previous objective's
        basis): when its optimal vertex is integral it is the integer optimum too. Otherwise the integer
        programme is solved by branch and bound (`scipy.optimize.milp`). An unproven optimum (a solver limit
        was hit) is the best solution found: a value the figures allow.
        """
        value, integral = self._relaxed_optimum(objective, maximise=maximise)
        if value is not None and (integral or self.relaxed):
            return value, True
        c, sign = self._vector(objective), -1.0 if maximise else 1.0
        result = milp(
            sign * c,
            integrality=self.integrality,
            bounds=self.bounds,
            constraints=LinearConstraint(self.matrix, self.lower, self.upper),
            options={"time_limit": SOLVE_SECONDS, "mip_rel_gap": 0.0},
        )
        if result.x is None:
            raise ValueError(f"the published figures admit no organisation at all: {result.message}")
        return float(c @ result.x), result.status == 0

    def reaches(self, objective: Mapping[tuple, float], bound: float, *, above: bool) -> bool:
        """Return whether the figures allow the objective to reach the bound (at least it, or at most it)."""
        return self.witness(objective, bound, above=above) is not None

    def witness(self, objective: Mapping[tuple, float], bound: float, *, above: bool) -> np.ndarray | None:
        """Return an organisation the figures allow whose objective reaches the bound (None: there is none).

        The linear relaxation answers when it cannot reach the bound (nor can any integer solution), or when
        its optimal vertex is integral. Otherwise branch and bound looks for one integer solution beyond the
        bound — a feasibility question, which stops at the first it finds. A solver limit answers None: the
        audit then reports a disclosure, never a false "safe". In a quick trial (`without`), the relaxation's
        vertex answers.
        """
        tolerance = 1e-6
        value, proven = self._relaxed_optimum(objective, maximise=above)
        if value is None:
            return None
        if (value < bound - tolerance) if above else (value > bound + tolerance):
            return None
        if proven or self.relaxed:
            return np.asarray(self._relaxation().getSolution().col_value)
        c = self._vector(objective)
        row = LinearConstraint(
            c.reshape(1, -1), bound - tolerance if above else -np.inf, np.inf if above else bound + tolerance
        )
        result = milp(
            np.zeros_like(c),
            integrality=self.integrality,
            bounds=self.bounds,
            constraints=[LinearConstraint(self.matrix, self.lower, self.upper), row],
            options={"time_limit": SOLVE_SECONDS},
        )
        return result.x if result.status == 0 and result.x is not None else None

    def _vector(self, objective: Mapping[tuple, float]) -> np.ndarray:
        c = np.zeros(len(self.integrality))
        for key, coefficient in objective.items():
            if key in self.index:
                c[self.index[key]] += coefficient
        return c

    def _relaxed_optimum(self, objective: Mapping[tuple, float], *, maximise: bool) -> tuple[float | None, bool]:
        """Return the linear relaxation's optimum and whether its vertex is integral (None: no optimum)."""
        c = self._vector(objective)
        relaxation = self._relaxation()
        relaxation.changeColsCost(len(c), np.arange(len(c), dtype=np.int32), (-1.0 if maximise else 1.0) * c)
        relaxation.run()
        if relaxation.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, False
        x = np.asarray(relaxation.getSolution().col_value)
        whole = x[self.integrality == 1]
        return float(c @ x), bool(np.all(np.abs(whole - np.round(whole)) < 1e-7))

    @contextmanager
    def without(self, figures: Iterable[tuple[Group, Measure]], *, exact: bool = False):
        """Solve as if some shown figures were hidden (their rows unbounded) inside the block, by the linear
        relaxation alone: a quick trial of a choice, which the next full audit checks."""
        rows = list(dict.fromkeys(r for figure in figures for r in self.figure_rows.get(figure, [])))
        self.relaxed = not exact
        saved = [(self.lower[r], self.upper[r]) for r in rows]
        relaxation = self._relaxation()
        for r in rows:
            self.lower[r], self.upper[r] = -np.inf, np.inf
            relaxation.changeRowBounds(r, -highspy.kHighsInf, highspy.kHighsInf)
        try:
            yield
        finally:
            self.relaxed = False
            for r, (low, high) in zip(rows, saved, strict=True):
                self.lower[r], self.upper[r] = low, high
                relaxation.changeRowBounds(r, low, high)

    def _relaxation(self) -> "highspy.Highs":
        if self._highs is None:
            matrix = self.matrix.tocsc()
            model = highspy.HighsLp()
            model.num_col_, model.num_row_ = matrix.shape[1], matrix.shape[0]
            model.col_cost_ = np.zeros(matrix.shape[1])
            model.col_lower_, model.col_upper_ = self.bounds.lb, self.bounds.ub
            model.row_lower_, model.row_upper_ = self.lower, self.upper
            model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            model.a_matrix_.start_ = matrix.indptr
            model.a_matrix_.index_ = matrix.indices
            model.a_matrix_.value_ = matrix.data
            self._highs = highspy.Highs()
            self._highs.setOptionValue("output_flag", False)
            self._highs.setOptionValue("time_limit", SOLVE_SECONDS)
            self._highs.passModel(model)
        return self._highs


def _promoter(value: int) -> int:
    return int(value >= 9)


def _detractor(value: int) -> int:
    return int(value <= 6)


def _targets(publication: Publication, model: "_Model") -> list[tuple[frozenset, Measure]]:
    """Return the sets of teams' own members an attacker would try to learn about, per measure.

    Per measure: every group whose figure is hidden, every team's own members (when it has teams below), every
    shown group's remainder (its members outside the nearest shown groups below it), and what a shown group
    leaves once any of those is taken out of it — each set in every measure.

    Only the sets `_audit_targets` examines in some measure are returned (fewer than the threshold behind them,
    truly: `model.truth` must be set); the rest it would pass over. A shown group less a set, which is most
    of them (the root less each of the others), is built only when its counts — the group's less the set's,
    exact whole numbers — say it is examined. The order is that of every set sorted, then filtered.
    """
    parent_of = publication.parent_of
    below = {group: frozenset(model.subtree(group)) for group in parent_of}
    has_children = {parent for parent in parent_of.values() if parent is not None}
    questions = publication.questions
    dimensions = {q.dimension for q in questions.values()}
    shown_of: dict[Measure, set[Group]] = {PARTICIPATION: set(publication.answered)}
    for measure in [*map(question, questions), *map(dimension, dimensions)]:
        shown_of.setdefault(measure, set())
    for group, question_id in publication.items:
        shown_of[question(question_id)].add(group)
    for group, dimension_id in publication.dimensions:
        shown_of[dimension(dimension_id)].add(group)
    # Measures are linked (a required item's respondents are the survey's), so a set can be cut out by figures
    # of several measures together: the groups shown in any measure delimit sets too.
    shown_of_any = {"any": set().union(*shown_of.values())}
    targets = set()
    for measure, shown in (shown_of | shown_of_any).items():
        for group in parent_of:
            if group not in shown:
                targets.add((below[group], measure))
            else:
                # the shown groups below it: those of its subtree (the same union, found without a pass over all)
                covered = set().union(*(below[g] for g in below[group] if g != group and g in shown))
                remainder = below[group] - covered
                if remainder:
                    targets.add((frozenset(remainder), measure))
            if group in has_children:
                targets.add((frozenset([group]), measure))
        # What a shown group leaves once one of those is taken out of it (the root less its own members). A group
        # whose subtree holds the set lies above all of its teams: on the way up from any one of them.
        for atoms in [t[0] for t in targets if t[1] == measure]:
            for group in _ancestry(next(iter(atoms)), parent_of):
                if (
                    group in shown
                    and group in below
                    and atoms < below[group]
                    and model.examined(model.weigh(below[group]) - model.weigh(atoms))
                ):
                    targets.add((below[group] - atoms, measure))
    # A set one measure's figures delimit can be learnt about in every measure: another measure's figures
    # (a dimension's favourable share counts its questions' answers) may bound it there.
    sets = {
        atoms
        for atoms, _ in targets
        if any(publication.invited.get(a, 0) for a in atoms) and model.examined(model.weigh(atoms))
    }
    shown_of.pop("any", None)
    names = {atoms: sorted(map(repr, atoms)) for atoms in sets}  # each set's sort key, once
    return sorted(((atoms, m) for atoms in sets for m in shown_of), key=lambda t: (repr(t[1]), names[t[0]]))


def _ancestry(team: Group, parent_of: Mapping[Group, Group | None]) -> Iterator[Group]:
    """Yield the team and each group above it, up to its root."""
    seen = set()
    while team is not None and team not in seen:
        seen.add(team)
        yield team
        team = parent_of.get(team)


def _count_objective(model: _Model, atoms: frozenset, measure: Measure) -> dict[tuple, float]:
    questions = model.publication.questions
    if measure == PARTICIPATION:
        return {("a", atom): 1.0 for atom in atoms}
    kind, key = measure
    if kind == "question":
        return {("c", atom, key, v): 1.0 for atom in atoms for v in questions[key].values}
    return {("n", atom, key): 1.0 for atom in atoms}


def _sum_objectives(model: _Model, atoms: frozenset, measure: Measure) -> dict[str, dict[tuple, float]]:
    questions = model.publication.questions
    if measure == PARTICIPATION:
        return {}
    kind, key = measure
    if kind == "question":
        spec = questions[key]
        sums = {"answer total": dict(zip(spec.values, spec.scored, strict=True))}
        if spec.kind == "likert":
            sums["favourable answers"] = dict(zip(spec.values, spec.favourable, strict=True))
        else:
            sums["promoters"] = {v: _promoter(v) for v in spec.values}
            sums["detractors"] = {v: _detractor(v) for v in spec.values}
        return {
            name: {("c", atom, key, v): w for atom in atoms for v, w in weights.items()}
            for name, weights in sums.items()
        }
    objectives = {"score total": {("s", atom, key): 1.0 for atom in atoms}}
    likert = [q for q, spec in questions.items() if spec.dimension == key and spec.kind == "likert"]
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
    kind, key = measure
    asked = [key] if kind == "question" else [q for q, spec in questions.items() if spec.dimension == key]
    for question_id in asked:
        possible = 0
        for value in questions[question_id].values:
            possible += model.reaches({("c", atom, question_id, value): 1.0 for atom in atoms}, 1, above=True)
            if possible > 1:
                return False
    return True


def audit(publication: Publication, everything: Publication) -> list[Disclosure]:
    """Return every small group's quantity the publication pins down (empty: nothing can be worked out).

    everything: the same cycle with every figure shown — the truth the attacker is after, which tells the
    audit which sets are small (τ-ARGUS's "sensitive cells") and gives a feasible value to move away from.

    For each target set and measure (`_targets`) of fewer than the threshold respondents: the count's
    feasible range, then the range of each of its sums. Ranges come from the exact integer programme of
    `_Model`; a solve that hits its time limit counts as disclosing (never as safe). A set of at least the
    threshold is not examined: what can be learnt of it is no more than its own figure would show.
    Raises ValueError if the figures are inconsistent (no organisation could have produced them).
    """
    return _disclosures(publication, everything, _Model(publication))


def _disclosures(publication: Publication, everything: Publication, model: _Model) -> list[Disclosure]:
    """Return what the listed sets disclose (exactly, `_targets`); if nothing, the first sets the search over
    every union of teams finds (`_search`), each confirmed exactly."""
    if model.truth is None:
        model.truth = _truth(model, everything)
    found = _audit_targets(publication, everything, _targets(publication, model), model)
    if found:
        return found
    dimensions = {spec.dimension for spec in publication.questions.values()}
    for measure in [
        PARTICIPATION,
        *map(question, publication.questions),
        *map(dimension, sorted(dimensions, key=repr)),
    ]:
        probe = frozenset(model.atoms[:1])
        for quantity in ["count", *_sum_objectives(model, probe, measure)] if model.atoms else []:
            for atoms in _search(model, measure, quantity):
                confirmed = _audit_targets(publication, everything, [(atoms, measure)], model)
                if confirmed:
                    found += confirmed
                    break  # one set per measure and quantity a round: settle hides and looks again
    return found


def _truth(model: _Model, everything: Publication) -> np.ndarray:
    """Return the attacker's unknowns at their true values: each team's own figures, from every group's total
    by subtracting its children's (`everything` holds every group's figures, descendants included)."""
    children: dict[Group, list[Group]] = {}
    for team, parent in everything.parent_of.items():
        children.setdefault(parent, []).append(team)
    questions = everything.questions

    def own(totals: Mapping[Group, float], atom: Group) -> float:
        return totals.get(atom, 0) - sum(totals.get(child, 0) for child in children.get(atom, ()))

    x = np.zeros(len(model.integrality))
    answered = dict(everything.answered)
    for atom in model.atoms:
        x[model.index[("a", atom)]] = own(answered, atom)
    for question_id, question in questions.items():
        for value in question.values:
            totals = {g: d.get(value, 0) for (g, q), d in everything.items.items() if q == question_id}
            for atom in model.atoms:
                x[model.index[("c", atom, question_id, value)]] = own(totals, atom)
    for dimension in model.dimensions:
        figures = {g: f for (g, d), f in everything.dimensions.items() if d == dimension}
        counts = {g: f.respondents for g, f in figures.items()}
        totals = {g: f.respondents * f.mean for g, f in figures.items() if f.mean is not None}
        for atom in model.atoms:
            x[model.index[("n", atom, dimension)]] = own(counts, atom)
            x[model.index[("s", atom, dimension)]] = own(totals, atom)
    return x


def _rate_bound(
    publication: Publication, atoms: frozenset, measure: Measure, below: Callable[[Group], set] | None = None
) -> float:
    """Return the least count of the set that a shown group around it implies on its own: the group's count
    less every invitee of it outside the set (a group where 9 of 10 answered says that of any two, one did)."""
    parent_of = publication.parent_of
    if measure == PARTICIPATION:
        shown = dict(publication.answered)
    elif measure[0] == "question":
        shown = {g: sum(d.values()) for (g, q), d in publication.items.items() if q == measure[1]}
    else:
        shown = {g: f.respondents for (g, d), f in publication.dimensions.items() if d == measure[1]}
    subtree_of = below or (lambda g: subtree(g, parent_of))
    bound = 0.0
    for group, count in shown.items():
        under = subtree_of(group)
        if atoms <= under:
            outside = sum(publication.invited.get(t, 0) for t in under - atoms)
            bound = max(bound, count - outside)
    return bound


def _examined(true_count: int, members: int, measure: Measure, threshold: int) -> bool:
    """Return whether the audit examines a set in a measure: fewer than the threshold behind it, and someone to
    learn about (for participation, invitees of whom none answered count too)."""
    return not (true_count >= threshold or (true_count == 0 and (measure != PARTICIPATION or members == 0)))


def _audit_targets(
    publication: Publication,
    everything: Publication,
    targets: Iterable[tuple[frozenset, Measure]],
    model: _Model | None = None,
) -> list[Disclosure]:
    model = model or _Model(publication)
    if model.truth is None:
        model.truth = _truth(model, everything)
    truth = model.truth
    k = publication.threshold
    found = []

    def value(objective: Mapping[tuple, float]) -> float:
        return sum(w * truth[model.index[key]] for key, w in objective.items() if key in model.index)

    for atoms, measure in targets:
        true_count = round(model.counts(atoms)[measure])
        members = sum(publication.invited.get(a, 0) for a in atoms)
        if not _examined(true_count, members, measure, k):
            continue  # a set of at least the threshold, or nobody to learn about
        objective = _count_objective(model, atoms, measure)
        if not model.reaches(objective, k, above=True):
            if true_count == 0:
                disclosed = not model.reaches(objective, 1, above=True)  # "none of them answered"
            else:
                least = max(1, math.floor(_rate_bound(publication, atoms, measure, model.subtree) + 0.5) + 1)
                disclosed = not model.reaches(objective, least - 1, above=False)  # known to be least or more
            if disclosed:
                found.append(_disclosure(model, atoms, measure, "count", objective))
                continue
        if true_count == 0:
            continue
        for name, sum_objective in _sum_objectives(model, atoms, measure).items():
            true_sum = value(sum_objective)
            if abs(true_sum) < PINNED_WIDTH:
                continue  # pinned at 0 says only that nobody in a shown group gave some answer (see above)
            whole = all(float(w).is_integer() for w in sum_objective.values())
            step = 1.0 if whole else PINNED_WIDTH
            if model.reaches(sum_objective, true_sum + step, above=True):
                continue
            if model.reaches(sum_objective, true_sum - step, above=False):
                continue
            if not _unanimous(model, atoms, measure):
                found.append(_disclosure(model, atoms, measure, name, sum_objective))
    return found


def _search(model: _Model, measure: Measure, quantity: str) -> Iterator[frozenset]:
    """Yield every set of teams' own members (the smallest first) whose count or sum in the measure no
    organisation allowed by the figures moves out of the disclosing band — over every union of teams, not
    only the sets `_targets` lists.

    Constraint generation over a pool of organisations the linear relaxation of `_Model` allows, starting
    from the truth: a small integer programme, one binary per team, finds a set that every pooled
    organisation keeps in the band (a count between 1, or more than a shown group around it implies alone
    (`_rate_bound`), and threshold − 1; a sum within one step of its true value, with fewer than the threshold
    behind it). Then the full programme looks for an organisation that moves the set out of the band: found,
    it joins the pool (it rules out many sets at once) and the search goes on; none, the set is yielded
    and cut off. When the small programme has no set left, every set has an organisation that moves it:
    nothing else is disclosed (Benders-style decomposition; Hooker & Ottosson 2003, "Logic-based Benders
    decomposition", Math. Programming 96:33). The caller audits each yielded set exactly (`_audit_targets`),
    which also excuses unanimity. Pooling relaxed organisations keeps every step a linear programme; the
    price is that a set only integer reasoning pins (a fractional organisation moves it, no whole one does)
    is found only among the sets `_targets` lists. Raises RuntimeError when a solve stops at its time limit
    (unknown is never "safe").
    """
    truth, publication = model.truth, model.publication
    k, atoms = publication.threshold, model.atoms
    if quantity == "count":
        per_atom = [_count_objective(model, frozenset([a]), measure) for a in atoms]
    else:
        per_atom = [_sum_objectives(model, frozenset([a]), measure)[quantity] for a in atoms]
    vectors = _sparse_rows(model, per_atom)  # atoms × unknowns, a few entries a row
    measures, _, table = model._count_table()
    counts = table[:, measures.index(measure)]  # each team's own count in the measure, truly
    true = vectors @ truth
    if _nothing_small(counts, true, k, quantity):
        return
    whole = all(float(w).is_integer() for o in per_atom for w in o.values())
    step = 1.0 if whole else PINNED_WIDTH
    invited = np.array([publication.invited.get(a, 0) for a in atoms], dtype=float)
    around = []  # shown groups' rate bounds: (count − invited, outside-the-group indicator)
    for group, shown in _shown_counts(publication, measure).items():
        below = model.subtree(group)
        outside = np.array([0.0 if a in below else 1.0 for a in atoms])
        around.append((shown - sum(publication.invited.get(t, 0) for t in below), outside))
    big = invited.sum() + k + 1.0

    rows: list[np.ndarray] = [counts]  # fewer than the threshold behind it, truly
    low: list[float] = [1.0 if quantity == "count" else -np.inf]
    high: list[float] = [k - 1.0]
    if quantity != "count":
        rows.append(true)  # not pinned at 0 (sums here are of non-negative answers)
        low.append(PINNED_WIDTH)
        high.append(np.inf)

    def band(point: np.ndarray) -> None:
        values = vectors @ point
        if quantity == "count":
            rows.append(values)  # from 1 to k − 1 in this organisation
            low.append(0.5)
            high.append(k - 0.5)
            for floor, outside in around:  # more than the group implies alone, where the group holds the set
                rows.append(values - invited + big * outside)
                low.append(floor + 0.5)
                high.append(np.inf)
        else:
            rows.append(values - true)  # within one step of the truth in this organisation
            low.append(-step / 2)
            high.append(step / 2)

    band(truth)
    integrality = np.ones(len(atoms))
    while True:
        result = milp(
            np.ones(len(atoms)),  # the smallest set first
            integrality=integrality,
            bounds=Bounds(0, 1),
            constraints=LinearConstraint(np.array(rows), np.array(low), np.array(high)),
            options={"time_limit": SOLVE_SECONDS},
        )
        if result.status == 1:
            raise RuntimeError(f"the search for pinned sets stopped at its time limit: {result.message}")
        if result.x is None:
            return  # every set is moved out of the band by an organisation the figures allow
        chosen = result.x > 0.5
        found = frozenset(a for a, inside in zip(atoms, chosen, strict=True) if inside)
        objective = {
            key: w for a, inside, o in zip(atoms, chosen, per_atom, strict=True) if inside for key, w in o.items()
        }
        value = float(true[chosen].sum())
        if quantity == "count":
            least = max([1.0] + [f + invited[chosen].sum() for f, outside in around if not outside[chosen].any()])
            bounds = [(k, True), (least - 1, False)]
        else:
            bounds = [(value + step, True), (value - step, False)]
        point = None
        model.relaxed = True  # organisations of the linear relaxation: LPs only (see the docstring)
        try:
            for bound, above in bounds:
                point = point if point is not None else model.witness(objective, bound, above=above)
        finally:
            model.relaxed = False
        if point is not None:
            band(point)
            continue
        yield found
        rows.append(np.where(chosen, 1.0, -1.0))  # this set is known: look for another
        low.append(-np.inf)
        high.append(chosen.sum() - 1.0)


def _sparse_rows(model: _Model, objectives: list[Mapping[tuple, float]]) -> csr_array:
    """Return the objectives as the rows of a sparse matrix over the model's unknowns (`_vector` of each)."""
    rows, cols, vals = [], [], []
    for row, objective in enumerate(objectives):
        for key, coefficient in objective.items():
            if key in model.index:
                rows.append(row)
                cols.append(model.index[key])
                vals.append(coefficient)
    shape = (len(objectives), len(model.integrality))
    return coo_array((vals, (rows, cols)), shape=shape).tocsr()  # duplicates summed, as `_vector` adds them


def _nothing_small(counts: np.ndarray, true: np.ndarray, threshold: int, quantity: str) -> bool:
    """Return whether no set of teams is in the search's band even in truth, so that it has nothing to look for.

    A set is searched for only if, truly, fewer than the threshold stand behind it: its count from 1 (for a
    count) up to threshold − 1, and a sum at least PINNED_WIDTH. When no team's own count lies from 1 to
    threshold − 1 (and none is negative), every set with any team of a positive count has at least the
    threshold: a count cannot be in the band, and a sum only over teams of count 0 — which cannot reach
    PINNED_WIDTH when their true sums do not (by half of it, far beyond the solver's tolerances: its
    integrality tolerance, 1e-6, times the counts is kept below a half too). The integer programme's first
    solve would find no set; this says so without building it (it has a dense row per shown group).
    """
    if (counts < 0).any() or ((counts > 0) & (counts < threshold)).any() or counts.sum() * 1e-6 >= 0.5:
        return False
    if quantity == "count":
        return True
    return float(np.clip(true[counts == 0], 0, None).sum()) < PINNED_WIDTH / 2


def _shown_counts(publication: Publication, measure: Measure) -> dict[Group, int]:
    """Return each shown group's count in the measure (answered, a question's answers, a dimension's n)."""
    if measure == PARTICIPATION:
        return dict(publication.answered)
    if measure[0] == "question":
        return {g: sum(d.values()) for (g, q), d in publication.items.items() if q == measure[1]}
    return {g: f.respondents for (g, d), f in publication.dimensions.items() if d == measure[1]}


def _disclosure(model: _Model, atoms: frozenset, measure: Measure, quantity: str, objective) -> Disclosure:
    """Return a disclosure with the quantity's feasible range (solved only for what is reported)."""
    low, _ = model.solve(objective, maximise=False)
    high, _ = model.solve(objective, maximise=True)
    return Disclosure(atoms, measure, quantity, low, high)


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
       invitees, so that "none of them answered" is hidden too), plus any figure hidden in an earlier round;
       a dimension with an optional item among several also at and above any group where one of its items'
       figures is hidden.
    2. Audit what remains shown (`audit`). Nothing disclosed: done.
    3. For each disclosure, choose shown figures near its set (a sibling of the set's teams or of a group above
       them, or a group above: what bounds the set by subtraction) whose hiding clears it — of the same measure
       first, then of the same dimension, then any; each time the nearest first, then the smallest (least
       information lost) (`choose`: greedy, then pruned). Go to 1.
    Every round hides at least one more figure, so it ends; with every figure hidden nothing can be learnt.
    """
    invited_totals = group_totals(invited, parent_of)
    children = _children(parent_of)  # each group's, in the order of parent_of (`near` goes through siblings)
    family = {question(q): dimension(spec.dimension) for q, spec in questions.items()}
    # A dimension with an optional item among several: its mean is a mean of per-person means, which ties each
    # person's answers together in a way no linear model holds (an answer-pattern attacker pinned a hidden
    # item's count, and one person's answer, from it, with a subgroup's item figures). Its figures show only
    # for a group where every item's figure is shown, for it and for every group under it.
    likert: dict[Measure, list] = {}
    for q, spec in questions.items():
        if spec.kind == "likert":
            likert.setdefault(dimension(spec.dimension), []).append(q)
    pooled_items = {m: qs for m, qs in likert.items() if len(qs) > 1 and not all(questions[q].required for q in qs)}
    forced: dict[Measure, set[Group]] = {}

    def publish() -> Publication:
        hidden = hidden_groups(
            {g: answered.get(g, 0) for g in invited_totals}, parent_of, threshold,
            members=invited_totals, hidden=forced.get(PARTICIPATION, ()),
        )  # fmt: skip
        counts: dict[Measure, dict[Group, int]] = {}
        for (group, question_id), distribution in items.items():
            counts.setdefault(question(question_id), {})[group] = sum(distribution.values())
        for (group, dimension_id), figure in dimensions.items():
            counts.setdefault(dimension(dimension_id), {})[group] = figure.respondents
        hidden_of = {
            m: hidden_groups(c, parent_of, threshold, hidden=forced.get(m, ()))
            for m, c in counts.items()
            if m[0] == "question"
        }
        for m, c in counts.items():
            if m[0] == "dimension":  # after its questions: a pooled dimension hides above any hidden item figure
                below_hidden = {g for q in pooled_items.get(m, ()) for g in hidden_of.get(question(q), ())}
                for g in list(below_hidden):
                    while (g := parent_of.get(g)) is not None:
                        below_hidden.add(g)
                hidden_of[m] = hidden_groups(c, parent_of, threshold, hidden={*forced.get(m, ()), *below_hidden})
        return Publication(
            threshold=threshold,
            parent_of=parent_of,
            invited=invited,
            questions=questions,
            answered={g: answered.get(g, 0) for g in invited_totals if g not in hidden},
            items={key: d for key, d in items.items() if key[0] not in hidden_of[question(key[1])]},
            dimensions={key: f for key, f in dimensions.items() if key[0] not in hidden_of[dimension(key[1])]},
        )

    def shown_figures(publication: Publication) -> list[tuple[Group, Measure, int]]:
        return [
            *((g, PARTICIPATION, n) for g, n in publication.answered.items()),
            *((g, question(q), sum(d.values())) for (g, q), d in publication.items.items()),
            *((g, dimension(d), f.respondents) for (g, d), f in publication.dimensions.items()),
        ]

    def near(atoms: frozenset) -> dict[Group, int]:
        """The groups whose figures bound the set's, each with its distance: the set's teams and their siblings
        (0), the siblings of the groups above them (1, 2, ... going up), then the groups above (last)."""
        distance: dict[Group, int] = {}
        for atom in atoms:
            steps = 0
            while atom is not None:
                parent = parent_of.get(atom)
                for sibling in (g for g in children.get(parent, ()) if g != atom):
                    distance[sibling] = min(distance.get(sibling, steps), steps)
                if parent is not None:
                    distance[parent] = len(parent_of) + steps
                atom, steps = parent, steps + 1
        return distance | dict.fromkeys(atoms, 0)  # the set's own teams: their figures of other measures

    def clears(model: _Model, disclosure: Disclosure, figures: list, exact: bool = False) -> bool:
        # A trial on this round's programme with the figures' rows dropped (by the linear relaxation unless
        # exact); the next round's audit, after the tree rule has had its say, is the real check.
        with model.without(figures, exact=exact):
            return not _audit_targets(model.publication, everything, [(disclosure.atoms, disclosure.measure)], model)

    def choose(model: _Model, disclosure: Disclosure, candidates: list, already: list) -> list:
        """Return figures whose hiding (with those already chosen this round) clears the disclosure: greedily,
        in the candidates' order, until it clears; then drop any it clears without (a set cover, so not
        always the least)."""
        chosen = []
        for candidate in candidates:
            chosen.append(candidate)
            if clears(model, disclosure, already + chosen):
                break
        else:
            return candidates[:1]  # nothing near clears it in the relaxation: hide one and look again
        for candidate in chosen[:-1]:
            fewer = [c for c in chosen if c != candidate]
            if clears(model, disclosure, already + fewer):
                chosen = fewer
        # The relaxation can clear what integers still pin: add more, checked exactly, until that clears too.
        rest = [c for c in candidates if c not in chosen]
        while rest and not clears(model, disclosure, already + chosen, exact=True):
            chosen.append(rest.pop(0))
        return chosen

    everything = Publication(
        threshold=threshold,
        parent_of=parent_of,
        invited=invited,
        questions=questions,
        answered=answered,
        items=items,
        dimensions=dimensions,
    )
    while True:
        publication = publish()
        model = _Model(publication)
        found = _disclosures(publication, everything, model)
        if not found:
            return publication
        before, chosen_this_round = sum(map(len, forced.values())), []
        for disclosure in found:
            if chosen_this_round and clears(model, disclosure, chosen_this_round):
                continue  # what was chosen for an earlier disclosure this round clears this one too
            related = {disclosure.measure, family.get(disclosure.measure, disclosure.measure)}
            around = near(disclosure.atoms)
            candidates = sorted(
                (m != disclosure.measure, m not in related, around[g], n, repr((g, m)), g, m)
                for g, m, n in shown_figures(publication)
                if g in around and (m not in forced or g not in forced[m])
            )
            if not candidates:
                continue  # already hidden by an earlier choice in this round
            for group, measure in choose(model, disclosure, [(g, m) for *_, g, m in candidates], chosen_this_round):
                forced.setdefault(measure, set()).add(group)
                chosen_this_round.append((group, measure))
        if sum(map(len, forced.values())) == before:
            raise RuntimeError(f"the audit finds disclosures no shown figure explains: {found}")
