import logging

import pytest
from django.urls import reverse

from alignsite.log_redaction import RedactTokensFilter, redact
from surveys import services
from surveys.models import Invitation
from tests.factories import CycleFactory, PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_redaction_removes_the_token_from_an_invitation_path():
    assert redact('"GET /s/abcDEF_123-xyz/ HTTP/1.1" 302') == '"GET /s/[redacted]/ HTTP/1.1" 302'


def test_the_filter_rewrites_formatted_messages():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/s/secret/",), None)
    RedactTokensFilter().filter(record)
    assert record.getMessage() == "Not Found: /s/[redacted]/"


def test_a_whole_answer_flow_logs_no_token(client, caplog):
    # given: an invitation with a known token, and every logger recording through the project's filter
    team = TeamFactory()
    PersonFactory.create_batch(5, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    invitation = Invitation.objects.filter(cycle=cycle).first()
    token = services.invitation_link_issue(invitation_id=invitation.id)
    caplog.handler.addFilter(RedactTokensFilter())
    caplog.set_level(logging.DEBUG)
    # when: the link is opened, a bad and a good token are tried, the form is submitted with errors
    client.get(f"/s/{token}/")
    client.get(f"/s/{token}x/")
    client.post(reverse("surveys:answer"), {"q1": "99"})
    # then
    assert caplog.records, "expected the flow to log something"
    assert token not in caplog.text


def test_every_handler_the_settings_configure_redacts_tokens():
    # pytest adds its own capturing handlers; ours are the plain StreamHandlers from settings.LOGGING.
    handlers = logging.getLogger().handlers + logging.getLogger("django.server").handlers
    configured = [h for h in handlers if type(h) is logging.StreamHandler]
    assert len(configured) >= 2
    for handler in configured:
        assert any(isinstance(f, RedactTokensFilter) for f in handler.filters), handler
