import os

import pytest
from django.core.cache import cache, caches
from django.utils import translation

from alignsite.celery import app as celery_app
from conversations.models import Message, Thread
from feedback.models import ApiToken, GroupScore
from feedback.selectors import team_results_key
from feedback.services import scores_aggregate
from surveys import services
from surveys.models import Comment, CycleSchedule, Person, Question, QuestionTranslation, SurveyTemplate
from tests.factories import PersonFactory, TeamFactory, UserFactory, manager_of
from tests.feedback.conftest import run_cycle

IN_CI = os.environ.get("CI", "").lower() == "true"
HAVE_SERVICES = bool(os.environ.get("DATABASE_URL")) and bool(os.environ.get("REDIS_URL"))


def pytest_collection_modifyitems(config, items):
    """Service tests need PostgreSQL, Redis and a worker: skipped locally without them, required in CI."""
    if HAVE_SERVICES:
        return
    for item in items:
        if "services" not in item.keywords:
            continue
        if IN_CI:
            item.fixturenames.insert(0, "_fail_without_services")
        else:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL; CI sets both"))


@pytest.fixture
def _fail_without_services():
    pytest.fail("CI=true but DATABASE_URL or REDIS_URL is missing: service tests must run in CI, not skip.")


@pytest.fixture(autouse=True)
def celery_eager(request):
    """Run Celery tasks in-process for unit tests; service tests talk to a real worker instead."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = "services" not in request.keywords
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in another leaves it active in the thread (Django's
    LocaleMiddleware activates one per request and never deactivates it), and a page rendered outside a request
    would come out in it."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _locmem_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}} | {
        "survey-markup": settings.CACHES["survey-markup"]
    }
    cache.clear()  # locmem caches share their store: no count may leak from one test into the next
    caches["survey-markup"].clear()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production uses whitenoise's manifest storage, which needs collectstatic; tests render without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _builtin_data_after_flushes(request):
    """Transactional tests (live server, real worker) flush the database, data migrations included."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        from surveys.models import SurveyTemplate
        from tests.factories import builtin_data_install

        request.getfixturevalue("transactional_db")
        # Only after a flush: replayed over the migrated data, an upgrade step (0016) would undo later ones.
        if not SurveyTemplate.objects.exists():
            builtin_data_install()


@pytest.fixture
def world():
    """An organisation with a viewer of every role and an object behind every id-taking URL, for the access
    matrix and the form fuzzing: Org → D1 → A and Org → D2 → B, one published cycle with 5 answers in each of
    A and B; Charlie a member of A, Alice manager of A, Bob manager of B, Lee leader of D1, Ada an admin."""
    org = TeamFactory(name="Org")
    d1, d2 = TeamFactory(name="D1", parent=org), TeamFactory(name="D2", parent=org)
    a, b = TeamFactory(name="A", parent=d1), TeamFactory(name="B", parent=d2)
    cycle = run_cycle([(a, [{}] * 5), (b, [{}] * 5)])
    scores_aggregate(cycle_id=cycle.id)
    services.cycle_publish(cycle_id=cycle.id)
    assert GroupScore.objects.filter(team=a, shown=True).exists()
    users = {
        "anonymous": None,
        "member": UserFactory(username="charlie@example.com"),
        "manager_a": manager_of(a, email="alice@example.com")[0],
        "manager_b": manager_of(b, email="bob@example.com")[0],
        "leader": manager_of(d1, email="lee@example.com", role=Person.Role.LEADER)[0],
        "admin": manager_of(org, email="ada@example.com", role=Person.Role.ADMIN)[0],
    }
    PersonFactory(email="charlie@example.com", team=a, user=users["member"])
    person = a.members.first()
    schedule = CycleSchedule.objects.create(
        name="S", template=SurveyTemplate.objects.first(), first_opens_at=cycle.opens_at
    )
    token = ApiToken.objects.create(name="t", prefix="x", token_hash="0" * 64)
    question = Question.objects.filter(kind=Question.Kind.COMMENT).first()
    comment = Comment.objects.create(cycle=cycle, team=a, question=question, text="Too many priorities")
    thread = Thread.objects.create(comment=comment, key_hash=b"\x01" * 32)
    message = Message.objects.create(thread=thread, position=1, side="author", text="Hello", day=cycle.opens_at)
    german = QuestionTranslation.objects.create(question=Question.objects.first(), language="de", text="Eine Frage")
    kwargs = {
        "surveys:invitation": {"token": "not-a-real-token"},
        "surveys:manage_team": {"team_id": a.id},
        "surveys:manage_person": {"person_id": person.id},
        "surveys:manage_person_login": {"person_id": person.id},
        "surveys:manage_question": {"question_id": Question.objects.first().id},
        "surveys:manage_question_translation_new": {"question_id": Question.objects.first().id},
        "surveys:manage_question_translation": {
            "question_id": Question.objects.first().id,
            "translation_id": german.id,
        },
        "surveys:manage_template": {"template_id": SurveyTemplate.objects.first().id},
        "surveys:manage_template_preview": {"template_id": SurveyTemplate.objects.first().id},
        "surveys:manage_schedule": {"schedule_id": schedule.id},
        "surveys:manage_cycle": {"cycle_id": cycle.id},
        "surveys:manage_cycle_action": {"cycle_id": cycle.id, "action": "close"},
        "feedback:team_report": {"team_id": a.id},
        "feedback:action_add": {"team_id": a.id, "cycle_id": cycle.id},
        "feedback:team_results": {"key": team_results_key(team_id=a.id)},
        "feedback:manage_api_token_revoke": {"token_id": token.id},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "conversations:comments_export": {"team_id": a.id},
        "conversations:api_team_comments": {"team_id": a.id},
        "conversations:thread": {"comment_id": comment.id},
        "conversations:reply": {"comment_id": comment.id},
        "conversations:acknowledge": {"comment_id": comment.id},
        "conversations:close": {"comment_id": comment.id},
        "conversations:hide": {"comment_id": comment.id, "message_id": message.id},
        "scim:user": {"person_id": str(person.id)},
        "scim:group": {"team_id": str(a.id)},
        "scim:resource_type": {"name": "User"},
        "scim:schema": {"name": "urn:ietf:params:scim:schemas:core:2.0:User"},
    }
    return {"users": users, "kwargs": kwargs, "cycle": cycle}
