# Production image: the ASGI web app (daphne), the Celery worker and beat all run from it.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# curl: the container health check. (When WeasyPrint joins requirements/base.txt, add
# libpango-1.0-0 libpangoft2-1.0-0 and fonts here.)
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .

# Static files are baked into the image (served by WhiteNoise). Settings need some secret and
# database URL to load; these placeholders exist only during this step and reach nothing.
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=collectstatic-build-only \
    DATABASE_URL=postgres://build@localhost:5432/build \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin clinic \
    && mkdir -p /app/var/media \
    && chown -R clinic:clinic /app/var/media
USER clinic

EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "--access-log", "/dev/null", "config.asgi:application"]
