"""An oracle for every figure Align shows: each output is parsed and recomputed from the raw rows.

One organisation is seeded the way Align fills up in use — people answer through `response_submit` (optional
items skipped now and then), cycles close and are aggregated, readers acknowledge and answer comments and
authors write back through the conversation services, delivery events and business metrics come in through the
REST API and DORA is recomputed by its task. Then every output is read as a viewer reads it (the leadership
dashboard, its summary and each of its CSVs, a team report and its CSVs, the members' results page, the PDF
exports, the API, the digest and the results emails) and every figure is recomputed here from `Answer`,
`Response`, `Invitation`, `Comment`, `Thread`, `Message`, the delivery events and the metric values sent, with
pandas, scipy, pingouin and plain Python — never through Align's statistics, drivers, services or selectors.
What may be shown is taken from the stored verdicts (`GroupScore.shown`, `ItemScore.shown`): the check is that a
hidden cell never carries a number and a shown one carries the right number, n and unit, at the rounding
displayed. Which groups show comments is worked out here from response counts, by the rule README states.
"""

import html
import io
import itertools
import json
import math
import random
import re
import unicodedata
import warnings
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path
from statistics import median
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pingouin
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from scipy import stats

from alignsite.celery import app as celery_app
from conversations.models import Message, Thread
from feedback.models import (
    Change,
    Deployment,
    Finding,
    GroupScore,
    Incident,
    ItemScore,
    MetricDefinition,
    ParticipationFigure,
)
from feedback.services import correlations_refresh
from feedback.services.delivery import dora_dirty_teams, dora_recompute
from surveys import services as survey_services
from surveys.models import (
    Answer,
    Comment,
    Cycle,
    CycleTeam,
    Dimension,
    Invitation,
    Person,
    Question,
    Response,
    Team,
)
from tests.downloads import csv_rows
from tests.factories import UserFactory, builtin_data_install

pytestmark = pytest.mark.django_db

SEED = 19
THRESHOLD = 5
CYCLES = 5
DIGITS = 2  # scale scores, intervals and changes are shown with two decimals; eNPS with none

# The tree: Acme → Engineering (2 people of its own) → Platform → Platform SRE; Checkout; Search (too small)
#           Acme → Product → Design; Research; Growth (too small).  Sizes are people invited.
TREE = {
    "Engineering": (None, 2),
    "Platform": ("Engineering", 9),
    "Platform SRE": ("Platform", 5),
    "Checkout": ("Engineering", 8),
    "Search": ("Engineering", 4),
    "Product": (None, 0),
    "Design": ("Product", 9),
    "Research": ("Product", 7),
    "Growth": ("Product", 3),
}
LEVEL = {"Platform": 3.9, "Platform SRE": 3.2, "Checkout": 3.0, "Search": 3.5, "Design": 4.2, "Research": 2.8,
         "Growth": 3.6, "Engineering": 3.4, "Product": 3.4}  # fmt: skip
LEAVES = ["Platform", "Platform SRE", "Checkout", "Search", "Design", "Research", "Growth"]
# Before the last two cycles Checkout hires: at about 32 respondents it is the one team with drivers to show.
HIRES = {"Checkout": 30}


@dataclass
class World:
    root: Team
    teams: dict[str, Team]
    cycles: list[Cycle]  # oldest first; all but the last published
    admin: object
    leader: object
    author_keys: list[str] = field(default_factory=list)  # conversation keys of the comments' authors
    metric_rows_sent: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------- seeding


def _questions() -> tuple[list[Question], list[Question]]:
    """The template: psychological safety (3 of 7 reversed), structure & clarity with an optional custom item,
    business clarity (one reversed item), a custom 7-point optional dimension, eNPS and the comment; and the
    template of the last two cycles, where the 7-point item is asked as required (a dimension of one optional
    item counts fewer respondents than the others, and drivers read only groups whose figures share one n)."""
    workload = survey_services.dimension_create(name="Workload", description="Custom, 7-point, optional.")
    clarity = Dimension.objects.get(key="structure-clarity")
    extra_clarity = survey_services.question_create(
        dimension=clarity, text="I know what is expected of me this quarter.", required=False
    )
    sustainable = survey_services.question_create(
        dimension=workload, text="My workload is sustainable.", scale_points=7, required=False
    )
    required = survey_services.question_create(
        dimension=workload, text="My workload lets me do good work.", scale_points=7
    )
    keys = [f"psafety-{n}" for n in range(1, 8)] + ["clarity-1", "clarity-2", "business-1", "business-3", "enps"]
    questions = [Question.objects.get(key=key, version=1) for key in keys]
    comment = Question.objects.get(kind=Question.Kind.COMMENT, retired=False, key="comment")
    return [*questions, extra_clarity, sustainable, comment], [*questions, extra_clarity, required, comment]


def _answers_of(rng: random.Random, questions: list[Question], felt: float) -> tuple[dict, dict]:
    answers, comments = {}, {}
    for question in questions:
        if question.kind == Question.Kind.COMMENT:
            if rng.random() < 0.3:
                comments[question.id] = rng.choice(["More pairing.", "=SUM(A1:A9) is how we plan", "Too many meetings"])
            continue
        if not question.required and rng.random() < 0.3:
            continue  # an optional item skipped
        if question.kind == Question.Kind.ENPS:
            answers[question.id] = max(0, min(10, round(2.2 * felt - 0.5 + rng.gauss(0, 1.6))))
            continue
        points = question.scale_points
        value = max(1, min(points, round(felt * points / 5 + rng.gauss(0, 0.8))))
        answers[question.id] = points + 1 - value if question.reverse_scored else value
    return answers, comments


def _seed_surveys(rng: random.Random) -> World:
    root = Team.objects.create(name="Acme")
    teams: dict[str, Team] = {}
    for name, (parent, _) in TREE.items():
        teams[name] = Team.objects.create(name=name, parent=teams[parent] if parent else root)
    for name, (_, size) in TREE.items():
        for i in range(size):
            Person.objects.create(email=f"{name.lower().replace(' ', '.')}.{i}@example.com", name=f"{name} {i}",
                                  team=teams[name])  # fmt: skip
    admin = UserFactory(username="ada@example.com", is_superuser=True, is_staff=True)
    leader = UserFactory(username="lee@example.com")
    lee = Person.objects.create(email="lee@example.com", name="Lee Leader", team=teams["Engineering"],
                                role=Person.Role.LEADER, user=leader)  # fmt: skip
    lee.managed_teams.set([teams["Engineering"]])
    first, later = _questions()
    templates = [
        survey_services.template_save(name=name, question_ids=[q.id for q in asked], max_questions=len(asked))
        for name, asked in [("Oracle pulse", first), ("Oracle pulse, workload required", later)]
    ]
    keys = []
    now = timezone.now().replace(microsecond=0)
    cycles = []
    for index in range(CYCLES):
        if index == CYCLES - 2:
            for name, hired in HIRES.items():
                for i in range(TREE[name][1], TREE[name][1] + hired):
                    Person.objects.create(email=f"{name.lower()}.{i}@example.com", name=f"{name} {i}",
                                          team=teams[name])  # fmt: skip
        opens = now - timedelta(days=28 * (CYCLES - index) + 3, hours=index)
        questions = first if index < CYCLES - 2 else later
        cycle = Cycle.objects.create(name=f"Pulse {index + 1}", template=templates[questions is later],
                                     opens_at=opens, closes_at=now + timedelta(days=1),
                                     threshold=THRESHOLD)  # fmt: skip
        cycle.teams.set([root])
        survey_services.cycle_open(cycle_id=cycle.id)
        drift = rng.gauss(0, 0.25) - (0.6 if index == CYCLES - 1 else 0)  # the last cycle dips: falls to watch
        for invitation in Invitation.objects.filter(cycle=cycle).select_related("team").order_by("id"):
            if rng.random() > 0.85:
                continue  # did not answer
            felt = LEVEL[invitation.team.name] + drift + rng.gauss(0, 0.6)
            answers, comments = _answers_of(rng, questions, felt)
            token = survey_services.invitation_link_issue(invitation_id=invitation.id)
            key = survey_services.response_submit(token=token, answers=answers, comments=comments)
            if key:
                keys.append(key)  # kept by the comment's author, as the thank-you page asks
        with TestCase.captureOnCommitCallbacks(execute=True):
            survey_services.cycle_close(cycle_id=cycle.id)  # aggregates and announces, as the worker would
        Cycle.objects.filter(id=cycle.id).update(closes_at=opens + timedelta(days=7))
        cycles.append(Cycle.objects.get(id=cycle.id))
    return World(root=root, teams=teams, cycles=cycles, admin=admin, leader=leader, author_keys=keys)


def _seed_delivery(rng: random.Random, world: World, client) -> None:
    """Send each leaf team's deployments, changes and incidents through the API, as a CI system would."""
    start = world.cycles[0].opens_at - timedelta(days=7)
    end = world.cycles[-1].closes_at + timedelta(days=7)
    deployments, changes, incidents = [], [], []
    for name in LEAVES:
        path = _path(world, name)
        rate = rng.uniform(0.3, 1.6)  # deployments a day
        moment = start
        number = 0
        while True:
            moment += timedelta(hours=rng.expovariate(rate / 24))
            if moment >= end:
                break
            number += 1
            deployment_id = f"{name}-{number}"
            shas = []
            for _ in range(rng.randint(1, 3)):
                sha = f"{rng.getrandbits(160):040x}"
                committed = moment - timedelta(hours=rng.lognormvariate(math.log(18), 0.7))
                row = {"team": path, "sha": sha}
                if rng.random() < 0.1:
                    row["merged_at"] = _iso(committed)  # no authored time: merged time stands in
                else:
                    row["authored_at"] = _iso(committed)
                changes.append(row)
                if rng.random() < 0.85:
                    shas.append(sha)  # the rest go out with this deployment unlisted (the next one after)
            deployments.append({"id": deployment_id, "team": path, "finished_at": _iso(moment), "shas": shas})
            if rng.random() < 0.18:
                opened = moment + timedelta(hours=rng.uniform(0.1, 30))
                incident = {"id": f"inc-{deployment_id}", "team": path, "opened_at": _iso(opened)}
                how = rng.random()
                if how < 0.5:
                    incident["deployment_id"] = deployment_id
                elif how < 0.7 and shas:
                    incident["sha"] = shas[0][:10]
                if rng.random() < 0.9:
                    incident["resolved_at"] = _iso(opened + timedelta(hours=rng.lognormvariate(math.log(3), 0.6)))
                incidents.append(incident)
    for url, rows in [("api-changes", changes), ("api-deployments", deployments), ("api-incidents", incidents)]:
        for chunk in range(0, len(rows), 2000):
            with TestCase.captureOnCommitCallbacks(execute=True):
                response = client.post(
                    reverse(url), {"values": rows[chunk : chunk + 2000]}, content_type="application/json"
                )
            assert response.status_code == 200, response.content


def _seed_business(rng: random.Random, world: World, client) -> None:
    """Send monthly business metrics per leaf team (and one quarterly revenue row, another kind of period)."""
    first = world.cycles[0].opens_at.date().replace(day=1)
    rows = []
    for name in LEAVES:
        revenue, nps, churn = rng.uniform(40_000, 120_000), rng.gauss(30, 10), rng.uniform(1, 4)
        month = first
        while month <= world.cycles[-1].closes_at.date():
            following = (month + timedelta(days=32)).replace(day=1)
            period = {"team": _path(world, name), "period_start": month.isoformat(),
                      "period_end": (following - timedelta(days=1)).isoformat()}  # fmt: skip
            rows += [
                period | {"metric": "revenue", "value": round(revenue * rng.lognormvariate(0, 0.1), 2)},
                period | {"metric": "nps", "value": round(nps + rng.gauss(0, 5), 1)},
                period | {"metric": "churn-rate", "value": round(max(0.1, churn + rng.gauss(0, 0.4)), 2)},
                period | {"metric": "incidents", "value": rng.randint(0, 4)},
            ]
            month = following
    quarter_end = (first + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    rows.append({"team": _path(world, "Design"), "metric": "revenue", "period_start": first.isoformat(),
                 "period_end": quarter_end.isoformat(), "value": 1_000_000})  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("api-metric-values-batch"), {"values": rows}, content_type="application/json")
    assert response.status_code == 200, response.content
    world.metric_rows_sent = rows


REPLIES = ["Thank you: we will take this to the retro.", "Which meetings would you drop first?", "Agreed."]


