"""What a team report adds to its scores: the organisation benchmark, item distributions, comments, actions.

Everything goes through disclosure control: item figures are shown only where aggregation decided so
(`ItemScore.shown`), and a group's comments only where the group passes the same rule over response counts.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db.models import Count

from surveys.models import Comment, Cycle, Question, Response, Team
from surveys.selectors import team_ancestor_ids, team_subtree_ids

from ..disclosure import group_totals, hidden_groups
from ..models import Action, GroupScore, ItemScore
from ..statistics import EnpsGroups, enps_groups, favourability
from .participation import audience_covers


@dataclass(frozen=True)
class Favourability:
    """Shares 0–1 of an item's answers after reverse scoring, drawn as one bar diverging at the neutral's middle."""

    unfavourable: float
    neutral: float
    favourable: float

    @property
    def percents(self) -> tuple[float, float, float]:
        """Return the three shares in % of the bar."""
        return 100 * self.unfavourable, 100 * self.neutral, 100 * self.favourable

    @property
    def offset(self) -> float:
        """Return where the bar starts, in % of a track that runs from 100% unfavourable to 100% favourable."""
        return 50 * (1 - self.unfavourable - self.neutral / 2)


@dataclass(frozen=True)
class ItemRow:
    question: Question
    n: int
    mean: float
    shares: list[tuple[str, float]]  # (answer as asked, share 0–1), in scale order

    @property
    def favourability(self) -> Favourability | None:
        """Return an agreement item's unfavourable, neutral and favourable shares, or None for eNPS (0–10)."""
        if self.question.kind != Question.Kind.LIKERT:
            return None
        shares = {int(answer): share for answer, share in self.shares}
        found = favourability(shares, points=self.question.scale_points, reverse=self.question.reverse_scored)
        return Favourability(*found)


@dataclass(frozen=True)
class CycleExtras:
    benchmark: dict[int, float]  # dimension id → the organisation's score (root group), where shown
    benchmark_name: str
    items: list[ItemRow]
    actions: list[Action]
    enps_groups: dict[int, EnpsGroups] = field(default_factory=dict)  # dimension id → its question's groups
    team: Team | None = None
    cycle: Cycle | None = None
    parents: dict = field(default_factory=dict, repr=False)  # the cycle's tree, team → parent

    # The comments are read when first asked for: a report page shows one cycle's, and deciding whether a group's
    # may be shown counts the responses of every group of the cycle (5,000 teams × 26 cycles at 100,000 people).
    @cached_property
    def comments_shown(self) -> bool:
        """Whether the team's comments may be shown (`comment_groups_shown`)."""
        return self.team.id in comment_groups_shown(cycle=self.cycle, parents=self.parents)

    @cached_property
    def comments(self) -> list[tuple[str, list[tuple]]]:
        """(question text, (comment id, text) in random order) of the team's subtree, where they may be shown."""
        by_question: dict[str, list[tuple]] = defaultdict(list)
        if self.comments_shown:
            subtree = team_subtree_ids([self.team.id], parents=self.parents)
            # A comment still sealed (surveys.sealing) is one no configured key opened at closing: nothing to show.
            opened = Comment.objects.filter(cycle=self.cycle, team_id__in=subtree, sealed__isnull=True)
            for comment_id, text, prompt in opened.values_list("id", "text", "question__text"):
                by_question[prompt].append((comment_id, text))  # the id leads to its conversation (conversations/)
            for texts in by_question.values():
                random.SystemRandom().shuffle(texts)  # no order that could follow who answered when
        return sorted(by_question.items())


def _root_of(team_id: int, parents: dict) -> int:
    return team_ancestor_ids(team_id, parents=parents)[-1]


def comment_groups_shown(*, cycle: Cycle, parents: dict) -> set[int]:
    """Return the groups whose comments may be shown: the disclosure rule over each group's responses.

    The threshold is the cycle's, or ALIGN_COMMENT_THRESHOLD where that is higher: words can identify a
    person more easily than a score, so an organisation may want more people behind them.
    """
    per_team = Response.objects.filter(cycle=cycle).values_list("team_id").annotate(n=Count("id"))
    responses = group_totals(dict(per_team), parents)
    hidden = hidden_groups(responses, parents, max(cycle.threshold, settings.ALIGN_COMMENT_THRESHOLD))
    return {group for group in responses if group not in hidden}


def cycle_extras(*, team: Team, cycle: Cycle, parents: dict) -> CycleExtras:
    """Return the benchmark, item distributions, comments and actions of a team's report for one cycle."""
    root = _root_of(team.id, parents)
    benchmark = dict(
        GroupScore.objects.filter(cycle=cycle, team_id=root, shown=True).values_list("dimension_id", "mean")
    )
    enps = dict(
        GroupScore.objects.filter(cycle=cycle, team_id=root, shown=True, enps__isnull=False).values_list(
            "dimension_id", "enps"
        )
    )
    benchmark |= enps
    if root == team.id:
        benchmark = {}  # the team is the organisation: nothing to compare with
    elif not audience_covers(team_id=root, audience={t.id for t in cycle.teams.all()}, parents=parents):
        # A cycle that asked part of the organisation only (a one-off of one team): its "organisation" figure is
        # that part's, not the whole's, and would read as the organisation's for comparison.
        benchmark = {}
    items, groups = [], {}
    for item in ItemScore.objects.filter(cycle=cycle, team=team, shown=True).select_related("question"):
        points = range(0, 11) if item.question.kind == Question.Kind.ENPS else range(1, item.question.scale_points + 1)
        total = sum(item.distribution.values()) or 1
        shares = [(str(p), item.distribution.get(str(p), 0) / total) for p in points]
        items.append(ItemRow(question=item.question, n=item.respondents, mean=item.mean, shares=shares))
        if item.question.kind == Question.Kind.ENPS:  # its distribution is shown, so its three groups may be
            counts = {int(answer): count for answer, count in item.distribution.items()}
            groups[item.question.dimension_id] = enps_groups(counts)
    items.sort(key=lambda row: (row.question.dimension_id, row.question.key))
    names = dict(cycle.tree.filter(team_id__in=[root]).values_list("team_id", "name"))
    return CycleExtras(
        benchmark=benchmark,
        benchmark_name=names.get(root, "Organisation"),
        items=items,
        actions=list(Action.objects.filter(team=team, cycle=cycle)),
        enps_groups=groups,
        team=team,
        cycle=cycle,
        parents=parents,
    )


def latest_actions(*, team_id: int) -> list[str]:
    """Return what a team said it would change after its latest published cycle with actions."""
    latest = (
        Action.objects.filter(team_id=team_id, cycle__state=Cycle.State.PUBLISHED)
        .order_by("-cycle__closes_at")
        .values_list("cycle_id", flat=True)
        .first()
    )
    if latest is None:
        return []
    return list(Action.objects.filter(team_id=team_id, cycle_id=latest).values_list("text", flat=True))
