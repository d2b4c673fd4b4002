# The Rasa server (NLU, dialogue, every input channel) with its trained model inside the image.
# Build from the repository root:
#   docker build --platform linux/amd64 -f deploy/docker/rasa.Dockerfile -t REGISTRY/chat-12345/rasa:TAG .
# The model is trained here, from the same commit as the code, so an image tag names one tested
# pair of code and model (custom components in bot/nlu and the assets in build/ must match the model).

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

# The Makefile stays the one place that says how to build the NLU assets and train (-o: the venv
# and node_modules are made above, not by make).
FROM venv AS model
ENV RASA_TELEMETRY_ENABLED=false PYTHONDONTWRITEBYTECODE=1 SQLALCHEMY_SILENCE_UBER_WARNING=1
# make runs only in this build stage; a pinned Debian version leaves the mirror at its next point release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*
COPY --from=npm /app/node_modules node_modules
COPY . .
RUN make -o .venv/.installed -o node_modules/.installed train

FROM python:3.10-slim
ENV PATH=/app/.venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
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
COPY --from=model /app/build build
COPY --from=model /app/models/12345chat.tar.gz models/12345chat.tar.gz
USER 10001
EXPOSE 5005
ENTRYPOINT ["python", "deploy/docker/start.py", "rasa server"]
