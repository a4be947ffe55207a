"""factory_boy factories. The built-in pulse template comes from the data migration."""

import importlib
from datetime import timedelta

import factory
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from surveys.models import Cycle, Person, SurveyTemplate, Team

PULSE_TEMPLATE = "psychological-safety-pulse"


DATA_MIGRATIONS = [
    "surveys.migrations.0002_builtin_instruments",
    "surveys.migrations.0004_question_bank",
    "surveys.migrations.0016_template_rotation",
    "surveys.migrations.0017_align_pulse",
    "feedback.migrations.0003_builtin_metrics",
]


def builtin_data_install() -> None:
    """Re-run the data migrations (idempotent): a transactional test flushes what they installed."""
    for module in DATA_MIGRATIONS:
        importlib.import_module(module).install(apps, None)


def pulse_template() -> SurveyTemplate:
    """Return the built-in template, reinstalling the built-in data if a transactional test flushed it."""
    template = SurveyTemplate.objects.filter(slug=PULSE_TEMPLATE).first()
    if template is None:
        builtin_data_install()
        template = SurveyTemplate.objects.get(slug=PULSE_TEMPLATE)
    return template


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    password = factory.django.Password("correct horse battery staple")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    parent = None


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    team = factory.SubFactory(TeamFactory)
    role = Person.Role.MEMBER


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pulse {n}")
    template = factory.LazyFunction(pulse_template)
    opens_at = factory.LazyFunction(timezone.now)
    closes_at = factory.LazyAttribute(lambda cycle: cycle.opens_at + timedelta(days=7))
    threshold = 5

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)


def manager_of(*teams: Team, email: str, role: str = Person.Role.MANAGER) -> tuple:
    """Create a login and a Person who manages the given teams; return (user, person)."""
    user = UserFactory(username=email)
    person = PersonFactory(email=email, team=teams[0], user=user, role=role)
    person.managed_teams.set(teams)
    return user, person


def organisation_with_aggregates(
    *, departments: int, teams_per_department: int, cycles: int, seed: int = 0, name: str = "Acme"
):
    """Write an organisation (one root, departments, teams) with closed cycles and group scores, directly.

    For tests of reads at scale: no answers behind the scores. Every team has 6 respondents except every
    seventh, which has 3 (below the threshold of 5), and disclosure is decided as aggregation would.
    Return the root team.
    """
    import random

    from feedback.disclosure import group_totals, participation_hidden, shown_pairs
    from feedback.models import GroupScore, ParticipationFigure
    from surveys.models import CycleTeam, Dimension, Question

    rng = random.Random(seed)
    root = Team.objects.create(name=name)
    heads = Team.objects.bulk_create(Team(name=f"Department {d}", parent=root) for d in range(departments))
    teams = Team.objects.bulk_create(
        Team(name=f"Team {d}.{t}", parent=head) for d, head in enumerate(heads) for t in range(teams_per_department)
    )
    groups = [root, *heads, *teams]
    parents = {g.id: g.parent_id for g in groups}
    dimensions = list(Dimension.objects.exclude(questions__kind=Question.Kind.COMMENT).distinct().order_by("key")[:2])
    start = timezone.now() - timedelta(days=14 * cycles)
    made = Cycle.objects.bulk_create(
        Cycle(
            name=f"Pulse {c}",
            template=pulse_template(),
            opens_at=start + timedelta(days=14 * c),
            closes_at=start + timedelta(days=14 * c + 5),
            state=Cycle.State.CLOSED,
            threshold=5,
        )
        for c in range(cycles)
    )
    CycleTeam.objects.bulk_create(
        CycleTeam(cycle=c, team=g, parent_id=g.parent_id, name=g.name) for c in made for g in groups
    )
    for cycle in made:
        counts = {}
        for number, team in enumerate(teams):
            counts[team.id] = 3 if number % 7 == 0 else 6
        for head in heads:
            counts[head.id] = sum(counts[t.id] for t in teams if t.parent_id == head.id)
        counts[root.id] = sum(counts[h.id] for h in heads)
        keyed = {(team_id, d.id): n for team_id, n in counts.items() for d in dimensions}
        shown = shown_pairs(keyed, parents, cycle.threshold)
        GroupScore.objects.bulk_create(
            GroupScore(
                cycle=cycle,
                team_id=team_id,
                dimension=dimension,
                respondents=n,
                mean=round(rng.uniform(2.5, 4.5), 2),
                sd=0.7,
                favourable=0.6,
                shown=(team_id, dimension.id) in shown,
            )
            for (team_id, dimension_id), n in keyed.items()
            for dimension in dimensions
            if dimension.id == dimension_id
        )
        invited = group_totals({t.id: counts[t.id] + 1 for t in teams}, parents)  # one invitee each did not answer
        hidden = participation_hidden(invited, counts, parents, cycle.threshold)
        ParticipationFigure.objects.bulk_create(
            ParticipationFigure(cycle=cycle, team_id=g, invited=n, answered=counts[g], shown=g not in hidden)
            for g, n in invited.items()
        )
    return root


def opened(comment) -> str:
    """Return a stored comment's text, opening it as closing does if its cycle is still open (surveys.sealing)."""
    from surveys import sealing

    if comment.sealed is None:
        return comment.text
    text = sealing.unseal(
        comment.sealed, cycle_id=comment.cycle_id, team_id=comment.team_id, question_id=comment.question_id
    )
    assert text is not None, "a sealed comment that the configured keys do not open"
    return text
