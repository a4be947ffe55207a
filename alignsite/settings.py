"""Align's only settings file: every value comes from the environment (documented in .env.example).

With no environment at all Align runs on its embedded default: a SQLite file, Celery on kombu's filesystem
transport and no Redis, all kept under ALIGN_DATA_DIR. DATABASE_URL switches to PostgreSQL; REDIS_URL makes
Redis the broker, cache and result backend.
"""

import re
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from .environment import StrictEnv, secret_key_of

CRONTAB_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")

BASE_DIR = Path(__file__).resolve().parent.parent
env = StrictEnv()

DATA_DIR = Path(env.str("ALIGN_DATA_DIR", default=str(BASE_DIR / "var")))
EMBEDDED = "DATABASE_URL" not in env
DATA_DIR.mkdir(parents=True, exist_ok=True)

# The embedded default is the demo, so it runs with DEBUG; anything with a real database is production-like
# and must say DEBUG=true to get it.
DEBUG = env.bool("DEBUG", default=EMBEDDED)
# No secret has a default outside DEBUG.
# With DEBUG and no SECRET_KEY (the demo), a key of the data directory's own, made on first use.
SECRET_KEY = env.str("SECRET_KEY") if not DEBUG else env.str("SECRET_KEY", default="") or secret_key_of(DATA_DIR)
# Keys replaced, comma-separated: still accepted for sessions, signed links and an open cycle's sealed comments.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where links in emails point (invitations): the public address of this site, without a trailing slash.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ORGANISATION_NAME = env.str("ALIGN_ORGANISATION_NAME", default="Align demo organisation")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "surveys",
    "feedback",
    "conversations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common (Django's order): the language from the language cookie set by the switcher
    # (alignsite.views.language_choose), else the browser's Accept-Language, else LANGUAGE_CODE.
    # https://docs.djangoproject.com/en/5.2/topics/i18n/translation/#how-django-discovers-language-preference
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "alignsite.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "alignsite.urls"
WSGI_APPLICATION = "alignsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "alignsite" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'align.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside the writer, IMMEDIATE transactions
    # take the write lock up front instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Django's default (None) turns psycopg's prepared statements off altogether. Here only the statements
    # asked for by name are prepared (the survey submit's, surveys/services/answering.py): the threshold for
    # preparing any other is never reached. Off (false) behind a transaction-mode pooler that cannot keep
    # them, such as pgbouncer before 1.21.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# The survey page's question markup (the same for everyone of a cycle in a language) is cached in each process's
# memory, never in Redis or on disk: a shared entry's creation time and expiry would tell a reader of either when
# someone first opened the survey in a language, and a cycle may invite one reader of that language.
CACHES["survey-markup"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "survey-markup"}

# Sessions in the database under a hash of their key: a copy of the database logs nobody in (alignsite.sessions).
SESSION_ENGINE = "alignsite.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Container healthchecks call /healthz over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# same-origin: no other site ever learns an Align URL, while our own forms still get a real Origin header
# (under no-referrer browsers send `Origin: null` and CSRF protection refuses every POST). The pages that
# hold or follow an invitation token send no-referrer (surveys.views.survey).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts only from this site (no inline script anywhere; chart data
# travels in JSON script elements, which are not executed). Styles allow inline because plotly.js styles its
# SVG charts with style attributes. https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "feedback:home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on through the company's OpenID Connect provider (surveys.sso, mozilla-django-oidc), on when
# OIDC_RP_CLIENT_ID is set. The provider's values are in its <issuer>/.well-known/openid-configuration.
# https://mozilla-django-oidc.readthedocs.io/en/stable/settings.html
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
_SSO_REQUIRED = ("OIDC_RP_CLIENT_SECRET", "OIDC_OP_ISSUER", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT")
_SSO_REQUIRED += ("OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT")
_sso_missing = [name for name in _SSO_REQUIRED if OIDC_RP_CLIENT_ID and not globals()[name]]
if _sso_missing:
    raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set, so single sign-on also needs {', '.join(_sso_missing)}.")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = "openid email"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_STORE_ID_TOKEN = bool(OIDC_OP_LOGOUT_ENDPOINT)  # sent back as id_token_hint when logging out
# The sign-in button's and the log-out button's forms are answered by redirects to the provider, and browsers
# hold a form's redirects to the Content-Security-Policy's form-action: the provider's origins are added.
for _name in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_LOGOUT_ENDPOINT"):
    if globals()[_name]:
        _origin = re.match(r"^https?://[^/?#]+", globals()[_name], re.IGNORECASE)
        if _origin is None:
            raise ImproperlyConfigured(f"{_name}={globals()[_name]!r} is not an absolute http(s) URL.")
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_origin.group(0))
LOGIN_REDIRECT_URL_FAILURE = "login"
ALIGN_SSO_PROVIDER_NAME = env.str("ALIGN_SSO_PROVIDER_NAME", default="your company account")
# false: no password login anywhere (login page, Django admin, API, password reset); needs single sign-on.
ALIGN_PASSWORD_LOGIN = env.bool("ALIGN_PASSWORD_LOGIN", default=True)
if not ALIGN_PASSWORD_LOGIN and not OIDC_RP_CLIENT_ID:
    raise ImproperlyConfigured("ALIGN_PASSWORD_LOGIN=false needs single sign-on (OIDC_RP_CLIENT_ID and the rest).")