def _seed_conversations(rng: random.Random, world: World) -> None:
    """Readers acknowledge or answer comments their reports show, an admin hides some replies, authors write back
    through their keys and some conversations close — each through Align's conversation services."""
    from django.core.exceptions import ValidationError

    from conversations import selectors as talk_selectors
    from conversations import services as talk

    hidden = 0
    comments = Comment.objects.filter(cycle__in=world.cycles).select_related("team", "cycle")
    may_see = talk_selectors.comment_visible
    for comment in sorted(comments, key=lambda c: (c.cycle.opens_at, c.team.name, c.text)):
        readers = [u for u in (world.leader, world.admin) if may_see(user=u, comment_id=comment.id)]
        roll = rng.random()
        if not readers or roll >= 0.55:
            continue  # no report shows it (nobody can answer it), or nobody answered yet
        if roll < 0.3:
            acknowledgement = rng.choice(Message.Acknowledgement.values)
            message = talk.message_acknowledge(comment=comment, user=readers[0], acknowledgement=acknowledgement)
        else:
            message = talk.message_reply(comment=comment, user=readers[0], text=rng.choice(REPLIES))
        if hidden == 0 or rng.random() < 0.1:
            talk.message_hide(message=message, user=world.admin, note="Names a colleague")  # not heard after all
            hidden += 1
        if rng.random() < 0.25:
            talk.thread_close(thread=Thread.objects.get(comment=comment), side=Thread.Side.STAFF)
    for key in world.author_keys:
        for thread in talk_selectors.author_threads(key=key):
            roll = rng.random()
            try:
                if roll < 0.3:
                    talk.message_from_author(thread=thread, text="Fewer status meetings, for a start.")
                if 0.2 < roll < 0.35:
                    talk.thread_close(thread=thread, side=Thread.Side.AUTHOR)
            except ValidationError:
                continue  # closed by a reader, or its comment is shown nowhere: the author's page says so


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _path(world: World, name: str) -> str:
    team, parts = world.teams[name], []
    while team is not None:
        parts.append(team.name)
        team = team.parent
    return "/".join(reversed(parts))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Seed the organisation once for the module, in a transaction rolled back at the end."""
    from django.test import Client

    oracle = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "oracle"}
    caches = settings.CACHES | {"default": oracle}
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with (
        django_db_blocker.unblock(),
        override_settings(
            CACHES=caches,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            # One recomputation per team once everything is in, as beat's sweep would run it (in eager mode a
            # debounced task would run at the first event, and the rest would wait for the sweep).
            ALIGN_DORA_DEBOUNCE_SECONDS=3600,
            ALIGN_CORRELATION_DEBOUNCE_SECONDS=3600,
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ),  # fmt: skip
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            from django.core.cache import cache

            cache.clear()
            mail.outbox = []
            if Question.objects.filter(key="psafety-1").count() == 0:
                builtin_data_install()
            rng = random.Random(SEED)
            built = _seed_surveys(rng)
            client = Client()
            client.force_login(built.admin)
            _seed_delivery(rng, built, client)
            _seed_business(rng, built, client)
            _seed_conversations(rng, built)
            for team_id in dora_dirty_teams():
                dora_recompute(team_id=team_id)
            correlations_refresh()
            Cycle.objects.filter(id__in=[c.id for c in built.cycles[:-1]]).update(state=Cycle.State.PUBLISHED)
            built.cycles = [Cycle.objects.get(id=c.id) for c in built.cycles]
            built.announced = list(mail.outbox)
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            celery_app.conf.task_always_eager = eager


# ---------------------------------------------------------------------------------------------------- the oracle


@dataclass
class Figure:
    """What a group × dimension (or question) figure must be, recomputed from the raw answers."""

    n: int
    mean: float
    sd: float | None
    favourable: float | None  # share 0–1
    enps: float | None
    scores: list = field(default_factory=list)  # respondents' scale scores (for changes)
    enps_answers: list = field(default_factory=list)
    points: int = 5
    distribution: dict = field(default_factory=dict)  # answer as asked → count (questions)


class Oracle:
    """Every figure recomputed from Answer, Response, Invitation, CycleTeam and the delivery events, in pandas."""

    def __init__(self, world: World):
        self.world = world
        self.cycles = sorted(
            Cycle.objects.filter(state__in=[Cycle.State.CLOSED, Cycle.State.PUBLISHED]), key=lambda c: c.opens_at
        )
        ids = [c.id for c in self.cycles]
        self.tree = defaultdict(dict)  # cycle → team → parent
        self.names = {}
        for cycle_id, team_id, parent_id, name in CycleTeam.objects.filter(cycle_id__in=ids).values_list(
            "cycle_id", "team_id", "parent_id", "name"
        ):
            self.tree[cycle_id][team_id] = parent_id
            self.names[team_id] = name
        questions = pd.DataFrame(
            Question.objects.values("id", "dimension_id", "kind", "scale_points", "reverse_scored", "text")
        ).rename(columns={"id": "question_id"})
        self.questions = questions.set_index("question_id")
        answers = pd.DataFrame(
            Answer.objects.filter(response__cycle_id__in=ids).values(
                "response_id", "question_id", "value", "response__team_id", "response__cycle_id"
            )
        ).rename(columns={"response__team_id": "team_id", "response__cycle_id": "cycle_id"})
        answers = answers.merge(questions, on="question_id")
        answers = answers[answers.kind.isin(["likert", "enps"])]
        reverse = answers.reverse_scored & (answers.kind == "likert")
        answers["scored"] = answers.value.where(~reverse, answers.scale_points + 1 - answers.value)
        answers["favourable"] = (answers.kind == "likert") & (answers.scored >= answers.scale_points - 1)
        # Each answer counts in its team and every ancestor, in the tree as the cycle opened.
        answers["group"] = [self.ancestors(c, t) for c, t in zip(answers.cycle_id, answers.team_id, strict=True)]
        self.answers = answers.explode("group")
        self.dimension_points = (
            self.answers[self.answers.kind == "likert"].groupby("dimension_id").scale_points.max().to_dict()
        )
        self.groups = self._group_figures()
        self.items = self._item_figures()
        self.shown = {
            (s.cycle_id, s.team_id, s.dimension_id): s.shown for s in GroupScore.objects.filter(cycle_id__in=ids)
        }
        self.item_shown = {
            (s.cycle_id, s.team_id, s.question_id): s.shown for s in ItemScore.objects.filter(cycle_id__in=ids)
        }
        self.participation_shown = {
            (p.cycle_id, p.team_id): p.shown for p in ParticipationFigure.objects.filter(cycle_id__in=ids)
        }
        self._comment_groups: dict[int, set[int]] = {}
        self._conversations: list[dict] | None = None

    def ancestors(self, cycle_id: int, team_id: int) -> list[int]:
        found = []
        while team_id is not None:
            found.append(team_id)
            team_id = self.tree[cycle_id].get(team_id)
        return found

    def subtree(self, cycle_id: int, team_id: int) -> set[int]:
        return {t for t in self.tree[cycle_id] if team_id in self.ancestors(cycle_id, t)}

    def _group_figures(self) -> dict:
        found = {}
        for (cycle_id, group, dimension_id), rows in self.answers.groupby(["cycle_id", "group", "dimension_id"]):
            per_respondent = rows.groupby("response_id").scored.mean()
            likert = rows[rows.kind == "likert"]
            enps_answers = rows[rows.kind == "enps"].value.tolist()
            found[(cycle_id, group, dimension_id)] = Figure(
                n=len(per_respondent),
                mean=float(per_respondent.mean()),
                sd=float(per_respondent.std(ddof=1)) if len(per_respondent) > 1 else None,
                favourable=float(likert.favourable.mean()) if len(likert) else None,
                enps=enps_of(enps_answers) if enps_answers else None,
                scores=per_respondent.tolist(),
                enps_answers=enps_answers,
                points=int(rows.scale_points.max()) if len(likert) else 11,
            )
        return found

    def _item_figures(self) -> dict:
        found = {}
        for (cycle_id, group, question_id), rows in self.answers.groupby(["cycle_id", "group", "question_id"]):
            found[(cycle_id, group, question_id)] = Figure(
                n=len(rows),
                mean=float(rows.scored.mean()),
                sd=None,
                favourable=None,
                enps=None,
                distribution=rows.value.value_counts().to_dict(),
                points=int(rows.scale_points.iloc[0]),
            )
        return found

    def enps_question(self, cycle_id: int, dimension_id: int) -> int | None:
        """Return the eNPS question of a dimension as a cycle asked it."""
        a = self.answers
        rows = a[(a.cycle_id == cycle_id) & (a.dimension_id == dimension_id) & (a.kind == "enps")]
        return int(rows.question_id.iloc[0]) if len(rows) else None

    def reliability(self, cycle_id: int, root_id: int, dimension_id: int) -> tuple | None:
        """Return (α, Feldt's interval, complete responses, items) for a dimension as `root_id`'s dashboard
        must show it, by pingouin over the organisation's scored answers, or None where it is not shown: only
        on the dashboard of the cycle's one top group, whose figure is shown over exactly α's responses."""
        tops = [team for team, parent in self.tree[cycle_id].items() if parent not in self.tree[cycle_id]]
        if tops != [root_id] or not self.is_shown(cycle_id, root_id, dimension_id):
            return None
        a = self.answers
        rows = a[(a.cycle_id == cycle_id) & (a.group == root_id) & (a.dimension_id == dimension_id)]
        matrix = rows[rows.kind == "likert"].pivot(index="response_id", columns="question_id", values="scored")
        complete = matrix.dropna().astype(float)
        if complete.shape[1] < 2 or len(complete) < 3 or complete.sum(axis=1).var() == 0:
            return None
        if self.groups[(cycle_id, root_id, dimension_id)].n != len(complete):
            return None
        alpha, interval = pingouin.cronbach_alpha(data=complete, ci=0.95)
        return alpha, tuple(interval), len(complete), complete.shape[1]

    def is_shown(self, cycle_id: int, group: int, dimension_id: int) -> bool:
        return self.shown.get((cycle_id, group, dimension_id), False)

    def previous(self, cycle_id: int, group: int, dimension_id: int) -> int | None:
        """Return the latest earlier cycle in which the group had respondents for the dimension."""
        earlier = [c.id for c in self.cycles if c.opens_at < self.cycle(cycle_id).opens_at]
        return next((c for c in reversed(earlier) if (c, group, dimension_id) in self.groups), None)

    def cycle(self, cycle_id: int) -> Cycle:
        return next(c for c in self.cycles if c.id == cycle_id)

    def change(self, cycle_id: int, group: int, dimension_id: int) -> tuple | None:
        """Return (difference, ci low, ci high, flagged) where a change may be shown, else None.

        Scale: Welch's difference of means and 95% t interval. eNPS: the plain eNPS difference, with the
        adjusted Wald interval of README's Analysis (half a pseudo-answer per category and cycle).
        """
        if not self.is_shown(cycle_id, group, dimension_id):
            return None
        before = self.previous(cycle_id, group, dimension_id)
        if before is None or not self.is_shown(before, group, dimension_id):
            return None
        old, new = self.groups[(before, group, dimension_id)], self.groups[(cycle_id, group, dimension_id)]
        if old.n < 2 or new.n < 2:
            return None
        if new.enps is not None:
            (m0, v0), (m1, v1) = adjusted_shares(old.enps_answers), adjusted_shares(new.enps_answers)
            se, centre = 100 * math.sqrt(v0 + v1), 100 * (m1 - m0)
            low, high = centre - 1.959964 * se, centre + 1.959964 * se
            difference = new.enps - old.enps
            significant = low > 0 or high < 0
            return difference, low, high, significant and abs(difference) >= 10
        result = stats.ttest_ind(new.scores, old.scores, equal_var=False)
        interval = result.confidence_interval(0.95)
        difference = new.mean - old.mean
        return difference, interval.low, interval.high, result.pvalue < 0.05 and abs(difference) >= 0.3

    # ------------------------------------------------------------------------------------------ delivery

    def dora_weeks(self, team_ids: set[int]) -> dict[str, dict[date, float]]:
        """Return DORA's four keys per week (Monday, TIME_ZONE) over the teams: deploys/week summed over teams,
        the others the mean of the teams' own figures (teams with one)."""
        per_team = {team_id: self._dora_team(team_id) for team_id in team_ids}
        combined: dict[str, dict[date, float]] = {}
        for key, combine in [("deployment-frequency", sum), ("lead-time", _mean), ("change-failure-rate", _mean),
                             ("time-to-restore", _mean)]:  # fmt: skip
            weeks = defaultdict(list)
            for figures in per_team.values():
                for week, value in figures[key].items():
                    weeks[week].append(value)
            combined[key] = {week: combine(values) for week, values in weeks.items()}
        return combined

    def dora_window(self, team_id: int, start: datetime, end: datetime, weeks: float) -> dict[str, float | None]:
        return self._dora_team(team_id, windows=[(start, end, weeks)])

    def _dora_team(self, team_id: int, windows=None) -> dict:
        deployments = sorted(Deployment.objects.filter(team_id=team_id), key=lambda d: (d.finished_at, d.id))
        changes = list(Change.objects.filter(team_id=team_id))
        incidents = list(Incident.objects.filter(team_id=team_id, counted=True))
        committed = {c.sha: c.authored_at or c.merged_at for c in changes}
        listing = defaultdict(list)  # sha → the deployments listing it, in time order
        for deployment in deployments:
            for sha in deployment.shas:
                listing[sha].append(deployment)
        finished = [d.finished_at for d in deployments]
        first = {}
        for sha, at in committed.items():
            listed = [d for d in listing[sha] if d.finished_at >= at]
            after = bisect_left(finished, at)
            if listed or after < len(deployments):
                first[sha] = listed[0] if listed else deployments[after]

        def charged(incident) -> Deployment | None:
            if incident.deployment_id:
                return next(d for d in deployments if d.id == incident.deployment_id)
            if incident.sha:
                full = [sha for sha in committed if sha.startswith(incident.sha.lower())]
                if len(full) == 1 and full[0] in first:
                    return first[full[0]]
            before = [d for d in deployments if d.finished_at <= incident.opened_at]
            return before[-1] if before else None

        failed = {d.id for d in map(charged, incidents) if d is not None}
        zone = timezone.get_default_timezone()
        if windows is None and not deployments:
            return {name: {} for name in DORA}
        if windows is None:
            moments = [d.finished_at for d in deployments] + [i.opened_at for i in incidents]
            monday = min(moments).astimezone(zone).date()
            monday -= timedelta(days=monday.weekday())
            windows = []
            while datetime.combine(monday, datetime.min.time(), zone) <= max(moments):
                start = datetime.combine(monday, datetime.min.time(), zone)
                windows.append((start, datetime.combine(monday + timedelta(days=7), datetime.min.time(), zone), 1))
                monday += timedelta(days=7)
        figures = defaultdict(dict)
        for start, end, weeks in windows:
            key = start.astimezone(zone).date()
            shipped = [d for d in deployments if start <= d.finished_at < end]
            figures["deployment-frequency"][key] = len(shipped) / weeks
            leads = [(first[s].finished_at - at).total_seconds() / 3600 for s, at in committed.items()
                     if s in first and start <= first[s].finished_at < end]  # fmt: skip
            if leads:
                figures["lead-time"][key] = median(leads)
            if shipped:
                figures["change-failure-rate"][key] = 100 * sum(d.id in failed for d in shipped) / len(shipped)
            restores = [(i.resolved_at - i.opened_at).total_seconds() / 3600 for i in incidents
                        if start <= i.opened_at < end and i.resolved_at is not None]  # fmt: skip
            if restores:
                figures["time-to-restore"][key] = median(restores)
        for name in ["deployment-frequency", "lead-time", "change-failure-rate", "time-to-restore"]:
            figures.setdefault(name, {})
        return figures

    # ------------------------------------------------------------------------------------------ drivers

    def drivers(self, cycle_id: int, group: int, outcome_key: str | None = None) -> "Drivers | None":
        """Return a group's drivers of one outcome in a cycle as README's Analysis describes them, or None where
        none may be shown.

        1. Dimensions read: those whose figure is shown for the group. At least two, every one over the same n,
           n at least 30 and at least the threshold, and exactly n of the group's responses answered all of
           them (else the drivers' n would be a count no figure shows). A dimension answered alike by all is
           left out (it has no rank correlation).
        2. Outcome: the dimension `outcome_key` names, else eNPS, else the first by name.
        3. Each other dimension: scipy's Spearman ρ and p, Holm across them (pingouin), share of R² by
           pingouin's relative importance on ranks; 95% BCa intervals of ρ and of the share over 2,000
           resamples of whole responses seeded by cycle and group (`bootstrap_drivers`).
        4. Focus areas: strengths and focus are drivers with ρ > 0, Holm p < 0.05 and at least an equal share
           of R², at or above (strengths) or below (focus) the median of the drivers' levels on their own
           scales; watch are drivers whose shown change is flagged and downward; most important first, at
           most three of each.
        """
        cycle = self.cycle(cycle_id)
        read = sorted(d for (c, g, d) in self.groups if c == cycle_id and g == group and self.is_shown(c, g, d))
        counts = {self.groups[(cycle_id, group, d)].n for d in read}
        if len(read) < 2 or len(counts) != 1 or min(counts) < max(30, cycle.threshold):
            return None
        a = self.answers
        rows = a[(a.cycle_id == cycle_id) & (a.group == group) & a.dimension_id.isin(read)]
        table = rows.pivot_table(index="response_id", columns="dimension_id", values="scored", aggfunc="mean")
        complete = table.reindex(columns=read).dropna()
        if len(complete) != min(counts):
            return None
        varying = [d for d in read if complete[d].nunique() > 1]
        if len(varying) < 2:
            return None
        names = dict(Dimension.objects.filter(id__in=varying).values_list("id", "name"))
        keys = dict(Dimension.objects.filter(id__in=varying).values_list("id", "key"))
        outcomes = sorted(varying, key=lambda d: names[d])
        outcome = next((d for d in outcomes if keys[d] == outcome_key), None)
        outcome = outcome or next((d for d in outcomes if keys[d] == "enps"), None) or outcomes[0]
        others = [d for d in varying if d != outcome]
        tests = [stats.spearmanr(complete[d], complete[outcome]) for d in others]
        adjusted = pingouin.multicomp([float(t.pvalue) for t in tests], method="holm")[1]
        ranks = complete[varying].rank().rename(columns=str)
        if len(others) > 1:
            fit = pingouin.linear_regression(ranks[[str(d) for d in others]], ranks[str(outcome)], relimp=True)
            share = (fit.set_index("names").relimp_perc / 100).to_dict()
            r_squared = float(fit.r2.iloc[0])
        else:
            share, r_squared = {str(others[0]): 1.0}, float(tests[0].statistic) ** 2
        low, high = bootstrap_drivers(complete[varying].to_numpy(float), varying.index(outcome), seed=[cycle_id, group])
        found = []
        for i, (d, test) in enumerate(zip(others, tests, strict=True)):
            figure = self.groups[(cycle_id, group, d)]
            level = (figure.enps + 100) / 200 if figure.enps is not None else (figure.mean - 1) / (figure.points - 1)
            found.append(
                DriverFigure(
                    dimension_id=d,
                    name=names[d],
                    rho=float(test.statistic),
                    interval=(low[i], high[i]),
                    p_holm=float(adjusted[i]),
                    importance=share[str(d)],
                    importance_interval=(low[len(others) + i], high[len(others) + i]) if len(others) > 1 else None,
                    figure=figure,
                    level=level,
                    change=self.change(cycle_id, group, d),
                    previous=self.cycle(self.previous(cycle_id, group, d)).name
                    if self.previous(cycle_id, group, d)
                    else None,
                )
            )
        found.sort(key=lambda f: (-f.importance, -abs(f.rho), f.name))
        middle = float(pd.Series([f.level for f in found]).median())
        chosen = [f for f in found if f.p_holm < 0.05 and f.rho > 0 and f.importance >= 1 / len(found) - 1e-12]
        return Drivers(
            outcome_id=outcome,
            outcome_name=names[outcome],
            outcomes=[keys[d] for d in outcomes],
            n=len(complete),
            r_squared=r_squared,
            drivers=found,
            strengths=[f for f in chosen if f.level >= middle][:3],
            focus=[f for f in chosen if f.level < middle][:3],
            watch=[f for f in found if f.change is not None and f.change[3] and f.change[0] < 0][:3],
        )

    # ------------------------------------------------------------------------------------------ conversations

    def comment_groups(self, cycle_id: int) -> set[int]:
        """Return the groups whose comments a report shows in a cycle, by the rule README states for every
        figure, over response counts: hide groups under the threshold (the comment threshold where higher),
        then, while a shown group minus the nearest shown groups below it leaves 1 to threshold − 1
        respondents, hide the smallest of those below it as well."""
        if cycle_id in self._comment_groups:
            return self._comment_groups[cycle_id]
        least = max(self.cycle(cycle_id).threshold, settings.ALIGN_COMMENT_THRESHOLD)
        per_team = defaultdict(int)
        for team_id in Response.objects.filter(cycle_id=cycle_id).values_list("team_id", flat=True):
            per_team[team_id] += 1
        tree = self.tree[cycle_id]
        n = {g: sum(per_team[t] for t in self.subtree(cycle_id, g)) for g in tree}
        hidden = {g for g in tree if n[g] < least}

        def frontier(group):
            below = [t for t, parent in tree.items() if parent == group]
            found = []
            while below:
                team = below.pop()
                if team in hidden:
                    below += [t for t, parent in tree.items() if parent == team]
                else:
                    found.append(team)
            return found

        changed = True
        while changed:
            changed = False
            for group in sorted(tree, key=str):  # the order the rule is applied in: a fixed point either way
                shown_below = frontier(group) if group not in hidden else []
                if shown_below and 0 < n[group] - sum(n[t] for t in shown_below) < least:
                    hidden.add(min(shown_below, key=lambda t: (n[t], str(t))))
                    changed = True
        self._comment_groups[cycle_id] = set(tree) - hidden
        return self._comment_groups[cycle_id]

    def comments_of(self, cycle_id: int, group: int) -> list[dict]:
        """Return the group's comments in a cycle that a report shows (opened ones of its subtree), each with
        its thread's raw rows: state, messages, visible replies or acknowledgements from a reader."""
        if group not in self.comment_groups(cycle_id):
            return []
        subtree = self.subtree(cycle_id, group)
        return [c for c in self.conversations if c["cycle_id"] == cycle_id and c["team_id"] in subtree]

    @property
    def conversations(self) -> list[dict]:
        if self._conversations is None:
            threads = {t["comment_id"]: t for t in Thread.objects.values("id", "comment_id", "state")}
            messages = defaultdict(list)
            fields = ("thread_id", "position", "side", "kind", "acknowledgement", "text", "writer_id", "day", "hidden",
                      "hidden_note")  # fmt: skip
            for row in Message.objects.order_by("position").values(*fields):
                messages[row["thread_id"]].append(row | {"signature": self.signature(row)})
            self._conversations = []
            for comment_id, cycle_id, team_id, sealed, text in Comment.objects.values_list("id", "cycle_id", "team_id",
                                                                                         "sealed", "text"):  # fmt: skip
                thread = threads.get(comment_id)
                written = messages[thread["id"]] if thread else []
                self._conversations.append({
                    "id": str(comment_id), "cycle_id": cycle_id, "team_id": team_id, "opened": sealed is None,
                    "text": text, "state": thread["state"] if thread else "open", "messages": len(written),
                    "written": written, "hidden": sum(m["hidden"] for m in written),
                    "heard": any(m["side"] == "staff" and not m["hidden"] for m in written),
                })  # fmt: skip
            self._conversations = [c for c in self._conversations if c["opened"]]
        return self._conversations

    @staticmethod
    def signature(message: dict) -> str:
        """Return how a reader's message is signed, "Name (Role)" from the writer's Person row (an admin without
        one by their user's name), and the author's as README says: unsigned."""
        if message["side"] == "author":
            return ""
        person = Person.objects.filter(user_id=message["writer_id"]).values("name", "role").first()
        if person is None:
            user = get_user_model().objects.get(id=message["writer_id"])
            return f"{user.get_full_name() or user.get_username()} (Admin)"
        return f"{person['name']} ({person['role'].capitalize()})"

    def heard(self, cycle_id: int, group: int) -> tuple[int, int, int]:
        """Return (comments shown, of which a reader replied to or acknowledged visibly, of those still open)."""
        comments = self.comments_of(cycle_id, group)
        heard = [c for c in comments if c["heard"]]
        return len(comments), len(heard), sum(c["state"] == "open" for c in heard)

    def conversations_seen(self, visible: set[int]) -> tuple[int, int]:
        """Return (comments a reader replied to or acknowledged visibly, of those still open) among the comments
        of reported cycles that some report within `visible` shows."""
        seen = {}
        for cycle in self.cycles:
            for group in self.comment_groups(cycle.id) & visible:
                seen |= {c["id"]: c for c in self.comments_of(cycle.id, group) if c["heard"]}
        return len(seen), sum(c["state"] == "open" for c in seen.values())

    def business_months(self, team_ids: set[int]) -> dict[str, dict[date, float]]:
        """Return each business metric per month over the teams, from the rows sent (sums or means)."""
        paths = {_path(self.world, n): t.id for n, t in self.world.teams.items()}
        combined = {}
        for key, combine in [("revenue", sum), ("nps", _mean), ("churn-rate", _mean), ("incidents", sum)]:
            months = defaultdict(list)
            for row in self.world.metric_rows_sent:
                start, end = date.fromisoformat(row["period_start"]), date.fromisoformat(row["period_end"])
                if row["metric"] == key and paths[row["team"]] in team_ids and (end - start).days < 31:
                    months[start].append(row["value"])
            combined[key] = {month: combine(values) for month, values in months.items()}
        return combined


@dataclass
class DriverFigure:
    """One dimension against the outcome in a group's responses, recomputed from the raw answers."""

    dimension_id: int
    name: str
    rho: float
    interval: tuple[float, float]
    p_holm: float
    importance: float  # share of R², 0–1
    importance_interval: tuple[float, float] | None
    figure: Figure  # the dimension's shown figure in the group
    level: float  # where the figure lies on its own scale, 0–1
    change: tuple | None  # Oracle.change: (difference, low, high, flagged), where shown
    previous: str | None  # the name of the cycle the change is from


@dataclass
class Drivers:
    outcome_id: int
    outcome_name: str
    outcomes: list[str]  # keys of the dimensions that may be chosen as the outcome, by name
    n: int
    r_squared: float
    drivers: list[DriverFigure]  # most important first (share of R², then |ρ|, then name)
    strengths: list[DriverFigure]
    focus: list[DriverFigure]
    watch: list[DriverFigure]


def rank_correlations(sample: np.ndarray) -> np.ndarray:
    """Return Spearman's matrix of (…, n, k) scores: Pearson's r of average ranks down the responses."""
    ranks = stats.rankdata(sample, axis=-2)
    centred = ranks - ranks.mean(axis=-2, keepdims=True)
    products = np.swapaxes(centred, -1, -2) @ centred
    scale = np.sqrt(np.diagonal(products, axis1=-2, axis2=-1))
    return products / scale[..., :, None] / scale[..., None, :]


def dominance_shares(corr: np.ndarray, outcome: int) -> np.ndarray:
    """Return each driver's general dominance over the full R², from (…, k, k) correlations (drivers in column
    order without the outcome): the mean, over subset sizes, of the mean gain in R² from adding the driver to a
    subset of the others, where R²(S) = r_S' R_SS⁻¹ r_S (Budescu 1993; Azen & Budescu 2003)."""
    drivers = [j for j in range(corr.shape[-1]) if j != outcome]
    m = len(drivers)

    def r_squared(subset: tuple) -> np.ndarray:
        if not subset:
            return np.zeros(corr.shape[:-2])
        index = list(subset)
        r = corr[..., index, outcome][..., None]
        return (np.swapaxes(r, -1, -2) @ np.linalg.solve(corr[..., index, :][..., :, index], r))[..., 0, 0]

    fits = {subset: r_squared(subset) for size in range(m + 1) for subset in itertools.combinations(drivers, size)}
    weights = []
    for j in drivers:
        rest = [d for d in drivers if d != j]
        by_size = []
        for size in range(m):
            gains = [fits[tuple(sorted((*subset, j)))] - fits[subset] for subset in itertools.combinations(rest, size)]
            by_size.append(sum(gains) / len(gains))
        weights.append(sum(by_size) / m)
    return np.stack(weights, axis=-1) / fits[tuple(drivers)][..., None]


def bootstrap_drivers(scores: np.ndarray, outcome: int, *, seed: list[int]) -> tuple[list[float], list[float]]:
    """Return the 95% interval (lows, highs) of each driver's ρ with column `outcome`, then of each one's share
    of R², by scipy's BCa bootstrap over 2,000 resamples of whole responses from `default_rng(seed)`; where BCa
    is undefined, the percentile interval of the same resamples."""
    n, k = scores.shape
    drivers = [j for j in range(k) if j != outcome]

    def statistic(index, axis=-1):
        corr = rank_correlations(scores[np.asarray(index)])
        parts = [corr[..., drivers, outcome]]
        if len(drivers) > 1:
            parts.append(dominance_shares(corr, outcome))
        return np.moveaxis(np.concatenate(parts, axis=-1), -1, 0)

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        found = stats.bootstrap((np.arange(n),), statistic, n_resamples=2000, confidence_level=0.95, method="BCa",
                                vectorized=True, batch=250, random_state=np.random.default_rng(seed))  # fmt: skip
    low, high = np.array(found.confidence_interval.low), np.array(found.confidence_interval.high)
    undefined = np.isnan(low) | np.isnan(high)
    if undefined.any():
        low[undefined], high[undefined] = np.nanpercentile(
            found.bootstrap_distribution[undefined], [2.5, 97.5], axis=-1
        )
    return low.tolist(), high.tolist()


def enps_of(values) -> float:
    return 100 * (sum(v >= 9 for v in values) - sum(v <= 6 for v in values)) / len(values)


def adjusted_shares(values) -> tuple[float, float]:
    n = len(values) + 1.5
    promoters, detractors = (sum(v >= 9 for v in values) + 0.5) / n, (sum(v <= 6 for v in values) + 0.5) / n
    return promoters - detractors, (promoters + detractors - (promoters - detractors) ** 2) / n


def _mean(values):
    return sum(values) / len(values)


def t_interval(figure: Figure) -> tuple[float, float] | None:
    if figure.n < 2:
        return None
    half = stats.t.ppf(0.975, figure.n - 1) * figure.sd / math.sqrt(figure.n)
    return figure.mean - half, figure.mean + half


@pytest.fixture(scope="module")
def oracle(world):
    return Oracle(world)


# ---------------------------------------------------------------------------------------------------- reading


class Tables(HTMLParser):
    """Every <table> of a page: caption and rows of (tag, class, text) cells; also each <li>'s text."""

    def __init__(self, page: str):
        super().__init__()
        self.tables, self.items, self._cell, self._li, self._caption = [], [], None, None, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption" and self.tables:
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]["rows"]:
            self._cell = [tag, attrs.get("class") or "", []]
        elif tag == "li":
            self._li = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append((self._cell[0], self._cell[1], " ".join("".join(self._cell[2]).split())))
            self._cell = None
        elif tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag == "li" and self._li is not None:
            self.items.append(" ".join("".join(self._li).split()))
            self._li = None

    def handle_data(self, data):
        for sink in (self._cell and self._cell[2], self._caption, self._li):
            if sink is not None:
                sink.append(data)

    def table(self, caption: str) -> dict:
        found = [t for t in self.tables if t["caption"].startswith(caption)]
        assert found, f"no table captioned {caption!r}; captions: {[t['caption'] for t in self.tables]}"
        return found[0]


