"""Keep credentials and participation out of every log line (DESIGN.md §3.2, §3.6).

Every link that carries a credential — an invitation link, a password-setting link (a password reset or a
new login's grant), a team's results key — is redacted wherever it appears in a message. Celery's line for a
finished task loses its run time and return value: how long a reminder batch took says how many emails it
sent, and so roughly how many people had not answered.
"""

import logging
import re
from urllib.parse import unquote

# What follows each of these, up to the next slash, space, quote, ampersand or `#`, is a credential.
CREDENTIAL_IN_URL = re.compile(
    r"""(/s/|/accounts/reset/[^/\s"'?&#]+/|/reports/results/|[?&]results=)(?!set-password/)[^/\s"'?&#]+"""
)
REDACTED = r"\1[redacted]"
TASK_SUCCEEDED = "Task %(name)s[%(id)s] succeeded"


def redact(text: str) -> str:
    """Return text with every credential in a link replaced by [redacted], percent-encoded spellings too (a
    server log prints the request line as sent: `/%73/<token>/` reaches the same view as `/s/<token>/`)."""
    cleaned = CREDENTIAL_IN_URL.sub(REDACTED, text)
    if "%" in cleaned:
        decoded = unquote(cleaned)
        if CREDENTIAL_IN_URL.search(decoded):
            cleaned = CREDENTIAL_IN_URL.sub(REDACTED, decoded)
    return cleaned


# Pages of people Align must not know: respondents (invitation links, the survey) and comments' authors. A
# request line or a 4xx warning of theirs, with its time, would say when someone answered or wrote.
ANONYMOUS_PATH = re.compile(r"/(s/|survey/|conversations/(open/|mine/|$|\?|#))")
SERVER_REQUEST_PATH = re.compile(r'^"[A-Z]+ (\S+)')


def _anonymous(record: logging.LogRecord) -> bool:
    """Return whether a record is a web server's line, or a 4xx warning, about an anonymous person's request."""
    if record.name == "django.request" and record.levelno < logging.ERROR:
        path = getattr(getattr(record, "request", None), "path", "")
    elif record.name == "django.server":
        match = SERVER_REQUEST_PATH.match(record.getMessage())
        path = match.group(1) if match else ""
    else:
        return False
    return bool(ANONYMOUS_PATH.match(unquote(path)))


class RedactTokensFilter(logging.Filter):
    """Rewrite a record's message so no handler ever sees a credential or a task's run time, and drop the
    request lines and 4xx warnings of anonymous people's pages (errors, 5xx, stay: they are bugs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _anonymous(record):
            return False
        if record.name == "celery.app.trace" and isinstance(record.args, dict) and "runtime" in record.args:
            record.msg, record.args = TASK_SUCCEEDED, {"name": record.args["name"], "id": record.args["id"]}
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        # Django's request loggers attach the request; formatters that print it must not see the path.
        request = getattr(record, "request", None)
        if request is not None and CREDENTIAL_IN_URL.search(getattr(request, "get_full_path", lambda: "")()):
            record.request = None
        return True