AUTHENTICATION_BACKENDS = [
    *(["surveys.logins.AddressModelBackend"] if ALIGN_PASSWORD_LOGIN else []),
    *(["surveys.sso.AlignOIDCBackend"] if OIDC_RP_CLIENT_ID else []),
]

# What respondents and members can read Align in: their pages, emails and Slack messages (manage, reports and
# the dashboard are English). Named in their own language by the switcher. Catalogues in locale/, compiled .mo
# files committed (`make run` needs no GNU gettext).
LANGUAGES = [("en-gb", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
# The organisation's default, for people without a language of their own and browsers asking for none of these,
# and the language of the questions' own texts (the bank is English): not a setting until a question says its
# own language.
LANGUAGE_CODE = "en-gb"
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's choice stays on the device, in this cookie only: no row, nothing tied to a person or a response.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "alignsite" / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "alignsite.static_finders.PackageFileFinder",  # plotly.js from the plotly package
]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Email. Outside DEBUG there is no default: a console backend in production would print invitation links
# (which carry tokens) into the logs. https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
EMAIL_CONFIG = env.email_url("EMAIL_URL") if not DEBUG else env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)  # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ...
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F821 - set just above
    # Printed emails land in logs: their credential links are redacted and reminders withheld (alignsite.mail).
    EMAIL_BACKEND = "alignsite.mail.RedactingConsoleBackend"
# Every email leaves through MailDomainsBackend (domains in IDNA 2008 A-labels), which hands it to this one.
ALIGN_EMAIL_BACKEND = EMAIL_BACKEND
EMAIL_BACKEND = "alignsite.mail.MailDomainsBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Align <align@localhost>")

# Slack delivery (surveys.slack): a Slack app's bot token turns it on. https://docs.slack.dev/authentication/tokens
SLACK_BOT_TOKEN = env.str("SLACK_BOT_TOKEN", default="")
# Reserved for requests Slack sends to Align (none yet); required with the token so an app is connected whole.
SLACK_SIGNING_SECRET = env.str("SLACK_SIGNING_SECRET", default="")
SLACK_API_URL = env.str("SLACK_API_URL", default="https://slack.com/api/").rstrip("/") + "/"
# How often one Slack call waits out an HTTP 429 (its Retry-After) before the send fails and is retried later.
SLACK_RATE_LIMIT_RETRIES = env.int("SLACK_RATE_LIMIT_RETRIES", default=5)
if SLACK_BOT_TOKEN and not SLACK_BOT_TOKEN.startswith("xoxb-"):
    raise ImproperlyConfigured("SLACK_BOT_TOKEN must be a bot token (xoxb-...), from the Slack app's OAuth page.")
if SLACK_BOT_TOKEN and not SLACK_SIGNING_SECRET:
    raise ImproperlyConfigured("SLACK_SIGNING_SECRET must be set with SLACK_BOT_TOKEN (the app's Basic Information).")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "feedback.api_parsers.JsonParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Align API",
    "DESCRIPTION": "Metric ingestion and read endpoints of Align. Authenticate with `Authorization: Bearer <token>` "
    "using an ingestion token an admin created.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"RollupEnum": "feedback.models.MetricDefinition.Rollup"},
}
# Batches of thousands of metric values fit; anything larger is refused with 400 before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Guessing invitation links: unknown tokens a client may try before it is refused for the window, e.g. 20/h.
# Behind a reverse proxy that overwrites a header with the peer's address, name that header as Django sees it
# (e.g. HTTP_X_REAL_IP). How the client address is chosen when the header is missing or not one IP address:
# alignsite.client_address. The limit is kept in the cache under a hash, never the address itself.
ALIGN_TOKEN_GUESS_RATE = env.str("ALIGN_TOKEN_GUESS_RATE", default="20/h")
# Unrecognised conversation keys per client address. Higher: an author who opens their link before the survey
# closes gets "no conversation yet" (Align cannot tell that from a wrong key), and many authors may share an
# office's address; a 256-bit key is not guessed at any rate.
ALIGN_CONVERSATION_KEY_RATE = env.str("ALIGN_CONVERSATION_KEY_RATE", default="200/h")
ALIGN_CLIENT_IP_META_KEY = env.str("ALIGN_CLIENT_IP_META_KEY", default="REMOTE_ADDR")
if ALIGN_CLIENT_IP_META_KEY != "REMOTE_ADDR" and not re.fullmatch(r"HTTP_[A-Z0-9_]+", ALIGN_CLIENT_IP_META_KEY):
    # "X-Real-IP" or "" names no META key, so the header would never be read: fail now, not at each request.
    raise ImproperlyConfigured(
        f"ALIGN_CLIENT_IP_META_KEY={ALIGN_CLIENT_IP_META_KEY!r} is neither REMOTE_ADDR nor a request header as "
        "Django names it (HTTP_ and the header in capitals with underscores, e.g. HTTP_X_REAL_IP)."
    )
