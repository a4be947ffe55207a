"""Drivers and focus areas of one group in one cycle, as a dashboard or team report shows them.

Estimates are stored at aggregation only for groups whose figures for every dimension read are shown, over
exactly their respondents, at least `feedback.drivers.minimum_respondents(threshold)` (30, never below the
threshold). Here each is checked again against the shown figures (a score row that is hidden, or counts other
respondents, takes its drivers with it), so the n shown beside a driver is always an n shown beside a score.
What it adds to the shown figures: how the group's answers to two dimensions go together, as a rank
correlation and a share of R² over at least 30 responses — not in the disclosure audit's model, as α is not.
"""

from dataclasses import dataclass, field

from surveys.models import Cycle, Dimension, Team
from surveys.selectors import dimension_scales

from .. import drivers, numbers, tables
from ..models import DriverEstimate, GroupScore

DEFAULT_OUTCOME = "enps"


@dataclass(frozen=True)
class DriverView:
    dimension: Dimension
    n: int  # responses that answered every dimension read
    rho: float  # Spearman's ρ with the outcome
    interval: tuple[float, float] | None  # 95% BCa bootstrap interval of ρ
    p_holm: float  # Holm-adjusted across this outcome's drivers
    importance: float | None  # share of what the drivers together explain (R²), 0–1
    importance_interval: tuple[float, float] | None
    score: float  # the group's figure: a scale mean, or eNPS (−100…100)
    enps: bool
    points: int  # the dimension's agreement scale (5 or 7); eNPS runs −100…100
    level: float  # where the score lies on its own scale, 0–1
    change: float | None = None  # from the previous cycle, in the figure's unit, where shown
    change_interval: tuple[float, float] | None = None
    previous_cycle: Cycle | None = None
    falling: bool = False  # change significant, at least the practical size, and downward

    @property
    def significant(self) -> bool:
        """Return whether the association holds after Holm's correction for the drivers tested."""
        return self.p_holm < 1 - drivers.CONFIDENCE

    @property
    def unit(self) -> str:
        return "eNPS points" if self.enps else "points"

    @property
    def p_holm_text(self) -> str:
        """Return the adjusted p as the page and its CSV both show it: never 0 (`feedback.tables.p_text`)."""
        return tables.p_text(self.p_holm)


@dataclass(frozen=True)
class FocusArea:
    driver: DriverView
    reason: str  # why it was chosen, in a sentence


@dataclass(frozen=True)
class GroupDrivers:
    team: Team
    cycle: Cycle
    outcome: Dimension
    outcomes: list[Dimension]  # every dimension that may be chosen as the outcome
    respondents: int
    r_squared: float | None
    drivers: list[DriverView]  # most important first
    strengths: list[FocusArea] = field(default_factory=list)
    focus: list[FocusArea] = field(default_factory=list)
    watch: list[FocusArea] = field(default_factory=list)

    @property
    def minimum(self) -> int:
        return drivers.minimum_respondents(self.cycle.threshold)

    @property
    def lists(self) -> list[tuple[str, list[FocusArea], str]]:
        """Return (title, focus areas, what to say when there are none) for strengths, focus and watch."""
        return [
            ("Strengths", self.strengths, "No dimension is both closely associated and among the higher scores."),
            ("Focus", self.focus, "No dimension is both closely associated and among the lower scores."),
            ("Watch", self.watch, "No dimension fell clearly since the previous cycle."),
        ]

    def focus_labels(self, dimension: Dimension) -> list[str]:
        """Return every focus area `dimension` is listed in, in the page's order ("Strength", "Focus", "Watch").

        A dimension can be in two: a strength or focus area whose score also fell clearly is in Watch too.
        """
        labels = zip(("Strength", "Focus", "Watch"), self.lists, strict=True)
        return [label for label, (_, areas, _) in labels if any(a.driver.dimension.id == dimension.id for a in areas)]


@dataclass(frozen=True)
class NoDrivers:
    """Why a group shows no drivers in a cycle: what the section's page and its CSV both say instead.

    False in a condition, as None was, so `{% if drivers %}` reads it as "no drivers".
    """

    cycle: Cycle | None
    minimum: int

    def __bool__(self) -> bool:
        return False

    @property
    def reason(self) -> str:
        where, which = (f" in {self.cycle.name}", "that cycle") if self.cycle else ("", "a cycle")
        return (
            f"No drivers to show for this group{where}. They are shown for a group whose figures are shown in "
            f"{which} and that has at least {self.minimum} responses answering every dimension asked (fewer "
            "give intervals too wide to rank anything), never fewer than the reporting threshold."
        )


def no_drivers(*, cycle: Cycle | None) -> NoDrivers:
    """Return why a group has no drivers to show in `cycle` (None: no cycle to read), with its minimum."""
    return NoDrivers(
        cycle=cycle, minimum=drivers.minimum_respondents(cycle.threshold) if cycle else drivers.MIN_RESPONDENTS
    )


def _level(score: GroupScore, points: int) -> float:
    if score.enps is not None:
        return (score.enps + 100) / 200
    return (score.mean - 1) / (points - 1)


