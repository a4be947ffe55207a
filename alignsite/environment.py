"""Strict reading of the environment: a value that does not parse stops the process with its name."""

import math

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


class StrictEnv(environ.Env):
    """django-environ, except that a boolean or number that does not parse is an error, not False."""

    def bool(self, var, default=environ.Env.NOTSET):
        raw = self.str(var, default=None) if default is not environ.Env.NOTSET else self.str(var)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(f"{var}={raw!r} is not a boolean: use one of true/false, yes/no, on/off, 1/0.")

    def int(self, var, default=environ.Env.NOTSET):
        raw = self.str(var, default=None) if default is not environ.Env.NOTSET else self.str(var)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{var}={raw!r} is not a whole number.") from None

    def float(self, var, default=environ.Env.NOTSET):
        raw = self.str(var, default=None) if default is not environ.Env.NOTSET else self.str(var)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{var}={raw!r} is not a number.") from None
        if not math.isfinite(value):
            raise ImproperlyConfigured(f"{var}={raw!r} is not a finite number.")
        return value


def secret_key_of(data_dir) -> str:
    """Return the data directory's own secret key, made on first use (readable by its owner only).

    The embedded default runs without a SECRET_KEY; a key everyone knows would let anyone with the database
    file compute which invitation each answered marker belongs to, and sign survey cookies.
    """
    import secrets
    from pathlib import Path

    path = Path(data_dir) / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()
