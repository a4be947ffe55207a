"""Schemathesis against the OpenAPI schema, as every kind of caller: no 5xx, and responses match the schema.

Every generated request (valid and invalid bodies, odd query strings) is sent once per role — an anonymous
caller, a logged-in member, a team manager, a leader, an admin (session, with CSRF), a machine with an
ingestion token and one with a revoked token — through the WSGI application, in this test's transaction.
"""

from datetime import date

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import wsgi
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from feedback.models import MetricDefinition, MetricValue
from feedback.services.api_tokens import api_token_create, api_token_revoke
from surveys.models import Person
from tests.factories import TeamFactory, UserFactory, manager_of

pytestmark = pytest.mark.django_db
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
CSRF_SECRET = "a" * 32  # a bare secret is a valid token when it equals the cookie's
# Reads of what people wrote: open to logins within their report's scope (404 outside it), never to tokens.
READ_BY_LOGINS = {"/api/v1/teams/{team_id}/comments/"}


# The schema the API serves at /api/schema/, generated the same way; requests go to the WSGI application.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


@pytest.fixture
def wsgi_in_transaction(settings):
    """Let WSGI requests use this test's transaction, as Django's test client does."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, wsgi.HOST]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def callers(db):
    """Request headers per role, and some data for the reads to return."""
    org = TeamFactory(name="Org")
    team = TeamFactory(name="Payments", parent=org)
    metric = MetricDefinition.objects.create(key="fuzz-revenue", name="Revenue (fuzz)", category="business")
    week = {"period_start": date(2026, 1, 5), "period_end": date(2026, 1, 11)}
    MetricValue.objects.create(metric=metric, team=team, value=10.5, **week)
    admin = manager_of(org, email="ada@example.com", role=Person.Role.ADMIN)[0]
    _, ingest = api_token_create(name="ci", created_by=admin)
    revoked_token, revoked = api_token_create(name="old", created_by=admin)
    api_token_revoke(token_id=revoked_token.id)

    def session(user, *, csrf=False):
        client = Client()
        client.force_login(user)
        cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
        # An empty Authorization header replaces any generated one, so the session is what authenticates.
        headers = {"Authorization": ""}
        if csrf:
            cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
            headers["X-CSRFToken"] = CSRF_SECRET
        return {"cookies": cookies, "headers": headers}

    return {
        "anonymous": {},  # keyword arguments of the call; the case's generated credentials, if any, stay
        "member": session(UserFactory(username="charlie@example.com")),
        "manager": session(manager_of(team, email="alice@example.com")[0]),
        "leader": session(manager_of(org, email="lee@example.com", role=Person.Role.LEADER)[0]),
        "admin": session(admin, csrf=True),
        "ingest token": {"headers": {"Authorization": f"Bearer {ingest}"}},
        "revoked token": {"headers": {"Authorization": f"Bearer {revoked}"}},
    }


@schema.parametrize()
@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
def test_every_operation_as_every_caller_answers_without_5xx_and_as_documented(case, callers, wsgi_in_transaction):
    statuses, bodies = {}, {}
    for role, credentials in callers.items():
        response = case.call_and_validate(checks=CHECKS, **credentials)
        statuses[role] = response.status_code
        bodies[role] = response.content[:300]
    if case.operation.path in READ_BY_LOGINS:
        # what people wrote: no machine, and nobody without a login or outside the scope, gets it; logins get
        # past authentication to their scope's 404 or the page
        for role in ["anonymous", "member", "ingest token", "revoked token"]:
            assert not 200 <= statuses[role] < 300, (role, statuses, bodies[role])
        if case.method.upper() == "GET":
            for role in ["manager", "leader", "admin"]:
                assert statuses[role] not in (401, 403), (role, statuses)
        return
    # the roles are told apart: nobody without an ingestion token or an admin login gets anything done
    # (a body too malformed to check a session's CSRF token with gets its 400 before the 403)
    for role in ["anonymous", "member", "manager", "leader", "revoked token"]:
        assert not 200 <= statuses[role] < 300, (role, statuses, bodies[role])
    # and the callers allowed in get past authentication, so their requests reach parsing and validation
    for role in ["admin", "ingest token"]:
        assert statuses[role] not in (401, 403), (role, statuses)
