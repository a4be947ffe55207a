"""Settings of the peer project: django-survey-and-report mounted at /survey/, as its documentation sets it up
(Django's startproject middleware, database sessions), on the PostgreSQL of DATABASE_URL with the same
persistent connections as Align (CONN_MAX_AGE 60 and health checks), DEBUG off."""

import environ

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "survey",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench.peer_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's default is autocommit, which the peer's documentation keeps: each of a submit's inserts commits on
# its own. BENCH_PEER_ATOMIC=1 gives the peer one transaction per request instead (a tuning in its favour).
DATABASES["default"]["ATOMIC_REQUESTS"] = env.bool("BENCH_PEER_ATOMIC", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "/static/"
LOGIN_URL = "/admin/login/"
# Plain HTTP on loopback, as Align is served in the benchmark.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
