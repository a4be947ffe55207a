"""Reads with rules for the feedback side: who may see which team, and what a report may show.

Every figure leaves through `team_report`, which applies the disclosure rules of `feedback.disclosure`.
"""

import time
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet

from surveys.models import Cycle, Dimension, Person, Question, Team
from surveys.selectors import cycle_questions, cycle_team_parents, dimension_scales, team_subtree_ids

from ..models import Action, GroupScore
from .dashboard import ResponseRate, Trend, trend_point
from .participation import group_cycles_reporting, participation_figures
from .team import cycle_extras


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
    sd: float | None = None
    favourable: float | None = None
    enps: float | None = None
    # The change from the previous cycle, only when that cycle's figure for this group was shown too.
    change: float | None = None
    change_ci: tuple[float, float] | None = None
    change_flagged: bool = False
    benchmark: float | None = None  # the organisation's figure for the same dimension, where shown

    @property
    def change_reading(self) -> str | None:
        """Return "up" or "down" (significant and at least the practical size), "small" (significant, smaller
        than that) or "unclear" (the 95% interval includes zero); None without a change."""
        if self.change is None or self.change_ci is None:
            return None
        if self.change_flagged:
            return "up" if self.change > 0 else "down"
        return "small" if self.change_ci[0] > 0 or self.change_ci[1] < 0 else "unclear"

    @property
    def change_unit(self) -> str:
        """Return the unit the change is in."""
        return "eNPS points" if self.enps is not None else "points"

    @property
    def change_digits(self) -> int:
        """Return the decimals the change is shown with (eNPS is a whole number of points)."""
        return 0 if self.enps is not None else 2

    @property
    def change_size(self) -> float | None:
        """Return the change without its sign, for text that says "up" or "down" in words."""
        return None if self.change is None else abs(self.change)


@dataclass(frozen=True)
class CycleReport:
    cycle: Cycle
    cells: list[ScoreCell]
    extras: object = None  # feedback.selectors.team.CycleExtras


def _report_dimensions(cycle: Cycle) -> list[Dimension]:
    seen: dict[int, Dimension] = {}
    for question in cycle_questions(cycle=cycle):
        if question.kind != Question.Kind.COMMENT:
            seen.setdefault(question.dimension_id, question.dimension)
    return list(seen.values())


def visible_group_scores(*, cycle: Cycle) -> dict[tuple, GroupScore]:
    """Return {(team id, dimension id): score} for every group score of the cycle that may be shown.

    What may be shown was decided by disclosure control when the cycle was aggregated (`GroupScore.shown`).
    """
    return {(s.team_id, s.dimension_id): s for s in GroupScore.objects.filter(cycle=cycle, shown=True)}


def visible_group_means(*, cycle: Cycle) -> dict[tuple[int, int], float]:
    """Return {(team id, dimension id): mean} of visible_group_scores, read as plain values (the analysis reads
    every cycle's: 115,000 model instances took 3 s at 500 teams × 26 cycles)."""
    shown = GroupScore.objects.filter(cycle=cycle, shown=True)
    return {(team, dimension): mean for team, dimension, mean in shown.values_list("team_id", "dimension_id", "mean")}


def team_report(*, team: Team, published_only: bool = False) -> list[CycleReport]:
    """Return the team's scores for every closed cycle that reports on it, newest first, disclosure applied.

    The cycles are `participation.cycles_reporting`'s, the rule of the group's dashboard, summary and digest:
    every output built on this (the report page, its CSVs and PDF, the members' results page, the comments API,
    the drivers of the cycle shown) shows only cycles whose audience took in the whole group.

    A cell is shown only when the team has at least the cycle's threshold of respondents for that dimension
    and no smaller group could be worked out by subtracting what is shown (complementary suppression).
    Members see published cycles only; managers, leaders and admins also see closed ones.
    """
    states = [Cycle.State.PUBLISHED] if published_only else [Cycle.State.CLOSED, Cycle.State.PUBLISHED]
    candidates = Cycle.objects.filter(state__in=states, tree__team=team).distinct().order_by("-closes_at")
    # The cycles that report on the group, as on its dashboard (`participation.cycles_reporting`): a one-off of
    # one team is that team's cycle, never its department's or the organisation's latest.
    cycles, _ = group_cycles_reporting(team_id=team.id, cycles=list(candidates.prefetch_related("teams")))
    # The team's own shown scores in every cycle, in one read (each cycle's whole organisation was read before:
    # 44,000 scores a cycle at 5,000 teams, to look up a few).
    shown = GroupScore.objects.filter(cycle__in=cycles, team=team, shown=True)
    visible = {(s.cycle_id, s.dimension_id): s for s in shown}
    # A dimension mixing kinds or scales (a bank from before the rule, `surveys.scales`) has no figure on any
    # scale: it is not scored, so it is not listed, rather than listed as if too few had answered.
    scored = {dimension_id for dimension_id, scale in dimension_scales().items() if scale is not None}
    reports = []
    for cycle in cycles:
        # The tree as it stood when this cycle opened: a team moved since is judged where it was then.
        parents = cycle_team_parents(cycle_id=cycle.id)
        extras = cycle_extras(team=team, cycle=cycle, parents=parents)
        cells = []
        for dimension in (d for d in _report_dimensions(cycle) if d.id in scored):
            score = visible.get((cycle.id, dimension.id))
            if score is None:
                cells.append(ScoreCell(dimension=dimension, shown=False))
                continue
            # A change reveals the previous figure as much as the figure itself: both must be shown.
            cells.append(
                ScoreCell(
                    dimension=dimension,
                    shown=True,
                    respondents=score.respondents,
                    mean=score.mean,
                    sd=score.sd,
                    favourable=score.favourable,
                    enps=score.enps,
                    change=score.change if score.change_shown else None,
                    change_ci=(score.change_ci_low, score.change_ci_high) if score.change_shown else None,
                    change_flagged=score.change_flagged and score.change_shown,
                    benchmark=extras.benchmark.get(dimension.id),
                )
            )
        reports.append(CycleReport(cycle=cycle, cells=cells, extras=extras))
    return reports


