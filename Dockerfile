# One image for every role in docker-compose.yml: web (gunicorn), worker and beat (Celery), migrate.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    PRIVATE_MEDIA_ROOT=/app/private

WORKDIR /app

# GNU gettext compiles the translation catalogues (the .mo files are built, never committed).
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*

# The lock first, so that a code change does not reinstall the dependencies.
COPY requirements/run.lock requirements/run.lock
RUN pip install -r requirements/run.lock

RUN groupadd --system app && useradd --system --gid app --home-dir /app --no-create-home app

# The code stays owned by root and read-only to the app; only var/, media/ and private/ are writable
# (media/ and private/ are volumes in docker-compose.yml, and a fresh named volume takes its folder's owner).
COPY . .
RUN mkdir -p "$VAR_DIR" "$MEDIA_ROOT" "$PRIVATE_MEDIA_ROOT" \
    && SECRET_KEY=build-only-key-never-used-at-run-time-0123456789abcdef DEBUG=false \
       python manage.py build_gazetteer \
    && chown -R app:app "$VAR_DIR" "$MEDIA_ROOT" "$PRIVATE_MEDIA_ROOT"

# Hashed, compressed static files are part of the image, so every web replica serves the same manifest.
# The key only satisfies the settings' production checks; nothing is signed at build time.
RUN SECRET_KEY=build-only-key-never-used-at-run-time-0123456789abcdef DEBUG=false VAR_DIR=/tmp/build-var \
    sh -c "python manage.py compilemessages --ignore=.venv && python manage.py collectstatic --noinput" \
    && rm -rf /tmp/build-var

USER app
EXPOSE 8000
# Worker class, workers and threads: gunicorn.conf.py (WEB_WORKER_CLASS, WEB_CONCURRENCY, WEB_THREADS).
CMD ["gunicorn", "--config=gunicorn.conf.py"]