NUMBER = re.compile(r"[+\-−]?\d+(?:\.\d+)?")


def number(text) -> float:
    return float(str(text).replace("−", "-"))


def half_up_percent(count: int, total: int) -> int:
    """Return count / total as a whole percentage, a half rounded up: every figure's rule (feedback.numbers)."""
    return int((Decimal(100 * count) / Decimal(total)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def agrees(shown, exact: float, digits: int) -> bool:
    """Return whether a figure shown with `digits` decimals is the exact value at that rounding."""
    return shown not in (None, "") and abs(number(shown) - exact) <= 0.5 * 10**-digits + 1e-9


class Mismatches(list):
    def check(self, ok: bool, where: str, shown, expected) -> None:
        if not ok:
            self.append(f"{where}: shows {shown!r}, the raw rows give {expected!r}")

    def assert_none(self) -> None:
        assert not self, f"{len(self)} figures disagree with the oracle:\n" + "\n".join(self[:60])


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return csv_rows(response)


# "<0.0001" is a p or q below what four decimals show (feedback.tables.p_text), not a repr like "<object …>".
REPR = re.compile(
    r"np\.|numpy|float64|int64|Decimal\(|datetime\.|^None$|^nan$|^NaN$|^-?inf$|^\[.*\]$|^\{.*\}$|^<(?!0\.0001$)"
)
FORMULA = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")
# Counts, and coefficients without a unit (r, Cronbach's α, Spearman's ρ, p-values).
COUNTS = re.compile(
    r"^(n|.* n|.* \(n\)|Invited|Answered|Teams|Questions|Points|Depth|Lag \(cycles\)|r|Cronbach's α|p|q \(BH\)"
    r"|Spearman ρ|Holm-adjusted p)$"
)
UNITS = re.compile(r"%|points|eNPS|hours|/week|Unit|\(cycles\)")


def check_cells(rows: list[list[str]], name: str, problems: Mismatches) -> None:
    """Every cell is text a spreadsheet reads as written; every figure column states its unit."""
    header, body = rows[0], rows[1:]
    for row in rows:
        for cell in row:
            problems.check(not REPR.search(cell), f"{name}: a Python repr in a cell", cell, "plain text")
            if cell.startswith(FORMULA):
                problems.check(bool(PLAIN_NUMBER.fullmatch(cell)), f"{name}: a formula-like cell", cell, "'" + cell)
    has_unit_column = any(column.lower() == "unit" for column in header)
    for index, column in enumerate(header):
        values = [row[index] for row in body if index < len(row) and row[index] not in ("", "suppressed")]
        figures = [v for v in values if PLAIN_NUMBER.fullmatch(v)]
        if not figures or COUNTS.match(column) or has_unit_column or re.search(r"\d{4}-\d\d-\d\d", values[0]):
            continue
        problems.check(bool(UNITS.search(column)), f"{name}: figure column without a unit", column, "a unit")


# ---------------------------------------------------------------------------------------------------- outputs

DASHBOARD_CSVS = ["participation", "trends", "heatmap", "movers", "findings", "metrics", "reliability"]
UNIT_OF = {
    "deployment-frequency": "deploys/week",
    "lead-time": "hours",
    "change-failure-rate": "%",
    "time-to-restore": "hours",
    "revenue": "currency",
    "nps": "score",
    "churn-rate": "%",
    "incidents": "count",
}
DORA = ["deployment-frequency", "lead-time", "change-failure-rate", "time-to-restore"]


def _scale_value(figure: Figure) -> tuple[float, int]:
    """Return what a score cell shows and its decimals: eNPS in whole points, a scale mean with two."""
    return (figure.enps, 0) if figure.enps is not None else (figure.mean, DIGITS)


def check_metric_rows(rows, oracle: Oracle, team_ids: set[int], since: date, where: str, problems: Mismatches):
    """Rows of (metric name, period kind, start, end, value, unit, period ended) against DORA from events and
    values sent; a period ends with its last day on the organisation's clock."""
    names = dict(MetricDefinition.objects.values_list("name", "key"))
    expected = oracle.dora_weeks(team_ids) | oracle.business_months(team_ids)
    seen = defaultdict(set)
    today = timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))
    for name, kind, start, end, value, unit, ended in rows:
        key = names[name]
        start = date.fromisoformat(start)
        seen[key].add(start)
        want_ended = "yes" if date.fromisoformat(end) < today else "not yet: the value so far"
        problems.check(ended == want_ended, f"{where} {name} {start} ended", ended, want_ended)
        problems.check(unit == UNIT_OF[key], f"{where} {name} unit", unit, UNIT_OF[key])
        problems.check(kind == ("week" if key in DORA else "month"), f"{where} {name} period", kind, "week/month")
        want = expected[key].get(start, 0.0 if key in ("deployment-frequency", "incidents", "revenue") else None)
        problems.check(want is not None and agrees(value, want, 4), f"{where} {name} {start}", value, want)
    for key, periods in expected.items():
        for start, value in periods.items():
            if start >= since and value:
                problems.check(start in seen[key], f"{where} {key} {start} missing", None, value)


