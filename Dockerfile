# The portal's image: one image for the web processes (the default command) and the worker
# (`flask --app portal worker`). See compose.yaml and README.md, "Running it for real".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORTAL_BIND=0.0.0.0:8000

WORKDIR /app

# The dependencies first, in a layer of their own: rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The portal itself. It runs from /app: templates, static files and migrations are read from
# here (gunicorn and flask put the working directory first on the import path). The message
# catalogs are compiled here, as `make install` does (the .mo files are not committed).
COPY . .
RUN pybabel compile -d portal/translations \
    && pip install --no-deps . \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /app/instance \
    && chown portal:portal /app/instance

# Never root: the portal writes only to /app/instance (uploads, the demo inbox, and the secret
# key when PORTAL_SECRET_KEY is unset; mount a volume there).
USER portal
VOLUME ["/app/instance"]
EXPOSE 8000
STOPSIGNAL SIGTERM

# gunicorn.conf.py: WEB_CONCURRENCY processes, graceful stop, no access log (the app logs).
CMD ["gunicorn", "--config", "/app/gunicorn.conf.py", "portal:create_app()"]
