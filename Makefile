# 12345 Chat. Every target sets up what is missing first; nothing is redone when nothing changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
MODEL   := models/12345chat.tar.gz
# The one place that says where the dialogue data lives (every rasa command takes it from here).
DATA    := data
RASA_DATA_ARGS := --data $(DATA) --domain domain.yml --config config.yml
# make run REPLICAS=N: N Rasa servers and N action servers behind nginx (on PostgreSQL and Redis).
REPLICAS ?= 1
NGINX   := /usr/sbin/nginx
NLU_ASSETS := build/.nlu-assets
# The category examples' sentence vectors and the trained classifier (bot/nlu/category.py), made together by one
# command: once here, not at the first citizen.
VECTORS := build/category_vectors.npz
CATEGORY_MODEL := build/category_model.pickle
MODEL_INPUTS := config.yml domain.yml $(shell find $(DATA) -type f 2>/dev/null) $(NLU_ASSETS)
export PYTHONDONTWRITEBYTECODE := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help setup run test train shell bench lock validate clean

help:
	@echo "make run    - set up what is missing, start the whole stack, print the URLs (REPLICAS=N behind nginx)"
	@echo "make test   - set up what is missing, run the whole test suite"
	@echo "make train  - train the Rasa model (only when data or config changed)"
	@echo "make shell  - chat with the assistant in the terminal"
	@echo "make bench  - run the benchmarks under bench/"

$(VENV)/.installed: requirements.txt scripts/find-python.sh
	@py=$$(scripts/find-python.sh) && { [ -x $(PY) ] || $$py -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade 'pip<25' 'setuptools<71' wheel
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(NLU_ASSETS): $(VENV)/.installed node_modules/.installed $(shell find bot/nlu -name '*.py' 2>/dev/null)
	$(PY) -m bot.nlu.build
	@touch $@

$(VECTORS) $(CATEGORY_MODEL) &: $(VENV)/.installed bot/nlu/category.py bot/nlu/tfidf.py $(wildcard classifier_data/*.yml)
	$(PY) -m bot.nlu.category

$(MODEL): $(VENV)/.installed $(MODEL_INPUTS)
	$(RASA) train $(RASA_DATA_ARGS) --out models --fixed-model-name 12345chat

setup: $(VENV)/.installed node_modules/.installed $(NLU_ASSETS) $(VECTORS) $(CATEGORY_MODEL) $(MODEL)

train: setup

validate: setup
	$(RASA) data validate $(RASA_DATA_ARGS)

run: setup $(if $(filter-out 1,$(REPLICAS)),$(NGINX))
	$(PY) -m bot.cli run --replicas $(REPLICAS)

shell: setup
	$(PY) -m bot.cli shell

/usr/bin/chromium:
	scripts/install-chromium.sh

$(NGINX):
	scripts/install-nginx.sh

test: setup /usr/bin/chromium $(NGINX)
	$(PY) -m pytest

bench: setup $(NGINX)
	$(PY) -m bench $(BENCH)

# Re-pin requirements.txt from requirements.in in a throwaway venv.
lock:
	@py=$$(scripts/find-python.sh) && rm -rf /tmp/12345chat-lock && $$py -m venv /tmp/12345chat-lock
	/tmp/12345chat-lock/bin/pip install --quiet 'pip<25' 'setuptools<71' wheel
	/tmp/12345chat-lock/bin/pip install --quiet -r requirements.in
	{ echo "# Generated from requirements.in by: make lock. Install with: pip install -r requirements.txt"; \
	  /tmp/12345chat-lock/bin/pip freeze; } > requirements.txt

clean:
	rm -rf build models var .pytest_cache