def check_dashboard(client, oracle: Oracle, root: Team, query: dict, problems: Mismatches) -> None:
    page = client.get(reverse("feedback:dashboard"), query)
    assert page.status_code == 200
    tables = Tables(page.content.decode())
    cycles = oracle.cycles[-12:]
    heat = cycles[-1]
    dimensions = sorted(
        {d for (c, g, d) in oracle.groups if g == root.id and c in {x.id for x in cycles}},
        key=lambda d: Dimension.objects.get(id=d).name,
    )
    names = {d: Dimension.objects.get(id=d).name for d in dimensions}
    csvs = {
        name: read_csv(client.get(reverse("feedback:dashboard"), query | {"export": name})) for name in DASHBOARD_CSVS
    }
    for name, rows in csvs.items():
        check_cells(rows, f"dashboard {root.name} {name}.csv", problems)

    # Participation: the group's invitations and responses per cycle.
    subtree_rows = {c.id: oracle.subtree(c.id, root.id) for c in cycles}
    expected_participation = {}
    for cycle in cycles:
        invited = Invitation.objects.filter(cycle=cycle, team_id__in=subtree_rows[cycle.id]).count()
        answered = Response.objects.filter(cycle=cycle, team_id__in=subtree_rows[cycle.id]).count()
        expected_participation[cycle.name] = (invited, answered, oracle.participation_shown.get((cycle.id, root.id)))
    html_rows = [[c[2] for c in row] for row in tables.table("Participation per cycle")["rows"][1:]]
    for source, rows in [("HTML", html_rows), ("CSV", csvs["participation"][1:])]:
        assert [r[0] for r in rows] == [c.name for c in cycles], source
        for cycle_name, invited, answered, rate in rows:
            want_invited, want_answered, shown = expected_participation[cycle_name]
            where = f"dashboard {root.name} participation {source} {cycle_name}"
            if not shown:
                problems.check(answered == "suppressed" == rate, where, answered, "suppressed")
                continue
            problems.check(invited == str(want_invited) and answered == str(want_answered), where,
                           (invited, answered), (want_invited, want_answered))  # fmt: skip
            problems.check(agrees(rate, 100 * want_answered / want_invited, 1), where + " rate", rate,
                           100 * want_answered / want_invited)  # fmt: skip

    # Trends: the group's score per dimension and cycle, with the t interval of the mean (none for eNPS).
    html_rows = [[c[2] for c in row] for row in tables.table("Scores per cycle")["rows"][1:]]
    for source, rows in [("HTML", html_rows), ("CSV", csvs["trends"][1:])]:
        expected_rows = [(names[d], c.name) for d in dimensions for c in cycles]
        assert [(r[0], r[1]) for r in rows] == expected_rows, source
        for dimension_name, cycle_name, value, low, high, n in rows:
            cycle = next(c for c in cycles if c.name == cycle_name)
            dimension = next(d for d in dimensions if names[d] == dimension_name)
            where = f"dashboard {root.name} trend {source} {dimension_name} {cycle_name}"
            if not oracle.is_shown(cycle.id, root.id, dimension):
                problems.check(value == low == high == n == "suppressed", where, value, "suppressed")
                continue
            figure = oracle.groups[(cycle.id, root.id, dimension)]
            want, digits = _scale_value(figure)
            problems.check(agrees(value, want, DIGITS) and n == str(figure.n), where, (value, n), (want, figure.n))
            interval = None if figure.enps is not None else t_interval(figure)
            if interval is None:
                problems.check(low in ("", "—") and high in ("", "—"), where + " interval", (low, high), None)
            else:
                problems.check(agrees(low, interval[0], DIGITS) and agrees(high, interval[1], DIGITS),
                               where + " interval", (low, high), interval)  # fmt: skip
    for figure_id in ["figure-trends", "figure-enps"]:
        match = re.search(rf'<script id="{figure_id}" type="application/json">(.*?)</script>', page.content.decode())
        if match is None:
            continue
        for trace in json.loads(match.group(1))["data"]:
            if trace.get("type") != "scatter" or trace.get("mode") != "lines+markers":
                continue
            dimension = next((d for d in dimensions if names[d] == trace["name"]), None)
            if dimension is None:
                continue
            for cycle_name, y, n in zip(trace["x"], trace["y"], trace["customdata"], strict=True):
                cycle = next(c for c in cycles if c.name == cycle_name)
                figure = oracle.groups[(cycle.id, root.id, dimension)]
                want, _ = _scale_value(figure)
                where = f"dashboard {root.name} chart {trace['name']} {cycle_name}"
                problems.check(oracle.is_shown(cycle.id, root.id, dimension), where + " hidden but plotted", y, None)
                problems.check(agrees(y, want, 3) and n == figure.n, where, (y, n), (want, figure.n))

    # Heatmap: every group of the heat cycle × dimension: value, n, flagged change; suppressed where hidden.
    heat_table = next(
        t for t in tables.tables if "heatmap" in t["caption"].lower() or "Scores by group" in t["caption"]
    )
    header = [c[2] for c in heat_table["rows"][0]]
    by_name = {v: k for k, v in oracle.names.items()}
    csv_rows = {row[0]: row for row in csvs["heatmap"][1:]}
    for row in heat_table["rows"][1:]:
        group = by_name[row[0][2]]
        for (_, klass, text), dimension_name in zip(row[1:], header[1:], strict=True):
            dimension = next(d for d in dimensions if names[d] == dimension_name)
            where = f"dashboard {root.name} heatmap {row[0][2]} {dimension_name}"
            csv_cells = csv_rows[row[0][2]][2 + 3 * dimensions.index(dimension) :][:3]
            if not oracle.is_shown(heat.id, group, dimension):
                problems.check(text == "suppressed" and "suppressed" in klass, where, text, "suppressed")
                problems.check(csv_cells == ["suppressed"] * 3, where + " CSV", csv_cells, "suppressed")
                continue
            figure = oracle.groups[(heat.id, group, dimension)]
            want, digits = _scale_value(figure)
            found = NUMBER.findall(text)
            problems.check(bool(found) and agrees(found[0], want, digits) and f"n={figure.n}" in text, where, text,
                           (round(want, digits), figure.n))  # fmt: skip
            change = oracle.change(heat.id, group, dimension)
            # Flagged changes are marked, eNPS ones in eNPS points (at least 10) and scale ones in points.
            flagged = change is not None and change[3]
            arrow = ("▲" if change[0] > 0 else "▼") if flagged else ""
            problems.check((arrow in text) if arrow else ("▲" not in text and "▼" not in text), where + " arrow",
                           text, arrow or "no arrow")  # fmt: skip
            problems.check(agrees(csv_cells[0], want, DIGITS) and csv_cells[1] == str(figure.n), where + " CSV",
                           csv_cells, (want, figure.n))  # fmt: skip
            if change is not None:
                problems.check(agrees(csv_cells[2], change[0], DIGITS), where + " CSV change", csv_cells[2], change[0])
            elif change is None:
                problems.check(csv_cells[2] == "", where + " CSV change", csv_cells[2], "no change")
    expected_groups = {g for g in oracle.subtree(heat.id, root.id) if Invitation.objects.filter(
        cycle=heat, team_id__in=oracle.subtree(heat.id, g)).exists()}  # fmt: skip
    problems.check({by_name[r[0][2]] for r in heat_table["rows"][1:]} == expected_groups,
                   f"dashboard {root.name} heatmap rows", len(heat_table["rows"]) - 1,
                   len(expected_groups))  # fmt: skip

    # Movers: every flagged change of the heat cycle inside the subtree, largest first in practical sizes
    # (0.3 scale points, 10 eNPS points), each with its unit.
    movers = []
    for group in oracle.subtree(heat.id, root.id):
        for dimension in dimensions:
            change = oracle.change(heat.id, group, dimension)
            if change and change[3]:
                enps = oracle.groups[(heat.id, group, dimension)].enps is not None
                movers.append((oracle.names[group], names[dimension], change, "eNPS points" if enps else "points"))
    movers.sort(key=lambda m: -abs(m[2][0]) / (10 if m[3] == "eNPS points" else 0.3))
    rows = csvs["movers"][1:]
    problems.check(len(rows) == len(movers), f"dashboard {root.name} movers", [r[:2] for r in rows],
                   [m[:2] for m in movers])  # fmt: skip
    for row, (group, dimension_name, change, unit) in zip(rows, movers, strict=False):
        ok = (
            row[:2] == [group, dimension_name]
            and row[5] == unit
            and all(agrees(row[i], change[j], DIGITS) for i, j in [(2, 0), (3, 1), (4, 2)])
        )
        problems.check(ok, f"dashboard {root.name} mover {group} {dimension_name}", row, change)

    # Findings: the stored correlation results (recomputing the permutation engine here is out of scope).
    problems.check(len(csvs["findings"]) - 1 == Finding.objects.count(), f"dashboard {root.name} findings",
                   len(csvs["findings"]) - 1, Finding.objects.count())  # fmt: skip

    # Reliability: Cronbach's α by pingouin with its interval, for the heatmap's cycle, where it may be shown.
    expected_alpha = {names[d]: oracle.reliability(heat.id, root.id, d) for d in dimensions}
    expected_alpha = {name: found for name, found in expected_alpha.items() if found is not None}
    html_rows = [[c[2] for c in row] for row in tables.table("Reliability of each dimension")["rows"][1:]]
    html_rows = [row for row in html_rows if row != ["Nothing to show yet."]]
    for source, rows in [("HTML", html_rows), ("CSV", csvs["reliability"][1:])]:
        where = f"dashboard {root.name} reliability {source}"
        problems.check(sorted(r[0] for r in rows) == sorted(expected_alpha), where, [r[0] for r in rows],
                       sorted(expected_alpha))  # fmt: skip
        for dimension_name, cycle_name, alpha, low, high, n, items, reading in rows:
            if dimension_name not in expected_alpha:
                continue
            want, (want_low, want_high), want_n, want_items = expected_alpha[dimension_name]
            ok = (
                cycle_name == heat.name
                and all(agrees(shown, exact, DIGITS) for shown, exact in [(alpha, want), (low, want_low),
                                                                          (high, want_high)])
                and (n, items) == (str(want_n), str(want_items))
                and reading == ("items disagree: read with care" if want < 0.7 else "consistent")
            )  # fmt: skip
            problems.check(ok, f"{where} {dimension_name}", (alpha, low, high, n, items, reading),
                           (want, want_low, want_high, want_n, want_items))  # fmt: skip

    # Metrics: DORA from the events, business metrics from the values sent, over the subtree as it is now.
    now_subtree = {t.id for t in Team.objects.all() if _is_below(t, root)}
    check_metric_rows(csvs["metrics"][1:], oracle, now_subtree, cycles[0].opens_at.date(),
                      f"dashboard {root.name} metrics CSV", problems)  # fmt: skip
    html_rows = [[c[2] for c in row] for row in tables.table("Metric values per period")["rows"][1:]]
    check_metric_rows(html_rows, oracle, now_subtree, cycles[0].opens_at.date(),
                      f"dashboard {root.name} metrics HTML", problems)  # fmt: skip


