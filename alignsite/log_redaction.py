"""Keep invitation tokens out of every log line (DESIGN.md §3.2)."""

import logging
import re

# An invitation link is /s/<token>/; anything after /s/ up to the next slash, space or quote is the token.
TOKEN_IN_PATH = re.compile(r"(/s/)[^/\s\"'?]+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    """Return text with every invitation token replaced by [redacted]."""
    return TOKEN_IN_PATH.sub(REDACTED, text)


class RedactTokensFilter(logging.Filter):
    """Rewrite a record's message so no handler ever sees an invitation token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        # Django's request loggers attach the request; formatters that print it must not see the path.
        request = getattr(record, "request", None)
        if request is not None and TOKEN_IN_PATH.search(getattr(request, "path", "")):
            record.request = None
        return True
