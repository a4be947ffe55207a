"""Counting attempts in the cache (Redis in production) for lockouts and guessing limits.

An attempt is counted when it starts, with an atomic increment, so a burst of simultaneous attempts cannot
all slip through before the first is recorded; one that turns out to be legitimate is given back. The window
is fixed: it starts with the first counted attempt.
"""

import contextlib
import re

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.utils.crypto import salted_hmac

RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|m|h|d)\s*$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_parse(text: str) -> tuple[int, int]:
    """Return (attempts, window seconds) for a rate such as "20/h"; raise ValueError for anything else."""
    match = RATE.match(text)
    if not match:
        raise ValueError(f"a rate is a number of attempts per s, m, h or d, such as 20/h; got {text!r}")
    return int(match.group(1)), SECONDS[match.group(2)]


def attempts_key(scope: str, who: str) -> str:
    """Return the cache key for `who`'s attempts: an HMAC under the secret key, so whoever reads the cache can
    neither read a login or an address in it nor find one by hashing guesses (an unkeyed hash of an IPv4
    address is undone by trying them all)."""
    return f"align:attempts:{scope}:" + salted_hmac("align.attempts", f"{scope}:{who}", algorithm="sha256").hexdigest()


def attempt_start(key: str, *, limit: int, seconds: int) -> bool:
    """Count an attempt; return whether it is within the limit of `limit` per window of `seconds`."""
    cache.add(key, 0, timeout=seconds)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, timeout=seconds)
        attempts = 1
    return attempts <= limit


def attempt_refund(key: str) -> None:
    """Give back an attempt that turned out to be legitimate."""
    with contextlib.suppress(ValueError):  # the window has ended: nothing to give back
        cache.decr(key)


@checks.register(checks.Tags.security)
def guess_rate_check(app_configs, **kwargs):
    """Refuse to start with an ALIGN_TOKEN_GUESS_RATE or ALIGN_CONVERSATION_KEY_RATE that every link opening
    would fail on."""
    errors = []
    for name in ("ALIGN_TOKEN_GUESS_RATE", "ALIGN_CONVERSATION_KEY_RATE"):
        try:
            rate_parse(getattr(settings, name))
        except ValueError as error:
            errors.append(checks.Error(str(error), id="align.E001", obj=name))
    return errors