# Failed logins allowed per login name before it is locked, and for how long (surveys.views.accounts).
ALIGN_LOGIN_FAILURES = env.int("ALIGN_LOGIN_FAILURES", default=5)
ALIGN_LOGIN_LOCKOUT_MINUTES = env.int("ALIGN_LOGIN_LOCKOUT_MINUTES", default=15)

# Celery (DESIGN.md §7). https://docs.celeryq.dev/en/stable/userguide/configuration.html
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # Redis re-delivers an unacknowledged task after visibility_timeout; every time limit stays below it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    BROKER_DIR = DATA_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{DATA_DIR / 'results'}"
    # kombu and the file result backend expect their folders to exist.
    for folder in ("queue", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    (DATA_DIR / "results").mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How often beat asks "is a cycle due to open or close?"; tests shorten it.
ALIGN_TICK_SECONDS = env.int("ALIGN_TICK_SECONDS", default=60)
# Headless Chromium prints reports to PDF (Debian: apt-get install chromium).
ALIGN_CHROMIUM_PATH = env.str("ALIGN_CHROMIUM_PATH", default="/usr/bin/chromium")
# The weekly leadership digest, as a crontab line in TIME_ZONE (default: Mondays at 07:00).
ALIGN_DIGEST_CRON = env.str("ALIGN_DIGEST_CRON", default="0 7 * * 1")
try:
    ALIGN_DIGEST_SCHEDULE = crontab(**dict(zip(CRONTAB_FIELDS, ALIGN_DIGEST_CRON.split(), strict=True)))
except (ValueError, TypeError) as error:
    raise ImproperlyConfigured(f"ALIGN_DIGEST_CRON must be five crontab fields: {error}") from error
CELERY_BEAT_SCHEDULE = {
    "cycles-tick": {"task": "surveys.tasks.cycles_tick_task", "schedule": float(ALIGN_TICK_SECONDS)},
    "dora-sweep": {"task": "feedback.tasks.dora_sweep_task", "schedule": float(ALIGN_TICK_SECONDS)},
    "leadership-digest": {"task": "feedback.tasks.digests_send_task", "schedule": ALIGN_DIGEST_SCHEDULE},
}
# Delivery events arriving within this many seconds for one team are recomputed together.
ALIGN_DORA_DEBOUNCE_SECONDS = env.int("ALIGN_DORA_DEBOUNCE_SECONDS", default=30)
# New scores or metric values within this many seconds share one correlation refresh.
ALIGN_CORRELATION_DEBOUNCE_SECONDS = env.int("ALIGN_CORRELATION_DEBOUNCE_SECONDS", default=300)
# GitHub webhook: the secret it signs bodies with (X-Hub-Signature-256); unset, the endpoint answers 503.
GITHUB_WEBHOOK_SECRET = env.str("GITHUB_WEBHOOK_SECRET", default="")
ALIGN_PRODUCTION_ENVIRONMENTS = env.list("ALIGN_PRODUCTION_ENVIRONMENTS", default=["production", "prod"])
ALIGN_INCIDENT_LABELS = env.list("ALIGN_INCIDENT_LABELS", default=["incident"])
# A task delivered this many times (its worker process died each time) ends as failed instead of looping forever.
ALIGN_TASK_MAX_DELIVERIES = env.int("ALIGN_TASK_MAX_DELIVERIES", default=3)
ALIGN_INVITATION_BATCH_SIZE = env.int("ALIGN_INVITATION_BATCH_SIZE", default=200)
# The least time a reminder spends on each invitation, answered or not, so a batch's run time does not count
# the reminders it sent (surveys.services.invitations.reminders_send_batch). About one email's hand-over.
ALIGN_REMINDER_STEP_SECONDS = env.float("ALIGN_REMINDER_STEP_SECONDS", default=0.05)
# Fewest respondents a group needs before its comments are shown, where higher than the cycle's reporting
# threshold (words identify people more easily than scores). 0: the cycle's threshold.
ALIGN_COMMENT_THRESHOLD = env.int("ALIGN_COMMENT_THRESHOLD", default=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "alignsite.log_redaction.RedactTokensFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own loggers keep the unfiltered console handler of its default configuration (printing when
        # DEBUG is on, as in the demo) unless given ours: every line then goes through the redacting handler.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # runserver's access log: routed through the same redacting handler.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
