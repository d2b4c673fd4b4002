# The reference dispatch backend (Open311 GeoReport v2). A city with its own system sets DISPATCH_URL
# and DISPATCH_API_KEY instead and does not run this image.
# Build from the repository root:
#   docker build --platform linux/amd64 -f deploy/docker/dispatch-backend.Dockerfile -t REGISTRY/chat-12345/dispatch-backend:TAG .

# The same first stage in every image, so one builder's cache makes it one shared layer.
FROM python:3.10-slim AS venv
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt ./
RUN python -m venv .venv \
 && .venv/bin/pip install 'pip<25' 'setuptools<71' wheel \
 && .venv/bin/pip install -r requirements.txt

FROM python:3.10-slim
ENV PATH=/app/.venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp SQLALCHEMY_SILENCE_UBER_WARNING=1
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /tmp app
WORKDIR /app
COPY --from=venv /app/.venv .venv
# The same application files in every image: bot/stack.py, which names each command, reads them all.
COPY bot bot
COPY actions actions
COPY connectors connectors
COPY faq faq
COPY classifier_data classifier_data
COPY credentials.yml endpoints.yml ./
COPY deploy/docker/start.py deploy/docker/start.py
USER 10001
EXPOSE 8311
# Migrates BACKEND_DATABASE_URL to the newest revision, registers NOTIFY_URL, serves with waitress.
ENTRYPOINT ["python", "deploy/docker/start.py", "dispatch backend"]
