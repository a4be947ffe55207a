import io
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


def test_every_handler_of_every_logger_redacts_tokens():
    # pytest adds its own capturing handlers (not StreamHandler itself); every other handler on any logger —
    # Django's default console handler on "django" included, which prints when DEBUG is on — must redact.
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    configured = [h for logger in loggers for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    configured = [h for h in configured if type(h).__module__.startswith(("logging", "django"))]
    assert len(configured) >= 2
    for handler in configured:
        assert any(isinstance(f, RedactTokensFilter) for f in handler.filters), handler


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (
            '"GET /accounts/reset/MQ/cfz1r2-0a1b2c3d4e5f/ HTTP/1.1" 302',
            '"GET /accounts/reset/MQ/[redacted]/ HTTP/1.1" 302',
        ),
        ('"GET /accounts/reset/MQ/set-password/ HTTP/1.1" 200', '"GET /accounts/reset/MQ/set-password/ HTTP/1.1" 200'),
        ("Not Found: /reports/results/eyJ0ZWFtIjo1fQ:1tX:abc/", "Not Found: /reports/results/[redacted]/"),
        (
            '"GET /survey/thanks/?results=eyJ0Ijo1fQ:1t:x HTTP/1.1" 200',
            '"GET /survey/thanks/?results=[redacted] HTTP/1.1" 200',
        ),
        (
            "https://align.example.com/s/abc_DEF-123/ and /s/x/",
            "https://align.example.com/s/[redacted]/ and /s/[redacted]/",
        ),
        ('"HEAD /%73/abcDEF/ HTTP/1.1" 405', '"HEAD /s/[redacted]/ HTTP/1.1" 405'),
        ("Not Found: /reports/results%2Fkey123/", "Not Found: /reports/results/[redacted]/"),
    ],
)
def test_every_kind_of_credential_link_is_redacted(line, shown):
    assert redact(line) == shown


def test_a_finished_task_is_logged_without_its_run_time_or_result():
    # A reminder batch's run time says how many emails it sent: how many had not answered.
    args = {"name": "surveys.tasks.reminders_send_task", "id": "abc", "runtime": 1.25, "return_value": 3}
    record = logging.LogRecord("celery.app.trace", logging.INFO, __file__, 1, "Task %(name)s succeeded", args, None)
    RedactTokensFilter().filter(record)
    assert record.getMessage() == "Task surveys.tasks.reminders_send_task[abc] succeeded"


def test_the_demo_console_prints_emails_without_credentials_and_withholds_reminders(settings):
    # given: the demo's console backend printing into a buffer, and one invitation of an open cycle
    from alignsite.mail import RedactingConsoleBackend
    from surveys.emails import login_granted_email_send, survey_link_message
    from tests.factories import UserFactory

    assert settings.EMAIL_BACKEND != "django.core.mail.backends.console.EmailBackend"  # tests use memory
    printed = io.StringIO()
    backend = RedactingConsoleBackend(stream=printed)
    team = TeamFactory()
    PersonFactory.create_batch(5, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    invitation = Invitation.objects.select_related("person", "cycle").filter(cycle=cycle).first()
    token = services.invitation_link_issue(invitation_id=invitation.id)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = UserFactory()
    login_granted_email_send(user_id=user.pk)
    from django.core import mail

    grant = mail.outbox[-1]
    # when: an invitation, a reminder and a login grant are printed
    backend.send_messages([survey_link_message(invitation=invitation, token=token)])
    backend.send_messages([survey_link_message(invitation=invitation, token=token, reminder=True)])
    backend.send_messages([grant])
    # then: the invitation and the grant are shown without their links' credentials; the reminder not at all
    text = printed.getvalue()
    assert "/s/[redacted]/" in text and token not in text
    assert "/accounts/reset/" in text and grant.body.split("/accounts/reset/")[1].split("/")[1] not in text
    assert "Reminder:" not in text and "not answered yet" not in text
    assert text.count("Subject:") == 2


def test_the_console_backend_the_settings_pick_for_consolemail_is_the_redacting_one(monkeypatch):
    import subprocess
    import sys

    script = "import django; django.setup(); from django.conf import settings; print(settings.ALIGN_EMAIL_BACKEND)"
    env = {"EMAIL_URL": "consolemail://", "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "alignsite.settings"}
    found = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "alignsite.mail.RedactingConsoleBackend"