def _is_below(team: Team, root: Team) -> bool:
    while team is not None:
        if team.id == root.id:
            return True
        team = team.parent
    return False


def check_each_cycle(client, url: str, oracle: Oracle, team: Team, cycles: list[Cycle], where: str, problems):
    """A report page shows one cycle at a time: the latest by default, each other one when picked."""
    newest_first = sorted(cycles, key=lambda c: c.opens_at, reverse=True)
    page = client.get(url)
    assert page.status_code == 200
    check_score_sections(page.content.decode(), oracle, team, newest_first[:1], f"{where} (latest)", problems)
    for cycle in newest_first[1:]:
        page = client.get(url, {"cycle": cycle.id})
        assert page.status_code == 200
        check_score_sections(page.content.decode(), oracle, team, [cycle], where, problems)


def check_score_sections(page: str, oracle: Oracle, team: Team, cycles: list[Cycle], where: str, problems):
    """A team report's (or results page's) score table and answers table per cycle."""
    tables = Tables(page)
    score_tables = [t for t in tables.tables if t["caption"].startswith("Closed ")]
    problems.check(len(score_tables) == len(cycles), f"{where} cycles", len(score_tables), len(cycles))
    root = oracle.world.root
    for table, cycle in zip(score_tables, sorted(cycles, key=lambda c: c.opens_at, reverse=True), strict=False):
        for row in table["rows"][1:]:
            dimension = Dimension.objects.get(name=row[0][2])
            cells = [c[2] for c in row[1:]]
            at = f"{where} {cycle.name} {dimension.name}"
            if not oracle.is_shown(cycle.id, team.id, dimension.id):
                problems.check(len(cells) == 1 and not NUMBER.search(cells[0].split("(")[0]), at, cells, "hidden")
                continue
            figure = oracle.groups[(cycle.id, team.id, dimension.id)]
            score, favourable, n, change_text = cells[:4]
            if figure.enps is not None:
                shown_enps = NUMBER.findall(score)[:1]
                problems.check(score.startswith("eNPS") and agrees(*shown_enps, figure.enps, 0), at, score, figure.enps)
                # beside it its three groups, where the eNPS question's distribution is shown
                answers = figure.enps_answers
                counts = [sum(v >= 9 for v in answers), sum(v in (7, 8) for v in answers), sum(v <= 6 for v in answers)]
                words = " · ".join(
                    f"{c} {word}{'' if c == 1 else 's'} ({half_up_percent(c, len(answers))}%)"
                    for c, word in zip(counts, ("promoter", "passive", "detractor"), strict=True)
                )
                enps_question = oracle.enps_question(cycle.id, dimension.id)
                listed = oracle.item_shown.get((cycle.id, team.id, enps_question), False)
                problems.check((words in score) is listed, at + " eNPS groups", score, words if listed else "none")
            else:
                # the mean, then the range of the dimension's scale as the raw rows' questions give it ("(1–7)")
                value, _, scale = score.partition(" ")
                problems.check(agrees(value, figure.mean, DIGITS), at, score, figure.mean)
                problems.check(scale == f"(1–{figure.points})", at + " scale", score, f"(1–{figure.points})")
                problems.check(agrees(favourable.rstrip("%"), 100 * figure.favourable, 0), at + " favourable",
                               favourable, 100 * figure.favourable)  # fmt: skip
            problems.check(n == str(figure.n), at + " n", n, figure.n)
            change = oracle.change(cycle.id, team.id, dimension.id)
            if change is None:
                problems.check(change_text == "—", at + " change", change_text, "—")
            else:
                digits = 0 if figure.enps is not None else DIGITS
                unit = "eNPS points" if figure.enps is not None else "points"
                found = NUMBER.findall(change_text.replace("95% interval", ""))
                if "down" in change_text:  # "▼ down 0.94 points": the direction in words, the size without a sign
                    found[0] = f"-{found[0]}"
                ok = len(found) >= 3 and all(agrees(v, w, digits) for v, w in zip(found[:3], change[:3], strict=True))
                problems.check(ok and f" {unit}" in change_text, at + " change", change_text, change[:3])
            if len(cells) > 4 and team.id != root.id:
                benchmark = cells[4]
                if oracle.is_shown(cycle.id, root.id, dimension.id):
                    org = oracle.groups[(cycle.id, root.id, dimension.id)]
                    want, digits = _scale_value(org)
                    problems.check(agrees(NUMBER.findall(benchmark)[0], want, digits) if NUMBER.findall(benchmark)
                                   else False, at + " benchmark", benchmark, want)  # fmt: skip
                else:
                    problems.check(benchmark == "—", at + " benchmark", benchmark, "—")
    answer_tables = [t for t in tables.tables if t["caption"].startswith("Share of respondents")]
    # A cycle's answers table is there only when some of the team's items are shown.
    with_items = [
        cycle
        for cycle in sorted(cycles, key=lambda c: c.opens_at, reverse=True)
        if any(shown for (c, g, _), shown in oracle.item_shown.items() if c == cycle.id and g == team.id)
    ]
    problems.check(len(answer_tables) == len(with_items), f"{where} answer tables", len(answer_tables), len(with_items))
    for table, cycle in zip(answer_tables, with_items, strict=False):
        shown_items = {q for (c, g, q), shown in oracle.item_shown.items() if c == cycle.id and g == team.id and shown}
        listed = len(table["rows"]) - 1
        problems.check(listed == len(shown_items), f"{where} {cycle.name} items", listed, len(shown_items))
        for row in table["rows"][1:]:
            text = row[0][2].replace(" (reverse-scored)", "")
            question = next(q for q in shown_items if oracle.questions.loc[q, "text"] == text)
            item = oracle.items[(cycle.id, team.id, question)]
            at = f"{where} {cycle.name} item {text[:30]}"
            problems.check(row[1][2] == str(item.n) and agrees(row[2][2], item.mean, DIGITS), at,
                           (row[1][2], row[2][2]), (item.n, item.mean))  # fmt: skip
            for point, share in re.findall(r"(\d+): (\d+)%", row[3][2]):
                want = 100 * item.distribution.get(int(point), 0) / item.n
                problems.check(agrees(share, want, 0), at + f" answer {point}", share, want)


