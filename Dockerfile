# syntax=docker/dockerfile:1
# Nexus Core Clinic: one image, process types web | worker | scheduler | background | migrate
# (scripts/entrypoint). Build: docker build -t ncc . ; see docs/deploy.md for Cloud Run.

ARG PYTHON_IMAGE=python:3.13-slim-bookworm

# --- build: the locked dependencies into /app/.venv, then the static files -------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.9
# Dependencies first: this layer is rebuilt only when pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project --python /usr/local/bin/python3
COPY . .
# collectstatic runs with the production storage (hashed, compressed files for WhiteNoise). The
# key below exists only for this build step; the service gets its own from Secret Manager.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-runtime-secret-0000000000000000000000 \
    /app/.venv/bin/python manage.py collectstatic --no-input -v0 \
 && rm -rf var/*.sqlite3*

# --- runtime: slim, no build tools, not root -------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    DEBUG=false \
    PORT=8080
RUN groupadd --system --gid 10001 ncc \
 && useradd --system --uid 10001 --gid ncc --home-dir /app --no-create-home --shell /usr/sbin/nologin ncc
WORKDIR /app
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
EXPOSE 8080
# Cloud Run probes /healthz (liveness) and /readyz (startup); see deploy/web.yaml.
ENTRYPOINT ["scripts/entrypoint"]
CMD ["web"]