@dataclass(frozen=True)
class ParticipationRow(ResponseRate):
    team_id: int
    name: str
    depth: int
    shown: bool
    invited: int | None = None
    answered: int | None = None


def cycle_participation(*, cycle: Cycle) -> list[ParticipationRow]:
    """Return invited and answered counts per group, answered counts only where disclosure control allows.

    Groups are the cycle's teams with everyone below them, as of its opening. Invited counts are always given
    (`shown` then covers the answered count and rate), answered counts as `participation_figures` decides.
    Counts only: never who has or has not answered.
    """
    parents = cycle_team_parents(cycle_id=cycle.id)
    names = dict(cycle.tree.values_list("team_id", "name")) or dict(Team.objects.values_list("id", "name"))
    invited, answered, hidden = participation_figures(cycles=[cycle], trees={cycle.id: parents})[cycle.id]
    order: list[tuple[int, int]] = []

    def walk(team_id: int, depth: int) -> None:
        order.append((team_id, depth))
        for child in sorted((t for t, p in parents.items() if p == team_id and t in invited), key=names.get):
            walk(child, depth + 1)

    for root in sorted((t for t in invited if parents.get(t) is None or parents.get(t) not in invited), key=names.get):
        walk(root, 0)
    return [
        ParticipationRow(team_id=t, name=names.get(t, "?"), depth=d, shown=False, invited=invited[t])
        if t in hidden
        else ParticipationRow(
            team_id=t, name=names.get(t, "?"), depth=d, shown=True, invited=invited[t], answered=answered.get(t, 0)
        )
        for t, d in order
    ]


RESULTS_SALT = "align.team-results"
RESULTS_LINK_DAYS = 400


def team_results_key(*, team_id: int) -> str:
    """Return the key of a team's results link: shareable with its members, unguessable for other teams.

    The key is the same for the whole of a UTC day and carries that day's start as its time, not the moment it
    was made: every respondent of a team gets it from the thank-you page, and a key stamped at its first submit
    would tell later ones (and anyone they forward it to) when a teammate answered. The link's age counts
    from that day's start. A process signs a team's key once a day (signing was a tenth of a submit's work).
    """
    return _results_key_of_the_day(team_id, int(time.time()) // 86400, settings.SECRET_KEY)


class _DaySigner(signing.TimestampSigner):
    """A TimestampSigner whose time is the start of a given UTC day."""

    def __init__(self, *, day: int, **kwargs):
        super().__init__(**kwargs)
        self.day = day

    def timestamp(self) -> str:
        return signing.b62_encode(self.day * 86400)


@lru_cache(maxsize=4096)
def _results_key_of_the_day(team_id: int, day: int, secret_key: str) -> str:  # secret key: a cache key only
    # As signing.dumps signs, so signing.loads reads it (team_from_results_key).
    return _DaySigner(day=day, salt=RESULTS_SALT).sign_object(team_id)


def team_from_results_key(*, key: str) -> Team | None:
    """Return the team a results key was made for, or None if it was not made here."""
    try:
        team_id = signing.loads(key, salt=RESULTS_SALT, max_age=RESULTS_LINK_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
    return Team.objects.filter(id=team_id).first()


def team_results_published(*, team_id: int) -> bool:
    """Return whether a team's results page has something for its members: a figure shown for the team in a
    published cycle, or an action recorded for it after one ("you said, we did").

    The team is the one an invitation recorded, whatever the cycle's audience named (in the demo only the
    organisation's root). Only published cycles count, which no open cycle's answers reach: every respondent of
    the team gets the same answer, whoever else has answered and whatever they did.
    """
    published = Cycle.State.PUBLISHED
    return (
        GroupScore.objects.filter(team_id=team_id, cycle__state=published, shown=True).exists()
        or Action.objects.filter(team_id=team_id, cycle__state=published).exists()
    )


def team_results_coming(*, team_id: int) -> list[Cycle]:
    """Return the open cycles that invited a team, soonest closing first: their results are the team's next.

    Read from invitations, which are made when a cycle opens and never change on a submit.
    """
    cycles = Cycle.objects.filter(state=Cycle.State.OPEN, invitations__team_id=team_id).distinct()
    return list(cycles.order_by("closes_at", "id"))


def team_trends(reports: list[CycleReport]) -> list[Trend]:
    """Return a team report's scores as trends per dimension, oldest cycle first (only shown figures plot)."""
    points: dict[int, list] = defaultdict(list)
    dimensions, enps = {}, set()
    for report in reversed(reports):
        for cell in report.cells:
            dimensions[cell.dimension.id] = cell.dimension
            points[cell.dimension.id].append(trend_point(report.cycle, cell if cell.shown else None))
            if cell.shown and cell.enps is not None:
                enps.add(cell.dimension.id)
    return [Trend(dimension=dimensions[d], points=p, enps=d in enps) for d, p in points.items()]