def check_team_csvs(client, oracle: Oracle, team: Team, problems: Mismatches) -> None:
    url = reverse("feedback:team_report", args=[team.id])
    csvs = {name: read_csv(client.get(url, {"export": name})) for name in ["scores", "items", "metrics"]}
    for name, rows in csvs.items():
        check_cells(rows, f"team {team.name} {name}.csv", problems)
    for row in csvs["scores"][1:]:
        cycle = next(c for c in oracle.cycles if c.name == row[0])
        dimension = Dimension.objects.get(name=row[1])
        at = f"team {team.name} scores.csv {row[0]} {row[1]}"
        if not oracle.is_shown(cycle.id, team.id, dimension.id):
            problems.check(set(row[2:8]) == {"suppressed"}, at, row[2:], "suppressed")
            continue
        figure = oracle.groups[(cycle.id, team.id, dimension.id)]
        want, _ = _scale_value(figure)
        problems.check(agrees(row[2], want, DIGITS) and row[4] == str(figure.n), at, row[2:5], (want, figure.n))
        if figure.favourable is not None:
            problems.check(agrees(row[3], 100 * figure.favourable, 1), at + " favourable", row[3], figure.favourable)
        change = oracle.change(cycle.id, team.id, dimension.id)
        if change is None:
            problems.check(row[5:8] == ["", "", ""], at + " change", row[5:8], None)
        else:
            ok = all(agrees(v, w, DIGITS) for v, w in zip(row[5:8], change[:3], strict=True))
            problems.check(ok, at + " change", row[5:8], change[:3])
    for row in csvs["items"][1:]:
        cycle = next(c for c in oracle.cycles if c.name == row[0])
        question = next(q for q in oracle.questions.index if oracle.questions.loc[q, "text"] == row[1]
                        and (cycle.id, team.id, q) in oracle.items)  # fmt: skip
        problems.check(oracle.item_shown[(cycle.id, team.id, question)], f"team {team.name} items.csv hidden item",
                       row, "absent")  # fmt: skip
        item = oracle.items[(cycle.id, team.id, question)]
        problems.check(row[2] == str(item.n) and agrees(row[3], item.mean, DIGITS), f"team {team.name} items.csv",
                       row[2:4], (item.n, item.mean))  # fmt: skip
    since = min(c.opens_at for c in oracle.cycles).date() - timedelta(days=90)
    below = {t.id for t in Team.objects.all() if _is_below(t, team)}
    check_metric_rows(csvs["metrics"][1:], oracle, below, since, f"team {team.name} metrics.csv", problems)


REPORTED_TEAMS = ["Engineering", "Platform", "Platform SRE", "Checkout", "Search", "Research"]


def test_the_leadership_dashboard_shows_what_the_raw_rows_give(world, oracle, client):
    problems = Mismatches()
    client.force_login(world.admin)
    check_dashboard(client, oracle, world.root, {}, problems)
    client.force_login(world.leader)
    check_dashboard(client, oracle, world.teams["Engineering"], {}, problems)
    problems.assert_none()


def test_team_reports_and_their_csvs_show_what_the_raw_rows_give(world, oracle, client):
    problems = Mismatches()
    client.force_login(world.admin)
    for name in REPORTED_TEAMS:
        team = world.teams[name]
        url = reverse("feedback:team_report", args=[team.id])
        cycles = [
            c
            for c in oracle.cycles
            if Invitation.objects.filter(cycle=c, team_id__in=oracle.subtree(c.id, team.id)).exists()
        ]
        check_each_cycle(client, url, oracle, team, cycles, f"team report {name}", problems)
        check_team_csvs(client, oracle, team, problems)
    problems.assert_none()


def test_the_members_results_page_shows_published_cycles_as_the_raw_rows_give(world, oracle, client):
    from feedback.selectors import team_results_key

    problems = Mismatches()
    for name in REPORTED_TEAMS:
        team = world.teams[name]
        url = reverse("feedback:team_results", args=[team_results_key(team_id=team.id)])
        published = [c for c in oracle.cycles if c.state == Cycle.State.PUBLISHED]
        check_each_cycle(client, url, oracle, team, published, f"results page {name}", problems)
        assert oracle.cycles[-1].name not in client.get(url).content.decode()  # closed, not published
    problems.assert_none()


def test_the_api_reads_back_dora_from_the_events_and_business_values_as_sent(world, oracle, client):
    problems = Mismatches()
    client.force_login(world.admin)
    definitions = client.get(reverse("api-metric-definitions"), {"page_size": 1000}).json()["results"]
    for definition in definitions:
        if definition["key"] in UNIT_OF:
            problems.check(definition["unit"] == UNIT_OF[definition["key"]], f"API unit of {definition['key']}",
                           definition["unit"], UNIT_OF[definition["key"]])  # fmt: skip
    rows, page = [], 1
    while True:
        body = client.get(reverse("api-metric-values"), {"page_size": 1000, "page": page}).json()
        rows += body["results"]
        if not body["next"]:
            break
        page += 1
    teams = {_path(world, name): team for name, team in world.teams.items()}
    sent = {(r["metric"], r["team"], r["period_start"], r["period_end"]): r["value"] for r in world.metric_rows_sent}
    windows = {}
    for cycle in oracle.cycles:
        zone = timezone.get_default_timezone() if cycle.time_zone == settings.TIME_ZONE else None
        first, last = (m.astimezone(zone).date().isoformat() for m in (cycle.opens_at, cycle.closes_at))
        windows[(first, last)] = cycle
    weekly, windows_done = {}, {}
    for row in rows:
        at = f"API {row['metric']} {row['team']} {row['period_start']}…{row['period_end']}"
        if row["source"] != "dora":
            key = (row["metric"], row["team"], row["period_start"], row["period_end"])
            problems.check(key in sent and agrees(row["value"], sent.get(key, math.nan), 6), at, row["value"],
                           sent.get(key))  # fmt: skip
            continue
        team = teams[row["team"]]
        start, end = date.fromisoformat(row["period_start"]), date.fromisoformat(row["period_end"])
        if (end - start).days == 6:
            if team.id not in weekly:
                weekly[team.id] = oracle._dora_team(team.id)
            figures = weekly[team.id]
            want = figures[row["metric"]].get(start, 0.0 if row["metric"] == "deployment-frequency" else None)
        else:
            cycle = windows[(row["period_start"], row["period_end"])]
            days = (cycle.closes_at - cycle.opens_at).days
            if (team.id, cycle.id) not in windows_done:
                windows_done[(team.id, cycle.id)] = oracle.dora_window(
                    team.id, cycle.opens_at, cycle.closes_at, days / 7
                )
            window = windows_done[(team.id, cycle.id)]
            want = window[row["metric"]].get(cycle.opens_at.astimezone(timezone.get_default_timezone()).date())
        problems.check(want is not None and agrees(row["value"], want, 6), at, row["value"], want)
    business = {key for key in sent if key[0] != "revenue" or key[3] < "9999"}
    problems.check(len([r for r in rows if r["source"] != "dora"]) == len(business), "API business rows",
                   len([r for r in rows if r["source"] != "dora"]), len(business))  # fmt: skip
    problems.assert_none()


def test_the_leadership_digest_shows_what_the_raw_rows_give(world, oracle):
    from feedback.services.digest import digest_text

    problems = Mismatches()
    for user, root in [(world.admin, world.root), (world.leader, world.teams["Engineering"])]:
        text = digest_text(user=user)
        heat = oracle.cycles[-1]
        assert f"== {root.name}: {heat.name} ==" in text
        invited = Invitation.objects.filter(cycle=heat, team_id__in=oracle.subtree(heat.id, root.id)).count()
        answered = Response.objects.filter(cycle=heat, team_id__in=oracle.subtree(heat.id, root.id)).count()
        if oracle.participation_shown.get((heat.id, root.id)):
            problems.check(f"Participation: {answered} of {invited} answered." in text, f"digest {root.name}",
                           text.split("Participation")[1][:40], (answered, invited))  # fmt: skip
            problems.check(("Under half of those invited answered" in text) == (answered < invited / 2),
                           f"digest {root.name} low participation", text.split("Participation")[1][:120],
                           answered / invited)  # fmt: skip
        for line in re.findall(r"^- (.+?): (.+)$", text, re.M):
            name, shown = line
            dimension = Dimension.objects.filter(name=name).first()
            if dimension is None:
                continue  # a mover or a finding
            at = f"digest {root.name} {name}"
            if not oracle.is_shown(heat.id, root.id, dimension.id):
                problems.check(shown == "not shown", at, shown, "not shown")
                continue
            figure = oracle.groups[(heat.id, root.id, dimension.id)]
            found = NUMBER.findall(shown.replace("95% interval", ""))
            problems.check(shown.endswith(f"n = {figure.n}"), at + " n", shown, figure.n)
            if figure.enps is not None:
                problems.check(shown.startswith("eNPS") and agrees(found[0], figure.enps, 0), at, shown, figure.enps)
            else:
                scale = f" (1–{figure.points}) "  # the dimension's scale, written after the mean
                problems.check(scale in shown, at + " scale", shown, scale)
                found = NUMBER.findall(shown.replace("95% interval", "").replace(scale, " "))
                interval = t_interval(figure)
                ok = agrees(found[0], figure.mean, DIGITS) and agrees(found[1], interval[0], DIGITS)
                problems.check(ok and agrees(found[2], interval[1], DIGITS), at, shown, (figure.mean, interval))
        movers = text.split("Biggest movers")[1].split("Associations")[0]
        expected = sum(
            1
            for group in oracle.subtree(heat.id, root.id)
            for (c, g, d) in oracle.groups
            if c == heat.id and g == group and (change := oracle.change(c, g, d)) and change[3]
        )  # fmt: skip
        problems.check(movers.count("\n- ") - ("- none" in movers) == min(5, expected), f"digest {root.name} movers",
                       movers, expected)  # fmt: skip
    problems.assert_none()


def test_the_results_emails_say_what_the_raw_rows_give_and_no_more(world, oracle, client):
    problems = Mismatches()
    ready = {m.subject: m.body for m in world.announced if "ready to publish" in m.subject}
    for cycle in oracle.cycles:
        body = next(b for s, b in ready.items() if cycle.name in s)
        answered = Response.objects.filter(cycle=cycle).count()
        want = f"{answered} people answered" if answered >= cycle.threshold else f"fewer than {cycle.threshold}"
        problems.check(want in body, f"results-ready email {cycle.name}", body[:80], want)
    mail.outbox = []
    last = oracle.cycles[-1]
    with TestCase.captureOnCommitCallbacks(execute=True):
        survey_services.cycle_publish(cycle_id=last.id)
    invitations = Invitation.objects.filter(cycle=last).select_related("team")
    problems.check(len(mail.outbox) == invitations.count(), "results-published emails", len(mail.outbox),
                   invitations.count())  # fmt: skip
    team_of = {i.person.email: i.team for i in invitations.select_related("person")}
    opened = set()
    for message in mail.outbox:
        person = Person.objects.get(email=message.to[0])
        figures = re.sub(
            "|".join([re.escape(last.name), re.escape(person.name), r"https?://\S+", r"at least \d+ people"]), "",
            message.body,
        )  # fmt: skip
        problems.check(not re.search(r"\d", figures), "results-published email holds a figure", figures, "none")
        team = team_of[message.to[0]]
        if team.id in opened:
            continue
        opened.add(team.id)
        link = re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)
        page = client.get(link)
        problems.check(page.status_code == 200 and f"{team.name}: published results" in page.content.decode(),
                       f"results link of {team.name}", page.status_code, team.name)  # fmt: skip
    problems.assert_none()


def pdf_text(response) -> str:
    from pypdf import PdfReader

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf", response.status_code
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)


def check_pdf_drivers(text: str, expected: "Drivers | None", where: str, problems: Mismatches) -> None:
    """The drivers section as printed: the n of the table's caption; each dimension's row with its ρ, interval,
    Holm-adjusted p, share of R² (and its interval), score and n; and each focus area's reason. The text is read
    without its whitespace, as the printed lines break where they may."""
    compact = re.sub(r"\s", "", text)
    if expected is None:
        problems.check("Nodriverstoshowforthisgroup" in compact and "thatansweredeverydimension" not in compact,
                       f"{where} drivers", None, "none")  # fmt: skip
        return
    problems.check(f"n={expected.n}responsesthatansweredeverydimension" in compact, f"{where} drivers n", None,
                   expected.n)  # fmt: skip
    for driver in expected.drivers:
        name = re.escape(re.sub(r"\s", "", driver.name))
        # the row's n ends it; an eNPS score runs into it in the text, so the n expected is what splits them
        row = rf"(\d+)%(?:\((\d+)%to(\d+)%\))?(eNPS)?(-?\d+(?:\.\d+)?)(?:of(\d))?{expected.n}"
        found = re.search(rf"{name}(-?\d+\.\d\d)(-?\d+\.\d\d)to(-?\d+\.\d\d)(yes|no)\(adjustedp(<0\.0001|\d\.\d+)\)"
                          + row, compact)  # fmt: skip
        shown = found.groups() if found else None
        ok = shown is not None and all(
            agrees(v, w, 2) for v, w in zip(shown[:3], [driver.rho, *driver.interval], strict=True)
        )
        problems.check(ok, f"{where} driver {driver.name}", shown and shown[:3], (driver.rho, driver.interval))
        if shown is None:
            continue
        holds, p_shown, share, low, high, enps, score, points = shown[3:]
        problems.check(holds == ("yes" if driver.p_holm < 0.05 else "no") and p_agrees(p_shown, driver.p_holm),
                       f"{where} driver {driver.name} Holm", (holds, p_shown), driver.p_holm)  # fmt: skip
        parts = [v for v in (share, low, high) if v is not None]
        want_share = [driver.importance, *(driver.importance_interval or ())]
        problems.check(len(parts) == len(want_share) and all(agrees(v, 100 * w, 0) for v, w in
                       zip(parts, want_share, strict=False)), f"{where} driver {driver.name} share", parts,
                       want_share)  # fmt: skip
        value, digits, _ = _score_words(driver)
        scale = (enps is not None, points) == (
            driver.figure.enps is not None,
            None if driver.figure.enps is not None else str(driver.figure.points),
        )
        problems.check(scale and agrees(score, value, digits) and driver.figure.n == expected.n,
                       f"{where} driver {driver.name} score", (enps, score, points, expected.n),
                       (value, driver.figure.points, driver.figure.n))  # fmt: skip
    # Focus areas: between the lists' hint and the table's heading, each list's title and its entries in order.
    areas = unicodedata.normalize("NFKC", compact)  # Chromium's fonts print "ﬁrst" with a ligature
    areas = areas.split("mostcloselyassociatedfirst.", 1)[-1].split("Everydimensionagainst", 1)[0]
    lists = re.fullmatch(r"Strengths(.*)Focus(.*)Watch(.*)", areas, re.S)
    problems.check(lists is not None, f"{where} focus areas", areas[:200], "Strengths, Focus and Watch")
    for title, part, chosen in zip(["Strengths", "Focus", "Watch"], lists.groups() if lists else ["", "", ""],
                                   [expected.strengths, expected.focus, expected.watch], strict=True):  # fmt: skip
        names = [re.sub(r"\s", "", d.name) for d in chosen]
        starts = [part.find(f"{name}:") for name in names]
        problems.check(-1 not in starts and starts == sorted(starts) and (chosen or not re.search(r"\w+:", part)),
                       f"{where} {title}", part[:200], [d.name for d in chosen])  # fmt: skip
        if -1 in starts:
            continue
        for i, (driver, start, name) in enumerate(zip(chosen, starts, names, strict=True)):
            end = starts[i + 1] if i + 1 < len(starts) else len(part)
            reason = part[start + len(name) + 1 : end].rstrip("•")
            problems.check(focus_reason_agrees(reason, title, driver, expected, gap=""),
                           f"{where} {title} {driver.name}", reason, driver)  # fmt: skip


