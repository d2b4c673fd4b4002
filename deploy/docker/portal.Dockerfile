# The city-portal page with the rasa-webchat widget, served from our own files (no CDN).
# Build from the repository root:
#   docker build --platform linux/amd64 -f deploy/docker/portal.Dockerfile -t REGISTRY/chat-12345/portal:TAG .

FROM node:20-bookworm-slim AS npm
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# The same first stage in every image, so one builder's cache makes it one shared layer.
FROM python:3.10-slim AS venv
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt ./
RUN python -m venv .venv \
 && .venv/bin/pip install 'pip<25' 'setuptools<71' wheel \
 && .venv/bin/pip install -r requirements.txt

FROM python:3.10-slim
ENV PATH=/app/.venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/tmp
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
# Only the widget's bundle: the page serves node_modules/rasa-webchat/lib/index.js and nothing else from npm.
COPY --from=npm /app/node_modules/rasa-webchat/lib node_modules/rasa-webchat/lib
USER 10001
EXPOSE 8080
ENTRYPOINT ["python", "deploy/docker/start.py", "city portal"]
