# Emporium. `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
INI ?= development.ini
PORT ?= 6543

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,test,lint,docs]"
	touch $@

.PHONY: install
install: $(INSTALLED) ## Create the virtualenv and install Emporium with its tools

var:
	mkdir -p var

.PHONY: migrate
migrate: install var ## Bring the database schema to head
	$(BIN)/emporium migrate $(INI)

.PHONY: run
run: migrate ## Migrate, seed a demo catalog when empty, index it, serve on 127.0.0.1:6543
	$(BIN)/emporium seed $(INI) --products 2000 --if-empty
	$(BIN)/emporium reindex $(INI) --if-missing
	$(BIN)/pserve $(INI)

.PHONY: cluster
cluster: install ## The whole cluster on loopback: HAProxy :8080, Varnish, 3 apps, PostgreSQL, Redis, 2 search servers
	$(BIN)/python deploy/cluster.py

.PHONY: test
test: install ## Run the whole test suite
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: a11y
a11y: install ## WCAG 2.1 AA check of every page type in Chromium (THEME=name THEMES_DIR=folder for your own theme)
	EMPORIUM_A11Y_THEMES="$(or $(THEME),default partner)" EMPORIUM_A11Y_THEME_DIRS="$(THEMES_DIR)" \
		$(BIN)/pytest tests/browser/test_accessibility.py $(PYTEST_ARGS)

.PHONY: bench
bench: install ## Run every benchmark in bench/ (each prints name: value lines); every one runs, the failed are named at the end
	@failed=""; for script in bench/[!_]*.py; do \
		echo "== $$script"; $(BIN)/python $$script || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "bench: failed:$$failed"; exit 1; fi

.PHONY: capacity
capacity: install ## The Christmas 2000 replay on this box: report in var/capacity/ (about 15 min)
	$(BIN)/python -m bench.capacity.run

.PHONY: soak
soak: install ## The cluster under a steady replay for SOAK_SECONDS (3600), sampling what a leak grows: report in var/soak/, fails when a figure grows without bound
	$(BIN)/python -m bench.soak.run

.PHONY: faults
faults: install ## The fault drills on the cluster under load: report in var/faults/ (about 15 min)
	$(BIN)/python -m bench.faults.run

.PHONY: docs
docs: install ## Build the documentation site into var/docs/, afresh (its reference is read from the code; warnings are errors)
	$(BIN)/sphinx-build -E -W --keep-going -b html docs var/docs

.PHONY: lint
lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check platform plugins admin tests bench migrations
	$(BIN)/ruff format --check platform plugins admin tests bench migrations

.PHONY: format
format: install ## Format the code with ruff
	$(BIN)/ruff check --fix platform plugins admin tests bench migrations
	$(BIN)/ruff format platform plugins admin tests bench migrations

.PHONY: clean
clean: ## Remove the virtualenv and the local database
	rm -rf $(VENV) var .pytest_cache