def test_the_pdf_exports_print_the_figures_the_raw_rows_give(world, oracle, client):
    if not Path(settings.ALIGN_CHROMIUM_PATH).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    problems = Mismatches()
    client.force_login(world.admin)
    text = pdf_text(client.get(reverse("feedback:dashboard"), {"export": "pdf"}))
    heat = oracle.cycles[-1]
    hidden = 0
    for group in oracle.subtree(heat.id, world.root.id):
        for (c, g, d), figure in oracle.groups.items():
            if c != heat.id or g != group:
                continue
            if not oracle.is_shown(c, g, d):
                hidden += 1
                continue
            want, digits = _scale_value(figure)
            shown = f"{round(want + 1e-9, digits):.{digits}f}".replace("-0", "-0") + " "
            problems.check(shown in text and f"n={figure.n}" in text, f"dashboard PDF {oracle.names[g]} {d}",
                           None, shown)  # fmt: skip
    problems.check(text.count("suppressed") >= hidden, "dashboard PDF suppressed cells", text.count("suppressed"),
                   hidden)  # fmt: skip
    check_pdf_drivers(text, oracle.drivers(heat.id, world.root.id), "dashboard PDF", problems)
    team = world.teams["Checkout"]
    text = pdf_text(client.get(reverse("feedback:team_report", args=[team.id]), {"export": "pdf"}))
    check_pdf_drivers(text, oracle.drivers(heat.id, team.id), "team report PDF", problems)
    for cycle in oracle.cycles:
        for (c, g, d), figure in oracle.groups.items():
            if c == cycle.id and g == team.id and oracle.is_shown(c, g, d):
                name = Dimension.objects.get(id=d).name
                want, digits = _scale_value(figure)
                shown = ("eNPS " if figure.enps is not None else "") + f"{round(want + 1e-9, digits):.{digits}f}"
                compact = re.sub(r"\s", "", text)
                found = re.sub(r"\s", "", f"{name}{shown}") in compact
                problems.check(found, f"team report PDF {cycle.name} {name}", None, shown)
    problems.assert_none()


# ---------------------------------------------------------------------------------------------------- drivers

DRIVERS_HEADER = ["Dimension", "Outcome", "Cycle", "Spearman ρ", "95% CI low", "95% CI high", "Holm-adjusted p",
                  "Share of R² %", "Share CI low %", "Share CI high %", "n", "Focus area"]  # fmt: skip


def p_agrees(shown: str, exact: float) -> bool:
    """Return whether a p-value shown with four decimals (or as below 0.0001) is the exact value."""
    if shown.replace(" ", "") == "<0.0001":
        return exact < 0.0001
    return agrees(shown, exact, 4) and exact >= 0.0001 - 1e-12


def _score_words(driver: DriverFigure) -> tuple[float, int, str]:
    """Return a driver's score as shown (value, decimals) and what follows it ("of 5", or "" for eNPS)."""
    if driver.figure.enps is not None:
        return driver.figure.enps, 0, ""
    return driver.figure.mean, DIGITS, f" of {driver.figure.points}"


def check_drivers(page: str, rows: list[list[str]], expected: "Drivers | None", cycle: Cycle, team: Team,
                  where: str, problems: Mismatches) -> None:  # fmt: skip
    """The drivers section of a page and its CSV against the oracle's drivers (None: nothing may be shown)."""
    section = re.search(r'<section aria-labelledby="h-drivers">(.*?)</section>', page, re.S)
    assert section is not None, f"{where}: no drivers section"
    section = section.group(1)
    check_cells(rows, f"{where} drivers.csv", problems)
    problems.check(rows[0] == DRIVERS_HEADER, f"{where} drivers.csv header", rows[0], DRIVERS_HEADER)
    if expected is None:
        problems.check("<table" not in section and "No drivers to show for this group" in section, where,
                       re.sub(r"<[^>]+>", " ", section)[-300:], "no drivers, and why")  # fmt: skip
        problems.check(len(rows) == 2 and rows[1][0].startswith("No drivers to show") and not any(rows[1][1:]),
                       f"{where} drivers.csv", rows[1:], "one row saying why")  # fmt: skip
        return
    heading = html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<h2[^>]*>(.*?)</h2>", section, re.S).group(1)))
    want = f"What goes with {expected.outcome_name}: drivers and focus areas, {cycle.name}"
    problems.check(" ".join(heading.split()) == want, f"{where} heading", heading, want)
    options = re.findall(r'<option value="([^"]*)"', section)
    problems.check(options == expected.outcomes, f"{where} outcomes", options, expected.outcomes)

    # The table: every driver, most important first, with ρ, its interval, Holm, share of R², score and n.
    table = Tables(section).tables[0]
    caption = table["caption"]
    found = NUMBER.findall(caption.split(":", 1)[1])
    problems.check(caption.startswith(f"{team.name}, {cycle.name}: n = {expected.n} responses") and bool(found)
                   and agrees(found[-1], 100 * expected.r_squared, 0), f"{where} caption", caption,
                   (expected.n, 100 * expected.r_squared))  # fmt: skip
    body = [[cell[2] for cell in row] for row in table["rows"][1:]]
    names = [row[0] for row in body]
    problems.check(names == [d.name for d in expected.drivers], f"{where} order", names,
                   [d.name for d in expected.drivers])  # fmt: skip
    for row, driver in zip(body, expected.drivers, strict=False):
        at = f"{where} {driver.name}"
        _, rho, interval, holds, share, score, n = row
        ends = NUMBER.findall(interval)
        problems.check(agrees(rho, driver.rho, 2) and len(ends) == 2 and agrees(ends[0], driver.interval[0], 2)
                       and agrees(ends[1], driver.interval[1], 2), at + " ρ", (rho, interval),
                       (driver.rho, driver.interval))  # fmt: skip
        p_shown = re.search(r"\(adjusted p (.*)\)", holds).group(1)
        problems.check(holds.startswith("yes" if driver.p_holm < 0.05 else "no") and p_agrees(p_shown, driver.p_holm),
                       at + " Holm", holds, driver.p_holm)  # fmt: skip
        parts = NUMBER.findall(share)
        want_share = [driver.importance, *(driver.importance_interval or ())]
        problems.check(len(parts) == len(want_share) and all(agrees(v, 100 * w, 0) for v, w in
                       zip(parts, want_share, strict=False)), at + " share", share, want_share)  # fmt: skip
        value, digits, tail = _score_words(driver)
        problems.check(agrees(NUMBER.findall(score)[0], value, digits) and score.endswith(tail) and
                       n == str(driver.figure.n) == str(expected.n), at + " score", (score, n),
                       (value, driver.figure.n))  # fmt: skip

    # Focus areas: each list's dimensions in order, each with the figures of its reason.
    lists = dict(re.findall(r"<h4>(Strengths|Focus|Watch)</h4>\s*(<ul>.*?</ul>|<p>.*?</p>)", section, re.S))
    for title, chosen in [("Strengths", expected.strengths), ("Focus", expected.focus), ("Watch", expected.watch)]:
        entries = re.findall(r"<li><strong>(.*?)</strong>: (.*?)</li>", lists.get(title, ""), re.S)
        items = [(html.unescape(a), " ".join(html.unescape(re.sub(r"<[^>]+>", "", b)).split())) for a, b in entries]
        problems.check([a for a, _ in items] == [d.name for d in chosen], f"{where} {title}", [a for a, _ in items],
                       [d.name for d in chosen])  # fmt: skip
        for (_, reason), driver in zip(items, chosen, strict=False):
            problems.check(focus_reason_agrees(reason, title, driver, expected), f"{where} {title} {driver.name}",
                           reason, driver)  # fmt: skip

    # The CSV: the same rows, with three decimals and the lists each dimension is in.
    labels = {}
    for label, chosen in [("Strength", expected.strengths), ("Focus", expected.focus), ("Watch", expected.watch)]:
        for driver in chosen:
            labels.setdefault(driver.name, []).append(label)
    problems.check([r[0] for r in rows[1:]] == [d.name for d in expected.drivers], f"{where} drivers.csv order",
                   [r[0] for r in rows[1:]], [d.name for d in expected.drivers])  # fmt: skip
    for row, driver in zip(rows[1:], expected.drivers, strict=False):
        interval = driver.importance_interval or (None, None)
        ok = row[1:3] == [expected.outcome_name, cycle.name] and row[10] == str(expected.n)
        ok = ok and all(agrees(v, w, 3) for v, w in zip(row[3:6], [driver.rho, *driver.interval], strict=True))
        ok = ok and p_agrees(row[6], driver.p_holm) and agrees(row[7], 100 * driver.importance, 1)
        ends = zip(row[8:10], interval, strict=True)
        ok = ok and all(shown == "" if w is None else agrees(shown, 100 * w, 1) for shown, w in ends)
        ok = ok and row[11] == "; ".join(labels.get(driver.name, []))
        problems.check(ok, f"{where} drivers.csv {driver.name}", row, (driver, labels.get(driver.name)))


SCORE = r"(eNPS )?(\S+?)(?: of (\d+))?"


def focus_reason_agrees(reason: str, title: str, driver: DriverFigure, expected: "Drivers", *, gap: str = " ") -> bool:
    """Return whether a focus area's reason states the driver's figures: for strengths and focus its ρ, interval,
    n, share and score; for watch its fall, the change's interval, the cycle it fell from, its score and n.
    `gap` stands for each space of the reason (a PDF's text is read without them)."""
    value, digits, _ = _score_words(driver)

    def fullmatch(pattern: str):
        return re.fullmatch(re.sub(r"\\? ", gap, pattern), reason)

    if title == "Watch":
        difference, low, high, _ = driver.change
        change_digits, unit = (0, "eNPS points") if driver.figure.enps is not None else (DIGITS, "points")
        found = fullmatch(rf"Down (\S+) {unit} since {re.escape(driver.previous)} \(95% interval (\S+) to "
                          rf"(\S+)\), now {SCORE}, n = (\d+)\.")  # fmt: skip
        if found is None:
            return False
        size, shown_low, shown_high, enps, score, points, n = found.groups()
        figures = [(size, -difference, change_digits), (shown_low, low, change_digits),
                   (shown_high, high, change_digits)]  # fmt: skip
    else:
        which = "higher" if title == "Strengths" else "lower"
        found = fullmatch(rf"Higher {re.escape(driver.name)} scores went with higher "
                          rf"{re.escape(expected.outcome_name)} in the same responses \(ρ (\S+), 95% interval "
                          rf"(\S+) to (\S+), n = (\d+); (\d+)% of what the dimensions together explain\); "
                          rf"one of this group's {which} scores \({SCORE}\)\.")  # fmt: skip
        if found is None:
            return False
        rho, shown_low, shown_high, n, share, enps, score, points = found.groups()
        figures = [(rho, driver.rho, 2), (shown_low, driver.interval[0], 2), (shown_high, driver.interval[1], 2),
                   (share, 100 * driver.importance, 0)]  # fmt: skip
    figures.append((score, value, digits))
    scale = (enps is not None) == (driver.figure.enps is not None) and points == (
        None if driver.figure.enps is not None else str(driver.figure.points)
    )
    return scale and n == str(driver.figure.n) and all(agrees(shown, exact, d) for shown, exact, d in figures)


