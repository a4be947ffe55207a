# Align: one image for web (gunicorn), worker and beat (celery).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Debian's Chromium prints reports to PDF (ALIGN_CHROMIUM_PATH); Playwright drives it, no browser download.
RUN apt-get update && apt-get install -y --no-install-recommends chromium && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 align
COPY pyproject.toml README.md ./
COPY alignsite ./alignsite
COPY surveys ./surveys
COPY feedback ./feedback
COPY conversations ./conversations
# The compiled catalogues (.mo) are committed: the image needs no GNU gettext.
COPY locale ./locale
COPY manage.py ./
RUN pip install . && mkdir -p /app/var && chown align /app/var
# collectstatic needs settings that import; these throwaway values never reach a running container.
RUN DATABASE_URL=sqlite:////tmp/build.sqlite3 SECRET_KEY=build-only EMAIL_URL=dummymail:// \
    ALIGN_DATA_DIR=/app/var python manage.py collectstatic --noinput
USER align
EXPOSE 8000
# No gunicorn access log: request paths can hold invitation tokens (DESIGN.md §3.2).
CMD ["gunicorn", "alignsite.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