def _association(view: DriverView, outcome: Dimension) -> str:
    low, high = view.interval or (None, None)
    interval = f", 95% interval {numbers.text(low)} to {numbers.text(high)}" if view.interval else ""
    share = (
        f"; {numbers.percent(view.importance)}% of what the dimensions together explain"
        if view.importance is not None
        else ""
    )
    return (
        f"Higher {view.dimension.name} scores went with higher {outcome.name} in the same responses "
        f"(ρ {numbers.text(view.rho)}{interval}, n = {view.n}{share})"
    )


def _score_text(view: DriverView) -> str:
    return f"eNPS {numbers.text(view.score, 0)}" if view.enps else f"{numbers.text(view.score)} of {view.points}"


def _reasons(group: GroupDrivers, chosen: drivers.FocusAreas) -> dict[str, list[FocusArea]]:
    by_id = {view.dimension.id: view for view in group.drivers}
    found: dict[str, list[FocusArea]] = {"strengths": [], "focus": [], "watch": []}
    for name, candidates, which in (("strengths", chosen.strengths, "higher"), ("focus", chosen.focus, "lower")):
        for candidate in candidates:
            view = by_id[candidate.key]
            association = _association(view, group.outcome)
            found[name].append(
                FocusArea(view, f"{association}; one of this group's {which} scores ({_score_text(view)}).")
            )
    for candidate in chosen.watch:
        view = by_id[candidate.key]
        digits = 0 if view.enps else 2
        low, high = view.change_interval
        found["watch"].append(
            FocusArea(
                view,
                f"Down {abs(view.change):.{digits}f} {view.unit} since {view.previous_cycle.name} (95% interval "
                f"{low:.{digits}f} to {high:.{digits}f}), now {_score_text(view)}, n = {view.n}.",
            )
        )
    return found


def group_drivers(*, team: Team, cycle: Cycle, outcome_key: str | None = None) -> GroupDrivers | None:
    """Return a group's drivers of one outcome in one cycle with its focus areas, or None where none may be shown.

    The outcome is the dimension `outcome_key` names, else eNPS, else the first by name; a key the cycle has
    no drivers for falls back the same way. Drivers are sorted by importance (share of R²), then |ρ|. Focus
    areas: `feedback.drivers.focus_areas` over the drivers, with a sentence saying why each was chosen. The
    caller has checked that the viewer may see `team`. Four queries.
    """
    shown = {
        s.dimension_id: s
        for s in GroupScore.objects.filter(cycle=cycle, team=team, shown=True).select_related("previous_cycle")
    }
    least = drivers.minimum_respondents(cycle.threshold)
    rows = [
        row
        for row in DriverEstimate.objects.filter(cycle=cycle, team=team).select_related("outcome", "dimension")
        if row.respondents >= least
        and all(
            key in shown and shown[key].respondents == row.respondents for key in (row.outcome_id, row.dimension_id)
        )
    ]
    if not rows:
        return None
    outcomes = sorted({row.outcome for row in rows}, key=lambda d: d.name)
    outcome = (
        next((d for d in outcomes if d.key == outcome_key), None)
        or next((d for d in outcomes if d.key == DEFAULT_OUTCOME), None)
        or outcomes[0]
    )
    scales = dimension_scales(dimension_ids={row.dimension_id for row in rows})
    views = []
    # A dimension with no one scale (a mixed bank from before the rule) has no figure to read on any scale.
    for row in (r for r in rows if r.outcome_id == outcome.id and scales.get(r.dimension_id) is not None):
        score = shown[row.dimension_id]
        scale = scales.get(row.dimension_id)
        change_shown = score.change_shown and score.change is not None
        views.append(
            DriverView(
                dimension=row.dimension,
                n=row.respondents,
                rho=row.rho,
                interval=(row.rho_ci_low, row.rho_ci_high) if row.rho_ci_low is not None else None,
                p_holm=row.p_holm,
                importance=row.importance,
                importance_interval=(row.importance_ci_low, row.importance_ci_high)
                if row.importance_ci_low is not None
                else None,
                score=score.enps if score.enps is not None else score.mean,
                enps=score.enps is not None,
                points=scale.points,
                level=_level(score, scale.points),
                change=score.change if change_shown else None,
                change_interval=(score.change_ci_low, score.change_ci_high) if change_shown else None,
                previous_cycle=score.previous_cycle if change_shown else None,
                falling=change_shown and score.change_flagged and score.change < 0,
            )
        )
    views.sort(key=lambda v: (-(v.importance or 0.0), -abs(v.rho), v.dimension.name))
    group = GroupDrivers(
        team=team,
        cycle=cycle,
        outcome=outcome,
        outcomes=outcomes,
        respondents=views[0].n,
        r_squared=next(r.r_squared for r in rows if r.outcome_id == outcome.id),
        drivers=views,
    )
    chosen = drivers.focus_areas(
        [
            drivers.Candidate(
                key=v.dimension.id,
                significant=v.significant,
                rho=v.rho,
                importance=v.importance,
                level=v.level,
                falling=v.falling,
            )
            for v in views
        ]
    )
    reasons = _reasons(group, chosen)
    return GroupDrivers(**{**group.__dict__, **reasons})
