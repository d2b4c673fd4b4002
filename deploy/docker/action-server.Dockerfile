# The action server (Rasa SDK over bot/: intake, the dispatch client and its outbox). Never exposed.
# Build from the repository root:
#   docker build --platform linux/amd64 -f deploy/docker/action-server.Dockerfile -t REGISTRY/chat-12345/action-server:TAG .
# The retention CronJob runs this image too (python -m bot.cli purge).

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

# The actions find places with the gazetteer and spaCy pipeline that `python -m bot.nlu.build` makes, and
# classify with the category examples' vectors and trained classifier that `python -m bot.nlu.category` makes.
FROM venv AS assets
ENV PYTHONDONTWRITEBYTECODE=1
# make runs only in this build stage; a pinned Debian version leaves the mirror at its next point release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*
COPY --from=npm /app/node_modules node_modules
COPY . .
RUN make -o .venv/.installed -o node_modules/.installed build/.nlu-assets build/category_vectors.npz

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
COPY --from=assets /app/build build
USER 10001
EXPOSE 5055
ENTRYPOINT ["python", "deploy/docker/start.py", "action server"]
