# Concertation's production image (docs/deploy.md). Two stages: the first builds the
# virtual environment, the second carries it with the code, runs as an unprivileged user and
# holds the collected static files. Migrations are a one-shot command of their own:
#   docker run --rm --env-file concertation.env concertation python manage.py migrate --noinput
# then the web servers (the default command) and the worker (python manage.py worker).

FROM python:3.13-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --requirement /tmp/requirements.txt

FROM python:3.13-slim-bookworm
# WeasyPrint's libraries (PDF reports, badges, certificates) and the fonts it lays out with.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system concertation \
    && useradd --system --gid concertation --home-dir /app --no-create-home concertation
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=concertation:concertation manage.py ./
COPY --chown=concertation:concertation concertation ./concertation
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    CONCERTATION_VAR_DIR=/app/var MEDIA_ROOT=/app/var/media PORT=8000
# The static files are part of the image; a build-time key only for this command. Each
# running container needs the deployment's SECRET_KEY (without it, each would make its own
# and a session opened on one server would not be read by another).
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var/media && chown -R concertation:concertation /app/var
USER concertation
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"]
CMD ["sh", "-c", "exec gunicorn concertation.wsgi --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-2} --access-logfile -"]