def test_drivers_and_focus_areas_on_every_page_and_csv_are_what_the_raw_answers_give(world, oracle, client):
    problems = Mismatches()
    dashboard, heat, shown = reverse("feedback:dashboard"), oracle.cycles[-1], []
    # (login, url, query, group, cycle, outcome). The dashboard: its default view; the first cycle (its optional
    # item leaves the dimensions over different n); a hidden group; the leader's, whose group is hidden; and in
    # the last two cycles, the organisation, Engineering and Checkout (in the last, with every outcome it offers).
    # Every team report: its latest cycle (Checkout's with another outcome too, and its cycle before).
    views = [(world.admin, dashboard, {}, world.root, heat, None), (world.admin, dashboard, {"cycle":
              oracle.cycles[0].id}, world.root, oracle.cycles[0], None), (world.admin, dashboard, {"root":
              world.teams["Search"].id}, world.teams["Search"], heat, None), (world.leader, dashboard, {},
              world.teams["Engineering"], heat, None)]  # fmt: skip
    for cycle in oracle.cycles[-2:]:
        for group in (world.root, world.teams["Engineering"], world.teams["Checkout"]):
            query = {"root": group.id, "cycle": cycle.id}
            found = oracle.drivers(cycle.id, group.id) if cycle == heat else None
            views += [(world.admin, dashboard, query | {"outcome": key}, group, cycle, key)
                      for key in (found.outcomes if found else [None])]  # fmt: skip
    for name in REPORTED_TEAMS:
        url, team = reverse("feedback:team_report", args=[world.teams[name].id]), world.teams[name]
        views += [(world.admin, url, {"outcome": key}, team, heat, key) for key in [None, "workload"][: 1 + (name ==
                  "Checkout")]]  # fmt: skip
    # a team report's drivers follow the cycle its picker shows
    checkout = world.teams["Checkout"]
    views.append((world.admin, reverse("feedback:team_report", args=[checkout.id]), {"cycle": oracle.cycles[-2].id},
                  checkout, oracle.cycles[-2], None))  # fmt: skip
    for user, url, query, team, cycle, outcome in views:
        client.force_login(user)
        query = {key: value for key, value in query.items() if value is not None}
        page = client.get(url, query)
        assert page.status_code == 200, (url, query)
        rows = read_csv(client.get(url, query | {"export": "drivers"}))
        expected = oracle.drivers(cycle.id, team.id, outcome)
        shown.append(expected)
        where = f"{'dashboard' if url == dashboard else 'team report'} {team.name} {cycle.name} {query}"
        check_drivers(page.content.decode(), rows, expected, cycle, team, where, problems)
        if url == dashboard:
            check_summary_focus(page.content.decode(), expected, team, where, problems)
    problems.assert_none()
    # the seed exercises both sides and every list: drivers shown and not, strengths or focus areas, falls to watch
    found = [d for d in shown if d]
    assert found and None in shown, "the seed shows drivers nowhere, or everywhere"
    assert any(d.strengths or d.focus for d in found) and any(d.watch for d in found), "the seed lists no focus area"


def check_summary_focus(page: str, expected: "Drivers | None", team: Team, where: str, problems: Mismatches) -> None:
    """The dashboard summary's focus areas and strengths (its tile and its sentence) against the oracle's."""
    summary = re.search(r'<section aria-labelledby="h-summary"[^>]*>(.*?)</section>', page, re.S)
    assert summary is not None, f"{where}: no summary"
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", summary.group(1))).split())
    tile = text.split("Focus areas and strengths", 1)[1].split("Drivers and why", 1)[0].strip()
    if expected is None:
        problems.check(tile == "Not enough responses in this group to say.", f"{where} summary focus", tile, None)
        problems.check("Suggested focus" not in text, f"{where} summary sentence", text, "no focus")
        return
    focus, strengths = [d.name for d in expected.focus], [d.name for d in expected.strengths]
    lines = [f"{title}: {', '.join(names)}" for title, names in [("Focus", focus), ("Strengths", strengths)] if names]
    want = " ".join(lines) or f"None stands out for {expected.outcome_name} this cycle."
    problems.check(tile == want, f"{where} summary focus", tile, want)
    # the sentence names the focus areas and says what README says they are: below the group's median
    said = re.search(r"Suggested focus: (.*?), associated with (.*?) in the same responses and (.*?\.)", text)
    listed = re.split(r", | and ", said.group(1)) if said else []
    problems.check(listed == focus, f"{where} summary sentence", listed, focus)
    if said:
        claim = f"scoring in the lower half of {team.name}'s dimensions, each on its own scale."
        problems.check(said.group(2) == expected.outcome_name and said.group(3) == claim, f"{where} summary claim",
                       said.group(0), claim)  # fmt: skip


def test_the_members_results_page_shows_no_drivers(world, oracle, client):
    from feedback.selectors import team_results_key

    for name in REPORTED_TEAMS:
        page = client.get(reverse("feedback:team_results", args=[team_results_key(team_id=world.teams[name].id)]))
        assert page.status_code == 200 and 'aria-labelledby="h-drivers"' not in page.content.decode()


# ---------------------------------------------------------------------------------------------------- conversations


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def check_conversations(page: str, oracle: Oracle, team: Team, cycles: list[Cycle], where: str, problems: Mismatches,
                        *, readers: bool) -> None:  # fmt: skip
    """Each cycle's comments section: the comments listed, "you said, we heard" (published cycles) and, for
    readers, each comment's conversation link, against the comment, thread and message rows."""
    sections = dict(re.findall(r'<section aria-labelledby="cycle-(\d+)">(.*?)</section>', page, re.S))
    for cycle in cycles:
        at = f"{where} {cycle.name}"
        part = sections[str(cycle.id)].split("<h3>Comments</h3>")[1].split("<h3>What we will change</h3>")[0]
        shown = team.id in oracle.comment_groups(cycle.id)
        comments, heard, still_open = oracle.heard(cycle.id, team.id)
        problems.check(("Comments are not shown" in part) != shown, at + " comments shown", shown, shown)
        listed = part.count('<span class="comment-text">')
        problems.check(listed == comments, at + " comments listed", listed, comments)
        line = re.search(r'<p class="heard">(.*?)</p>', part, re.S)
        line = " ".join(html.unescape(line.group(1)).split()) if line else None
        want = None
        if shown and comments and cycle.state == Cycle.State.PUBLISHED:
            want = (f"You said, we heard: {heard} of {_plural(comments, 'comment')} got a reply or an acknowledgement; "
                    f"{_plural(still_open, 'conversation')} still open.")  # fmt: skip
        problems.check(line == want, at + " you said, we heard", line, want)
        links = re.findall(r'<a class="conversation-link" href="/conversations/comment/([0-9a-f-]+)/">(.*?)</a>', part)
        expected = {c["id"]: c for c in oracle.comments_of(cycle.id, team.id)} if readers else {}
        problems.check(sorted(c for c, _ in links) == sorted(expected), at + " conversation links", len(links),
                       len(expected))  # fmt: skip
        for comment_id, words in links:
            comment = expected.get(comment_id)
            if comment is None:
                continue
            want = f"Conversation: {_plural(comment['messages'], 'message')}" if comment["messages"] else (
                "Reply or acknowledge")  # fmt: skip
            want += " (closed)" if comment["state"] == "closed" else ""
            problems.check(html.unescape(words) == want, at + f" conversation {comment_id[:8]}", words, want)


def test_you_said_we_heard_on_results_pages_and_team_reports_is_what_the_conversation_rows_give(world, oracle, client):
    from feedback.selectors import team_results_key

    problems = Mismatches()
    client.force_login(world.admin)
    published = [c for c in oracle.cycles if c.state == Cycle.State.PUBLISHED]
    for name in [*REPORTED_TEAMS, "Design"]:
        team = world.teams[name]
        results = reverse("feedback:team_results", args=[team_results_key(team_id=team.id)])
        for cycle in published:  # a page shows one cycle at a time
            page = client.get(results, {"cycle": cycle.id}).content.decode()
            check_conversations(page, oracle, team, [cycle], f"results page {name}", problems, readers=False)
        report = reverse("feedback:team_report", args=[team.id])
        for cycle in [c for c in oracle.cycles if team.id in oracle.tree[c.id]]:
            page = client.get(report, {"cycle": cycle.id}).content.decode()
            check_conversations(page, oracle, team, [cycle], f"team report {name}", problems, readers=True)
    problems.assert_none()
    # the seed exercises the counts: heard and unheard comments, open and closed conversations, hidden replies
    everything = oracle.conversations
    assert {c["heard"] for c in everything} == {True, False} and {c["state"] for c in everything} == {"open", "closed"}
    assert any(c["hidden"] and not c["heard"] for c in everything)


def as_written(cell: str) -> str:
    """Return a CSV cell as Align writes text that a spreadsheet would read as a formula: after a quote."""
    return "'" + cell if cell.startswith(FORMULA) and not PLAIN_NUMBER.fullmatch(cell) else cell


def said(message: dict) -> str:
    """Return what a message says as the rows hold it: its text, or its acknowledgement's words."""
    if message["kind"] == "ack":
        return Message.Acknowledgement(message["acknowledgement"]).label
    return message["text"]


def csv_said(message: dict) -> str:
    """Return a message's words as the comments CSV holds them: the admin's note in place of hidden words."""
    if message["hidden"]:
        return as_written(f"[hidden by an admin: {message['hidden_note']}]")
    return as_written(("acknowledged: " if message["kind"] == "ack" else "") + said(message))


def test_the_comments_export_and_api_carry_every_message_the_rows_hold(world, oracle, client):
    problems = Mismatches()
    client.force_login(world.admin)
    for name in REPORTED_TEAMS:
        team = world.teams[name]
        expected = {c["id"]: c for cycle in oracle.cycles for c in oracle.comments_of(cycle.id, team.id)}
        body = client.get(reverse("conversations:api_team_comments", args=[team.id])).json()
        got = {c["id"]: c for c in body["comments"]}
        problems.check(sorted(got) == sorted(expected), f"API comments of {name}", len(got), len(expected))
        for comment_id, comment in got.items():
            want = expected.get(comment_id)
            if want is None:
                continue
            state = want["state"] if want["messages"] else "none"
            hidden = sum(m["hidden"] for m in comment["messages"])
            problems.check((len(comment["messages"]), comment["conversation"], hidden) == (want["messages"], state,
                           want["hidden"]), f"API comment {comment_id[:8]} of {name}",
                           (len(comment["messages"]), comment["conversation"], hidden),
                           (want["messages"], state, want["hidden"]))  # fmt: skip
            problems.check(comment["text"] == want["text"], f"API comment {comment_id[:8]} of {name} text",
                           comment["text"], want["text"])  # fmt: skip
            # each message in order: its side, signature, day, kind and words (none where hidden, the note instead)
            shown = [(m["side"], m["signature"], m["day"], m["kind"], m["text"], m["hidden"], m["hidden_note"])
                     for m in comment["messages"]]  # fmt: skip
            rows = [(m["side"], m["signature"], m["day"].isoformat(), m["kind"], "" if m["hidden"] else said(m),
                     m["hidden"], m["hidden_note"]) for m in want["written"]]  # fmt: skip
            problems.check(shown == rows, f"API comment {comment_id[:8]} of {name} messages", shown, rows)
        rows = read_csv(client.get(reverse("conversations:comments_export", args=[team.id])))
        messages = [r for r in rows[1:] if r[4]]
        want = (sum(max(1, c["messages"]) for c in expected.values()), sum(c["messages"] for c in expected.values()),
                sum(c["hidden"] for c in expected.values()))  # fmt: skip
        found = (len(rows) - 1, len(messages), sum(r[7].startswith("[hidden by an admin:") for r in messages))
        problems.check(found == want, f"comments.csv of {name}: rows, messages, hidden", found, want)
        # every row: the comment's cycle and text, then the message's position, signature, day and words
        written = []
        for comment in expected.values():
            head = (oracle.cycle(comment["cycle_id"]).name, as_written(comment["text"]))
            written += [(*head, "", "", "", "")] if not comment["written"] else [
                (*head, str(m["position"]), m["signature"] or "the author", m["day"].isoformat(), csv_said(m))
                for m in comment["written"]]  # fmt: skip
        found = sorted((r[0], r[2], *r[4:8]) for r in rows[1:])
        problems.check(found == sorted(written), f"comments.csv of {name}: cycle, comment and each message",
                       sorted(set(found) - set(written))[:3], sorted(set(written) - set(found))[:3])  # fmt: skip
    problems.assert_none()
    # the seed writes every kind of message: the author's, readers' replies and acknowledgements, hidden ones
    written = [m for c in oracle.conversations for m in c["written"]]
    assert {(m["side"], m["kind"]) for m in written} >= {("author", "text"), ("staff", "text"), ("staff", "ack")}
    assert any(m["hidden"] for m in written)


def test_the_digest_counts_the_conversations_its_reader_may_see_as_the_rows_give(world, oracle):
    from feedback.services.digest import digest_message

    problems = Mismatches()
    for user, team in [(world.admin, world.root), (world.leader, world.teams["Engineering"])]:
        visible = {t.id for t in Team.objects.all() if _is_below(t, team)}
        acknowledged, still_open = oracle.conversations_seen(visible)
        want = (f"{_plural(acknowledged, 'comment')} acknowledged or replied to, "
                f"{_plural(still_open, 'conversation')} open.")  # fmt: skip
        message = digest_message(user=user)
        text = " ".join(message.body.split())
        page = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", message.alternatives[0][0])).split())
        problems.check(f"Conversations on comments: {want}" in text, f"digest text for {team.name}",
                       text.split("Conversations on comments")[-1][:90], want)  # fmt: skip
        problems.check(f"Conversations on comments {want}" in page, f"digest HTML for {team.name}",
                       page.split("Conversations on comments")[-1][:90], want)  # fmt: skip
    problems.assert_none()
