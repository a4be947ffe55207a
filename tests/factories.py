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
