# One image for the web server, the Celery worker and celery beat (see docker-compose.yml).
FROM python:3.13-slim

# The project's modules run from the source tree in /app: pyproject.toml lists no packages,
# so `pip install .` installs the dependencies only.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# gettext: Django's makemessages/compilemessages (the compiled .mo files are committed).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# The processes run as this user. Its home holds the only writable state: celery beat's
# schedule (a volume in docker-compose.yml) and gunicorn's control socket.
RUN groupadd --system --gid 10001 selvhjelp \
    && useradd --system --uid 10001 --gid selvhjelp --home-dir /var/lib/selvhjelp \
        --shell /usr/sbin/nologin selvhjelp \
    && mkdir -p /var/lib/selvhjelp/beat \
    && chown -R selvhjelp:selvhjelp /var/lib/selvhjelp

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN pip install . && rm -rf build *.egg-info

COPY . .

# Static files for WhiteNoise, hashed and compressed. The settings refuse DEBUG=0 without a
# real-looking key and hosts: these exist only for this build step, never in the image's env.
RUN DEBUG=0 \
    SECRET_KEY=build-only-not-a-secret-collectstatic-needs-settings-that-load-0123456789 \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

USER selvhjelp
EXPOSE 8000
# The access log leaves out paths: an applicant's private link carries their token.
CMD ["gunicorn", "selvhjelp.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--access-logformat", "%(t)s \"%(m)s\" %(s)s %(B)s %(M)sms"]
